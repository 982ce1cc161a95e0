import { ENOENT } from '../uapi/errno.js';

/**
 * get_next_key of every array-shaped map (arrays, fd arrays, devmap, cpumap,
 * xskmap): no key or an out-of-range one starts at 0, the last index ends.
 * `key` is the key's address, 0 for none; writes the next index at `next`.
 */
export function nextArrayKey(view: DataView, key: number, next: number, maxEntries: number): number {
  const i = key === 0 ? maxEntries : view.getUint32(key, true);
  const n = i >= maxEntries ? 0 : i + 1;
  if (n >= maxEntries) return -ENOENT;
  view.setUint32(next, n, true);
  return 0;
}
