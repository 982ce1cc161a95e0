import { RuntimeError } from '../vm/errors.js';
import { BPF_MAX_LOOPS } from '../vm/limits.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
} from '../uapi/bpf.js';
import { E2BIG, EINVAL } from '../uapi/errno.js';
import { mapArg, ptrArg, type HelperState } from './state.js';


/** Map types bpf_for_each_map_elem iterates (the kernel's map_for_each_callback implementations). */
const ITERABLE = new Set([
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
]);

/**
 * bpf_loop(nr_loops, callback_fn, callback_ctx, flags): calls
 * `callback_fn(index, ctx)` up to nr_loops times; a non-zero return stops it.
 * Returns the number of calls made; flags must be 0 (-EINVAL) and nr_loops at
 * most 1 << 23 (-E2BIG).
 */
export const loop: Helper = (call, r1, r2, r3, r4, _r5, _h1, h2, h3, h4) => {
  const n = r1 >>> 0;
  const fn = ptrArg(call, 2, r2, h2);
  const ctx = ptrArg(call, 3, r3, h3);
  if (r4 !== 0 || h4 !== 0) return -EINVAL;
  if (n > BPF_MAX_LOOPS) return -E2BIG;
  let i = 0;
  while (i < n) {
    const stop = call.invoke(fn, i, ctx) !== 0;
    i++;
    if (stop) break;
  }
  return i;
};

/**
 * bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags): calls
 * `callback_fn(map, key, value, ctx)` for each element; a non-zero return stops
 * after that element. Returns the number of elements visited.
 */
export function forEachMapElem(state: HelperState): Helper {
  // One visitor for every call, over these: a call allocates nothing. A callback may itself call
  // bpf_for_each_map_elem, so each call puts back what it found.
  let caller: HelperCall | undefined;
  let fn = 0;
  let mapAddress = 0;
  let ctx = 0;
  const visit = (key: number, value: number): boolean => caller!.invoke(fn, mapAddress, key, value, ctx) !== 0;
  return (call, r1, r2, r3, r4, _r5, h1, h2, h3, h4) => {
    const map = mapArg(state, call, 1, r1, h1);
    const callback = ptrArg(call, 2, r2, h2);
    const callbackCtx = ptrArg(call, 3, r3, h3);
    if (r4 !== 0 || h4 !== 0) return -EINVAL;
    if (!ITERABLE.has(map.spec.type)) throw new RuntimeError(call.insn, `bpf_for_each_map_elem cannot iterate map '${map.spec.name}'`);
    const outerCaller = caller;
    const outerFn = fn;
    const outerMap = mapAddress;
    const outerCtx = ctx;
    caller = call;
    fn = callback;
    mapAddress = map.address;
    ctx = callbackCtx;
    try {
      return map.forEachElem(state.cpu, visit);
    } finally {
      caller = outerCaller;
      fn = outerFn;
      mapAddress = outerMap;
      ctx = outerCtx;
    }
  };
}
