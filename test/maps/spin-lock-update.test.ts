// bpf_map_update_elem with BPF_F_LOCK, against the kernel: on an existing
// hash element the value is copied in place under the element's spin lock,
// and its timer stays (bpf_timer_init then finds it: -EBUSY); an array frees
// the timer whatever the flags; a value without a spin lock refuses the flag
// (-EINVAL), as LRU and per-CPU hashes refuse it among unknown flags. Every
// update copies around the special fields (copy_map_value).
import { describe, expect, it } from 'vitest';
import { BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST } from '../../src/uapi/bpf.js';
import { E2BIG, EBUSY, EEXIST, EINVAL, ENOENT } from '../../src/uapi/errno.js';
import { agree, fixture } from '../helpers/agreement.js';
import { skipWithoutKernel } from '../oracle/support.js';

skipWithoutKernel();

const UPDATE = 0;
const TIMER_INIT = 1;
const SET_CALLBACK = 2;
const READ_X = 3;
const [LHASH, LARRAY, PHASH, PLRU] = [0, 1, 2, 3];

/** One operation, as the program reads it after the Ethernet header. */
function frame(op: number, map: number, key: number, flags = 0): Uint8Array {
  const f = new Uint8Array(64);
  const view = new DataView(f.buffer);
  f[14] = op;
  f[15] = map;
  view.setUint32(16, key, true);
  view.setBigUint64(20, BigInt(flags), true);
  return f;
}

/** [operation, the kernel's result]; an update writes x = 5 + its frame's index. */
const STEPS: Array<[Uint8Array, number]> = [
  [frame(UPDATE, LHASH, 0), 0],
  [frame(TIMER_INIT, LHASH, 0), 0],
  [frame(SET_CALLBACK, LHASH, 0), 0],
  [frame(UPDATE, LHASH, 0, BPF_F_LOCK), 0],
  // The locked update kept the element and its timer.
  [frame(TIMER_INIT, LHASH, 0), -EBUSY],
  [frame(READ_X, LHASH, 0), 5 + 3],
  // A plain update replaces the element: a new one, with no timer.
  [frame(UPDATE, LHASH, 0), 0],
  [frame(TIMER_INIT, LHASH, 0), 0],
  [frame(UPDATE, LHASH, 0, BPF_F_LOCK | BPF_NOEXIST), -EEXIST],
  [frame(UPDATE, LHASH, 1, BPF_F_LOCK | BPF_EXIST), -ENOENT],
  // BPF_F_LOCK on a missing key adds the element as a plain update would.
  [frame(UPDATE, LHASH, 1, BPF_F_LOCK), 0],
  [frame(READ_X, LHASH, 1), 5 + 10],
  [frame(UPDATE, LHASH, 0, BPF_F_LOCK | 8), -EINVAL],
  [frame(TIMER_INIT, LARRAY, 2), 0],
  [frame(UPDATE, LARRAY, 2, BPF_F_LOCK), 0],
  // An array frees the timer under BPF_F_LOCK too.
  [frame(TIMER_INIT, LARRAY, 2), 0],
  [frame(READ_X, LARRAY, 2), 5 + 14],
  [frame(UPDATE, LARRAY, 2, BPF_F_LOCK | BPF_NOEXIST), -EEXIST],
  [frame(UPDATE, LARRAY, 4, BPF_F_LOCK), -E2BIG],
  [frame(UPDATE, PHASH, 0, BPF_F_LOCK), -EINVAL],
  [frame(UPDATE, PHASH, 0), 0],
  [frame(UPDATE, PHASH, 0, BPF_F_LOCK), -EINVAL],
  [frame(UPDATE, PLRU, 0, BPF_F_LOCK), -EINVAL],
  [frame(UPDATE, PLRU, 0), 0],
  [frame(UPDATE, PLRU, 0, BPF_F_LOCK | BPF_EXIST), -EINVAL],
];

describe('BPF_F_LOCK updates', () => {
  it('copy in place under the lock, keep the timer, and need a spin lock, as the kernel does', () => {
    const { kernel } = agree(fixture('spin_lock_update'), 'xdp_lock', STEPS.map(([f]) => f));
    // `rows` holds each frame's result as an s64, in hex, by index.
    const results = kernel.maps.rows!.slice(0, STEPS.length).map(([, v]) => Number(Buffer.from(v as string, 'hex').readBigInt64LE(0)));
    expect(results).toEqual(STEPS.map(([, r]) => r));
  });
});
