// bpf_perf_event_read, bpf_perf_event_read_value and bpf_get_branch_snapshot.
// The kernel answers with no perf event stored (flags, index, the value
// buffer's size and clearing) and on a CPU without branch records; then what
// a program reads in xdpsim from a BPF output event a reader attached.
import { describe, expect, it } from 'vitest';
import { getBranchSnapshot } from '../../src/helpers/misc.js';
import { loadObject } from '../../src/loader/load.js';
import type { PerfEventArrayMap } from '../../src/maps/perf-event-array.js';
import { E2BIG, EINVAL, ENOENT } from '../../src/uapi/errno.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';
import { bench } from './direct.js';

const OBJ = fixture('perf_read');
const CURRENT_CPU = 0xffffffffn;

/** A request: the flags at 16, the size (read_value) or a zero-size snapshot (0) at 14. */
function frame(flags: bigint, size = 24): Uint8Array {
  const f = Buffer.alloc(64);
  f[14] = size;
  f.writeBigUInt64LE(flags, 16);
  return new Uint8Array(f);
}

const results = (rows: Array<[string, unknown]>, n: number): bigint[] => rows.slice(0, n).map(([, v]) => Buffer.from(v as string, 'hex').readBigInt64LE(0));
const buffers = (values: Array<[string, unknown]>, n: number): string[] => values.slice(0, n).map(([, v]) => v as string);

const FLAG_FRAMES = [frame(0n), frame(CURRENT_CPU), frame(2n), frame(1n << 32n), frame(CURRENT_CPU | (1n << 40n)), frame(0xfffffffen)];
const FLAG_RESULTS = [BigInt(-ENOENT), BigInt(-ENOENT), BigInt(-E2BIG), BigInt(-EINVAL), BigInt(-EINVAL), BigInt(-E2BIG)];

describe('perf event reads and branch snapshots', () => {
  describe('against the kernel', () => {
    skipWithoutKernel();

    it('bpf_perf_event_read: -EINVAL for flags past the index, -E2BIG past max_entries, -ENOENT for an empty slot', () => {
      const { kernel } = agree(OBJ, 'xdp_perf_read', FLAG_FRAMES);
      expect(results(kernel.maps.rows!, FLAG_FRAMES.length)).toEqual(FLAG_RESULTS);
    });

    it('bpf_perf_event_read_value: the same errnos, a size other than 24 first, the buffer zeroed to size', () => {
      const frames = [...FLAG_FRAMES, frame(0n, 16), frame(0n, 32), frame(1n << 32n, 16)];
      const { kernel } = agree(OBJ, 'xdp_perf_read_value', frames);
      expect(results(kernel.maps.rows!, frames.length)).toEqual([...FLAG_RESULTS, BigInt(-EINVAL), BigInt(-EINVAL), BigInt(-EINVAL)]);
      const cleared = (n: number): string => '00'.repeat(n) + 'ff'.repeat(32 - n);
      expect(buffers(kernel.maps.values!, frames.length)).toEqual([...FLAG_FRAMES.map(() => cleared(24)), cleared(16), cleared(32), cleared(16)]);
    });

    it('bpf_get_branch_snapshot: no records, -EINVAL for any flag, the buffer untouched', () => {
      const frames = [frame(0n, 32), frame(1n, 32), frame(0n, 0), frame(1n << 63n, 0)];
      const { kernel } = agree(OBJ, 'xdp_branch_snapshot', frames);
      expect(results(kernel.maps.rows!, frames.length)).toEqual([BigInt(-ENOENT), BigInt(-EINVAL), BigInt(-ENOENT), BigInt(-EINVAL)]);
      expect(buffers(kernel.maps.values!, frames.length)).toEqual(frames.map(() => '77'.repeat(32)));
    });
  });

  it('reads a BPF output event on its own CPU: counter 0, enabled and running since it was opened', () => {
    const obj = loadObject(OBJ, { cpus: 4 });
    const events = obj.map('events') as PerfEventArrayMap;
    // Across a second boundary, so that seconds and nanoseconds both count.
    let now: [number, number] = [7, 999_999_000];
    events.attachReader(0, { cpu: 0, clock: () => now });
    events.attachReader(1, { cpu: 1, clock: () => now });
    now = [8, 123_456 - 1_000];
    const read = obj.program({ program: 'xdp_perf_read' });
    const readValue = obj.program({ program: 'xdp_perf_read_value' });
    const row = (k: number, map: string) => Buffer.from(obj.map(map).lookupElem(Uint8Array.of(k, 0, 0, 0)) as Uint8Array);

    read.run(frame(CURRENT_CPU), { cpu: 0 }); // row 0
    read.run(frame(1n), { cpu: 0 }); // row 1: CPU 1's event, read on CPU 0
    read.run(frame(CURRENT_CPU), { cpu: 1 }); // row 2
    read.run(frame(CURRENT_CPU), { cpu: 2 }); // row 3: index 2 is past max_entries
    readValue.run(frame(0n), { cpu: 0 }); // row 4
    readValue.run(frame(0n), { cpu: 1 }); // row 5
    expect([0, 1, 2, 3, 4, 5].map((k) => row(k, 'rows').readBigInt64LE(0))).toEqual([0n, BigInt(-EINVAL), 0n, BigInt(-E2BIG), 0n, BigInt(-EINVAL)]);
    const value = row(4, 'values');
    expect([value.readBigUInt64LE(0), value.readBigUInt64LE(8), value.readBigUInt64LE(16)]).toEqual([0n, 123_456n, 123_456n]);
    expect(value.subarray(24).toString('hex')).toBe('ff'.repeat(8));
    expect(row(5, 'values').toString('hex')).toBe('00'.repeat(24) + 'ff'.repeat(8));
  });

  it('bpf_get_branch_snapshot reads the flags whole, and writes nothing', () => {
    const b = bench();
    b.memory.u8.fill(0x77, b.scratch, b.scratch + 64);
    expect(b.call(getBranchSnapshot, b.scratch, 64, 0)).toBe(BigInt(-ENOENT));
    expect(b.call(getBranchSnapshot, b.scratch, 64, 1n << 32n)).toBe(BigInt(-EINVAL));
    expect(b.memory.u8.subarray(b.scratch, b.scratch + 64).every((x) => x === 0x77)).toBe(true);
  });
});
