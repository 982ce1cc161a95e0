// The dynptr helpers against the kernel: LOCAL dynptrs over a map value
// (reads, writes and direct pointers, in and out of bounds, with flags),
// RINGBUF dynptrs reserved, written, read back and submitted or discarded,
// failed reserves (their NULL dynptr), and the ring's records as a consumer
// reads them.
import { describe, expect, it } from 'vitest';
import { RingBufMap } from '../../src/maps/ringbuf.js';
import { E2BIG, EINVAL } from '../../src/uapi/errno.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';

skipWithoutKernel();

const OP = { FROM_MEM: 0, READ: 1, WRITE: 2, DATA4: 3, DATA16: 4, RB_SUBMIT: 5, RB_DISCARD: 6, RB_DATA: 7 } as const;
const PATTERN = Buffer.from(Array.from({ length: 32 }, (_, i) => 0xa0 + i));

interface Args {
  size?: number;
  off?: number;
  len?: number;
  flags?: bigint;
  memFlags?: bigint;
}

function frame(op: number, { size = 32, off = 0, len = 0, flags = 0n, memFlags = 0n }: Args = {}): Uint8Array {
  const b = Buffer.alloc(60);
  b[14] = op;
  b.writeUInt32LE(size, 16);
  b.writeUInt32LE(off, 20);
  b.writeUInt32LE(len, 24);
  b.writeBigUInt64LE(flags, 28);
  b.writeBigUInt64LE(memFlags, 36);
  return new Uint8Array(b);
}

interface Row {
  result: bigint;
  result2: bigint;
  prod: bigint;
  avail: bigint;
  bytes: string;
}

function run(frames: Uint8Array[], store = Buffer.from(Array.from({ length: 32 }, (_, i) => i))) {
  const setup = [{ map: 'store', key: new Uint8Array(4), value: new Uint8Array(store) }];
  const { kernel, obj } = agree(fixture('dynptr'), 'xdp_dynptr', frames, setup);
  const rows: Row[] = kernel.maps.rows!.slice(0, frames.length).map(([, v]) => {
    const b = Buffer.from(v as string, 'hex');
    return { result: b.readBigInt64LE(0), result2: b.readBigInt64LE(8), prod: b.readBigUInt64LE(16), avail: b.readBigUInt64LE(24), bytes: b.subarray(32).toString('hex') };
  });
  return { rows, store: kernel.maps.store![0]![1] as string, ring: obj.map('ring') as RingBufMap };
}

const hex = (...bytes: number[]): string => Buffer.from(bytes).toString('hex');
const zeros = (n: number): string => '00'.repeat(n);

describe('LOCAL dynptrs (bpf_dynptr_from_mem)', () => {
  it('refuses flags, leaving a NULL dynptr that reads as -EINVAL', () => {
    const { rows } = run([frame(OP.FROM_MEM), frame(OP.FROM_MEM, { memFlags: 1n }), frame(OP.FROM_MEM, { memFlags: 1n << 40n }), frame(OP.FROM_MEM, { size: 0 })]);
    expect(rows.map((r) => [r.result, r.result2])).toEqual([
      [0n, 0n],
      [BigInt(-EINVAL), BigInt(-EINVAL)],
      [BigInt(-EINVAL), BigInt(-EINVAL)],
      [0n, BigInt(-E2BIG)], // a dynptr of 0 bytes: the 4 bytes read are past its end
    ]);
    expect(rows[0]!.bytes).toBe(hex(0, 1, 2, 3) + zeros(28));
  });

  it('reads within bounds, and gives -E2BIG past them and -EINVAL for flags', () => {
    const { rows } = run([
      frame(OP.READ, { off: 4, len: 8 }),
      frame(OP.READ, { size: 16, off: 8, len: 8 }), // the last 8 bytes
      frame(OP.READ, { size: 16, off: 9, len: 8 }), // one past
      frame(OP.READ, { size: 16, off: 0, len: 17 }), // longer than the dynptr
      frame(OP.READ, { size: 16, off: 0xffffffff, len: 1 }), // an offset that wraps
      frame(OP.READ, { size: 16, off: 16, len: 0 }), // nothing, at the very end
      frame(OP.READ, { off: 0, len: 4, flags: 1n }),
      frame(OP.READ, { off: 40, len: 4, flags: 1n }), // flags are checked first
    ]);
    expect(rows.map((r) => r.result2)).toEqual([0n, 0n, BigInt(-E2BIG), BigInt(-E2BIG), BigInt(-E2BIG), 0n, BigInt(-EINVAL), BigInt(-EINVAL)]);
    expect(rows[0]!.bytes).toBe(hex(4, 5, 6, 7, 8, 9, 10, 11) + zeros(24));
    expect(rows[1]!.bytes).toBe(hex(8, 9, 10, 11, 12, 13, 14, 15) + zeros(24));
  });

  it('writes within bounds, checking bounds before flags', () => {
    const { rows, store } = run([
      frame(OP.WRITE, { size: 16, off: 2, len: 3 }),
      frame(OP.WRITE, { size: 16, off: 14, len: 3 }), // past the dynptr's end, within the value
      frame(OP.WRITE, { size: 16, off: 14, len: 3, flags: 1n }), // -E2BIG before the flag is looked at
      frame(OP.WRITE, { size: 16, off: 4, len: 1, flags: 1n }),
      frame(OP.WRITE, { size: 32, off: 28, len: 4 }),
    ]);
    expect(rows.map((r) => r.result2)).toEqual([0n, BigInt(-E2BIG), BigInt(-E2BIG), BigInt(-EINVAL), 0n]);
    const expected = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    PATTERN.copy(expected, 2, 0, 3);
    PATTERN.copy(expected, 28, 0, 4);
    expect(store).toBe(expected.toString('hex'));
  });

  it('hands out a pointer into the memory for bytes within bounds, NULL otherwise', () => {
    const { rows, store } = run([
      frame(OP.DATA4, { size: 8, off: 4 }),
      frame(OP.DATA4, { size: 8, off: 5 }),
      frame(OP.DATA16, { size: 32, off: 16 }),
      frame(OP.DATA16, { size: 32, off: 17 }),
      frame(OP.DATA16, { size: 8, off: 0 }),
    ]);
    expect(rows.map((r) => r.result2)).toEqual([1n, 0n, 1n, 0n, 0n]);
    const expected = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    expected.fill(0xee, 4, 8);
    expected.fill(0xdd, 16, 32);
    expect(store).toBe(expected.toString('hex'));
  });
});

describe('RINGBUF dynptrs', () => {
  it('reserve, write, read back and submit or discard records, as a consumer then reads them', () => {
    const { rows, ring } = run([
      frame(OP.RB_SUBMIT, { size: 16, len: 16 }),
      frame(OP.RB_DISCARD, { size: 8, len: 8 }),
      frame(OP.RB_SUBMIT, { size: 20, len: 24 }), // a write past the record: -E2BIG, nothing written
      frame(OP.RB_DATA, { size: 16, off: 8, len: 16 }),
      frame(OP.RB_DATA, { size: 16, off: 9, len: 16 }),
      frame(OP.RB_SUBMIT, { size: 0, len: 0 }),
    ]);
    expect(rows.map((r) => [r.result, r.result2])).toEqual([
      [0n, 0n],
      [0n, 0n],
      [0n, BigInt(-E2BIG)],
      [0n, 1n],
      [0n, 0n],
      [0n, 0n],
    ]);
    // Records are 8 bytes of header and the data rounded up to 8; discarded ones count until consumed.
    expect(rows.map((r) => r.prod)).toEqual([24n, 40n, 72n, 96n, 120n, 128n]);
    expect(rows.every((r) => r.avail === r.prod)).toBe(true);
    expect(rows[0]!.bytes).toBe(PATTERN.subarray(0, 16).toString('hex') + zeros(16));
    expect(rows[3]!.bytes).toBe(zeros(8) + 'ee'.repeat(8) + zeros(16));
    expect(rows[4]!.bytes).toBe(zeros(32));
    const records = ring.consume().map((r) => Buffer.from(r).toString('hex'));
    expect(records).toEqual([PATTERN.subarray(0, 16).toString('hex'), zeros(20), zeros(8) + 'ee'.repeat(8), zeros(16), '']);
  });

  it('fails with -EINVAL for a flag or a full ring and -E2BIG past the largest dynptr, leaving a NULL dynptr', () => {
    const { rows, ring } = run([
      frame(OP.RB_SUBMIT, { size: 8, len: 8, flags: 1n }),
      frame(OP.RB_SUBMIT, { size: 8, len: 8, flags: 1n << 33n }),
      frame(OP.RB_SUBMIT, { size: 1 << 24, len: 8 }),
      frame(OP.RB_DISCARD, { size: 4096, len: 8 }), // the header does not fit beside it
      frame(OP.RB_SUBMIT, { size: 4080, len: 8 }), // 4088 bytes: the most a 4096-byte ring takes
      frame(OP.RB_SUBMIT, { size: 0, len: 0 }), // 8 more would fill it, and a ring keeps a byte free
    ]);
    expect(rows.map((r) => [r.result, r.result2])).toEqual([
      [BigInt(-EINVAL), BigInt(-EINVAL)],
      [BigInt(-EINVAL), BigInt(-EINVAL)],
      [BigInt(-E2BIG), BigInt(-EINVAL)],
      [BigInt(-EINVAL), BigInt(-EINVAL)],
      [0n, 0n],
      [BigInt(-EINVAL), BigInt(-EINVAL)],
    ]);
    expect(rows.map((r) => r.prod)).toEqual([0n, 0n, 0n, 0n, 4088n, 4088n]);
    expect(rows.filter((r) => r.result !== 0n).every((r) => r.bytes === zeros(32))).toBe(true);
    expect(ring.consume().map((r) => r.length)).toEqual([4080]);
  });
});
