// The ring buffer helpers against the kernel: reserve/submit/discard/output
// results and bpf_ringbuf_query's view of the positions after each frame,
// up to and past a full ring; and the example that fills a 16 KiB ring.
import { describe, expect, it } from 'vitest';
import { RingBufMap } from '../../src/maps/ringbuf.js';
import { XDP_PASS } from '../../src/uapi/bpf.js';
import { concat, le32, tcp4Frame, udp4Frame } from '../oracle/packets.js';
import { example, mapValue, plain, skipWithoutKernel, u64le } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';

skipWithoutKernel();

const OP_SUBMIT = 0, OP_DISCARD = 1, OP_OUTPUT = 2, OP_RESERVE_FLAGS = 3, OP_OUTPUT_FLAGS = 4;

const frame = (op: number, size = 0): Uint8Array => concat(new Uint8Array(14), Uint8Array.of(op, 0), le32(size), new Uint8Array(40));

interface Row {
  result: bigint;
  avail: bigint;
  size: bigint;
  cons: bigint;
  prod: bigint;
  badQuery: bigint;
}

function rows(hexRows: Array<[string, unknown]>): Row[] {
  return hexRows.map(([, v]) => {
    const b = Buffer.from(v as string, 'hex');
    return { result: b.readBigInt64LE(0), avail: b.readBigUInt64LE(8), size: b.readBigUInt64LE(16), cons: b.readBigUInt64LE(24), prod: b.readBigUInt64LE(32), badQuery: b.readBigUInt64LE(40) };
  });
}

describe('ring buffer helpers', () => {
  it('account for records, discards, refused flags and a full ring as the kernel does', () => {
    const frames = [
      frame(OP_SUBMIT),
      frame(OP_DISCARD),
      frame(OP_OUTPUT, 5),
      frame(OP_OUTPUT, 0),
      frame(OP_RESERVE_FLAGS),
      frame(OP_OUTPUT_FLAGS),
      frame(OP_OUTPUT, 511),
      ...Array.from({ length: 50 }, () => frame(OP_SUBMIT)),
      frame(OP_OUTPUT, 8),
      frame(OP_OUTPUT, 9),
    ];
    const { kernel, obj } = agree(fixture('ringbuf'), 'xdp_ringbuf_ops', frames);
    const table = rows(kernel.maps.rows!.slice(0, frames.length));
    // 72-byte records (64 + header), an 8-byte output padded to 16, an empty one of 8.
    expect(table.slice(0, 4).map((r) => r.prod)).toEqual([72n, 144n, 160n, 168n]);
    expect(table[4]!.result).toBe(0n); // reserve with a flag: NULL
    expect(table[5]!.result).toBe(-22n); // output with an unknown flag: -EINVAL
    expect(table.every((r) => r.size === 4096n && r.cons === 0n && r.avail === r.prod && r.badQuery === 0n)).toBe(true);
    // 520 bytes for 511, then 47 records of 72 reach 4072; the 48th would pass 4095 (size - 1).
    expect(table[6]!.prod).toBe(688n);
    const submits = table.slice(7, 57);
    expect(submits.filter((r) => r.result === 1n)).toHaveLength(47);
    expect(submits.at(-1)).toMatchObject({ result: 0n, prod: 4072n });
    expect(table[57]).toMatchObject({ result: 0n, prod: 4088n }); // 16 more bytes still fit
    expect(table[58]).toMatchObject({ result: -11n, prod: 4088n }); // 24 do not: -EAGAIN

    // What a consumer then reads: the submitted records, not the discarded ones, in order.
    const ring = obj.map('ring') as RingBufMap;
    const samples = ring.consume();
    expect(samples[0]).toEqual(new Uint8Array(64).fill(0xab));
    expect(samples.slice(1, 3).map((s) => s.length)).toEqual([5, 0]);
    expect(samples).toHaveLength(1 + 2 + 1 + 47 + 1);
    expect(ring.consumerPos).toBe(4088);
    expect(ring.availableData).toBe(0);
  });

  it('examples/xdp_ringbuf: 227 records of 72 bytes fill 16 KiB, then events are lost', () => {
    const frames = [...Array.from({ length: 300 }, (_, i) => tcp4Frame(i, 80)), udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000)];
    const { kernel, obj } = agree(example('xdp_ringbuf'), 'xdp_ringbuf', frames);
    expect(kernel.frames.every((f) => 'verdict' in f && f.verdict === XDP_PASS)).toBe(true);
    expect(u64le(plain(mapValue(kernel, 'xdp_ring.bss', '00000000')), 0)).toBe(BigInt(frames.length - 227));

    const events = (obj.map('events') as RingBufMap).consume();
    expect(events).toHaveLength(227);
    const first = Buffer.from(events[0]!);
    expect(first.readUInt32LE(0)).toBe(frames[0]!.length); // len
    expect(first.readUInt32LE(4)).toBe(1); // ingress ifindex: lo
    expect(first.readUInt16LE(8)).toBe(0x0800); // EtherType, host order
    expect(first.readUInt16LE(10)).toBe(48); // snap_len
    expect(first.subarray(12, 60)).toEqual(Buffer.from(frames[0]!.subarray(0, 48)));
  });
});
