import {
  BPF_MAP_TYPE_ARRAY_OF_MAPS,
  BPF_MAP_TYPE_BLOOM_FILTER,
  BPF_MAP_TYPE_CPUMAP,
  BPF_MAP_TYPE_DEVMAP,
  BPF_MAP_TYPE_DEVMAP_HASH,
  BPF_MAP_TYPE_HASH_OF_MAPS,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_RINGBUF,
  BPF_MAP_TYPE_STACK,
  BPF_MAP_TYPE_XSKMAP,
} from '../uapi/bpf.js';
import * as id from '../uapi/func-ids.js';
import { HELPER_PROTOS } from './protos.js';

const QUEUE_FUNCS = [id.BPF_FUNC_map_peek_elem, id.BPF_FUNC_map_pop_elem, id.BPF_FUNC_map_push_elem];

/**
 * Map types that only some helpers may take, and those helpers: the first
 * switch of the kernel's check_map_func_compatibility, for the map types
 * xdpsim creates. The second switch, each helper's own list of map types, is
 * its proto's mapTypes.
 */
export const MAP_TYPE_FUNCS: ReadonlyMap<number, readonly number[]> = new Map([
  [BPF_MAP_TYPE_PROG_ARRAY, [id.BPF_FUNC_tail_call]],
  [
    BPF_MAP_TYPE_PERF_EVENT_ARRAY,
    [id.BPF_FUNC_perf_event_read, id.BPF_FUNC_perf_event_output, id.BPF_FUNC_perf_event_read_value, id.BPF_FUNC_skb_output, id.BPF_FUNC_xdp_output],
  ],
  [
    BPF_MAP_TYPE_RINGBUF,
    [
      id.BPF_FUNC_ringbuf_output,
      id.BPF_FUNC_ringbuf_reserve,
      id.BPF_FUNC_ringbuf_query,
      id.BPF_FUNC_ringbuf_reserve_dynptr,
      id.BPF_FUNC_ringbuf_submit_dynptr,
      id.BPF_FUNC_ringbuf_discard_dynptr,
    ],
  ],
  [BPF_MAP_TYPE_DEVMAP, [id.BPF_FUNC_redirect_map, id.BPF_FUNC_map_lookup_elem]],
  [BPF_MAP_TYPE_DEVMAP_HASH, [id.BPF_FUNC_redirect_map, id.BPF_FUNC_map_lookup_elem]],
  [BPF_MAP_TYPE_CPUMAP, [id.BPF_FUNC_redirect_map]],
  [BPF_MAP_TYPE_XSKMAP, [id.BPF_FUNC_redirect_map, id.BPF_FUNC_map_lookup_elem]],
  [BPF_MAP_TYPE_ARRAY_OF_MAPS, [id.BPF_FUNC_map_lookup_elem]],
  [BPF_MAP_TYPE_HASH_OF_MAPS, [id.BPF_FUNC_map_lookup_elem]],
  [BPF_MAP_TYPE_QUEUE, QUEUE_FUNCS],
  [BPF_MAP_TYPE_STACK, QUEUE_FUNCS],
  [BPF_MAP_TYPE_BLOOM_FILTER, [id.BPF_FUNC_map_peek_elem, id.BPF_FUNC_map_push_elem]],
]);

/**
 * Whether the verifier lets a program pass a map of `mapType` to helper
 * `func` (check_map_func_compatibility): both the map type's list of helpers
 * and the helper's list of map types must allow it.
 */
export function mapFuncCompatible(mapType: number, func: number): boolean {
  const funcs = MAP_TYPE_FUNCS.get(mapType);
  if (funcs && !funcs.includes(func)) return false;
  const types = HELPER_PROTOS.get(func)?.mapTypes;
  return !types || types.includes(mapType);
}
