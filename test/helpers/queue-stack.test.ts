// Queue and stack helpers against the kernel: FIFO and LIFO order, a full
// map with and without BPF_EXIST, refused flags, and empty pops and peeks
// that zero the destination.
import { describe, expect, it } from 'vitest';
import { QueueStackMap } from '../../src/maps/queue-stack.js';
import { E2BIG, EINVAL, ENOENT } from '../../src/uapi/errno.js';
import { concat, le32 } from '../oracle/packets.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';

skipWithoutKernel();

const PUSH_Q = 0, POP_Q = 1, PEEK_Q = 2, PUSH_S = 3, POP_S = 4, PEEK_S = 5;
const BPF_NOEXIST = 1n, BPF_EXIST = 2n;

function frame(op: number, value = 0, flags = 0n): Uint8Array {
  const f = new Uint8Array(8);
  new DataView(f.buffer).setBigUint64(0, flags, true);
  return concat(new Uint8Array(14), Uint8Array.of(op, 0), le32(value), f, new Uint8Array(30));
}

const rows = (hexRows: Array<[string, unknown]>, n: number): Array<[bigint, number]> =>
  hexRows.slice(0, n).map(([, v]) => {
    const b = Buffer.from(v as string, 'hex');
    return [b.readBigInt64LE(0), b.readUInt32LE(8)];
  });

describe('queue and stack helpers', () => {
  it('agree with the kernel on order, overflow, flags and empty maps', () => {
    const frames = [
      frame(POP_Q),
      frame(PEEK_S),
      ...[1, 2, 3, 4].map((v) => frame(PUSH_Q, v)),
      frame(PUSH_Q, 5, BPF_EXIST),
      frame(PUSH_Q, 6, BPF_NOEXIST),
      frame(PUSH_Q, 7, 3n),
      frame(PUSH_Q, 8, 1n << 32n),
      frame(PEEK_Q),
      frame(POP_Q),
      frame(POP_Q),
      frame(POP_Q),
      frame(POP_Q),
      ...[1, 2, 3, 4].map((v) => frame(PUSH_S, v)),
      frame(PUSH_S, 5, BPF_EXIST),
      frame(PEEK_S),
      frame(POP_S),
      frame(POP_S),
      frame(POP_S),
      frame(POP_S),
    ];
    const { kernel, obj } = agree(fixture('queue_stack'), 'xdp_queue_stack', frames);
    const z = 0;
    expect(rows(kernel.maps.rows!, frames.length)).toEqual([
      [BigInt(-ENOENT), z], [BigInt(-ENOENT), z],
      [0n, 1], [0n, 2], [0n, 3], [BigInt(-E2BIG), 4],
      [0n, 5], [BigInt(-EINVAL), 6], [BigInt(-EINVAL), 7], [BigInt(-EINVAL), 8],
      [0n, 2], [0n, 2], [0n, 3], [0n, 5], [BigInt(-ENOENT), z],
      [0n, 1], [0n, 2], [0n, 3], [BigInt(-E2BIG), 4],
      [0n, 5], [0n, 5], [0n, 5], [0n, 3], [0n, 2], [BigInt(-ENOENT), z],
    ]);
    expect((obj.map('fifo') as QueueStackMap).count).toBe(0);
  });
});
