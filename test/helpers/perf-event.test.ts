// bpf_perf_event_output: the kernel's answers with no perf event attached
// (flags, index, packet length), then what a reader attached in xdpsim gets.
import { describe, expect, it } from 'vitest';
import { PerfBuffer, PerfEventArrayMap } from '../../src/maps/perf-event-array.js';
import { E2BIG, EFAULT, EINVAL, ENOENT } from '../../src/uapi/errno.js';
import { concat } from '../oracle/packets.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';

skipWithoutKernel();

const OBJ = fixture('perf_event');
const CURRENT_CPU = 0xffffffffn;
const ctxlen = (n: number): bigint => BigInt(n) << 32n;

function frame(size: number, flags: bigint, length = 64): Uint8Array {
  const f = new Uint8Array(8);
  new DataView(f.buffer).setBigUint64(0, flags, true);
  const head = concat(Uint8Array.from({ length: 14 }, (_, i) => 0xe0 + i), Uint8Array.of(size, 0), f);
  return concat(head, Uint8Array.from({ length: length - head.length }, (_, i) => i & 0xff));
}

const results = (hexRows: Array<[string, unknown]>, n: number): bigint[] =>
  hexRows.slice(0, n).map(([, v]) => Buffer.from(v as string, 'hex').readBigInt64LE(0));

describe('bpf_perf_event_output', () => {
  it('agrees with the kernel when no perf event is attached', () => {
    const frames = [
      frame(8, CURRENT_CPU),
      frame(8, 0n),
      frame(8, 1n),
      frame(8, 2n),
      frame(8, 5n),
      frame(0, CURRENT_CPU | ctxlen(20)),
      frame(8, CURRENT_CPU | ctxlen(64)),
      frame(8, CURRENT_CPU | ctxlen(65)),
      frame(8, 0n | ctxlen(3600), 4000),
      frame(8, 1n << 52n),
      frame(8, CURRENT_CPU - 1n),
    ];
    const { kernel } = agree(OBJ, 'xdp_perf_output', frames);
    const errnos = [ENOENT, ENOENT, ENOENT, E2BIG, E2BIG, ENOENT, ENOENT, EFAULT, ENOENT, EINVAL, E2BIG];
    expect(results(kernel.maps.rows!, frames.length)).toEqual(errnos.map((e) => BigInt(-e)));
  });

  it('delivers samples, padded as perf pads raw data, to a reader on the running CPU', () => {
    const { obj } = agree(OBJ, 'xdp_perf_output', []);
    const prog = obj.program({ program: 'xdp_perf_output' });
    const map = obj.map('events') as PerfEventArrayMap;
    const buffer = new PerfBuffer(map, 1);
    expect(buffer.readers.map((r) => r.cpu)).toEqual([0, 1].slice(0, Math.min(2, map.cpus)));
    const rows = obj.map('rows');
    const resultOf = (i: number) => Buffer.from(rows.lookupElem(Uint8Array.of(i, 0, 0, 0)) as Uint8Array).readBigInt64LE(0);

    const withPacket = frame(3, CURRENT_CPU | ctxlen(20));
    prog.run(withPacket);
    expect(resultOf(0)).toBe(0n);
    const [record] = buffer.consume();
    // 3 sample bytes and 20 packet bytes, padded so that the u32 size and the data end on 8 bytes.
    expect(record).toEqual({ kind: 'sample', cpu: 0, data: concat(Uint8Array.of(1, 2, 3), withPacket.subarray(0, 20), new Uint8Array(5)) });

    prog.run(frame(8, 1n), { cpu: 0 }); // the reader at index 1 is CPU 1's
    expect(resultOf(1)).toBe(map.cpus > 1 ? -95n : -2n);

    // One page: 4096 bytes hold 170 samples of 24 bytes (one byte stays free); the rest are lost.
    for (let i = 0; i < 171; i++) prog.run(frame(8, CURRENT_CPU));
    expect(resultOf(2 + 169)).toBe(0n);
    expect(resultOf(2 + 170)).toBe(-28n);
    expect(buffer.lost).toBe(1);
    expect(buffer.consume()).toHaveLength(170);
    prog.run(frame(8, CURRENT_CPU));
    expect(buffer.consume()).toEqual([
      { kind: 'lost', cpu: 0, lost: 1 },
      { kind: 'sample', cpu: 0, data: concat(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), new Uint8Array(4)) },
    ]);
  });
});
