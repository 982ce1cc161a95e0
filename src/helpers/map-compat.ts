import type { BpfMap } from '../maps/map.js';
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
} from '../maps/types.js';
import { RuntimeError } from '../vm/errors.js';
import type { HelperCall } from '../vm/helper.js';
import * as id from './ids.js';
import { helperName } from './names.js';

const PERF_FUNCS = [
  id.BPF_FUNC_perf_event_output,
  id.BPF_FUNC_perf_event_read,
  id.BPF_FUNC_perf_event_read_value,
  id.BPF_FUNC_skb_output,
  id.BPF_FUNC_xdp_output,
];
const RINGBUF_FUNCS = [
  id.BPF_FUNC_ringbuf_output,
  id.BPF_FUNC_ringbuf_reserve,
  id.BPF_FUNC_ringbuf_query,
  id.BPF_FUNC_ringbuf_reserve_dynptr,
  id.BPF_FUNC_ringbuf_submit_dynptr,
  id.BPF_FUNC_ringbuf_discard_dynptr,
];
const QUEUE_FUNCS = [id.BPF_FUNC_map_peek_elem, id.BPF_FUNC_map_pop_elem, id.BPF_FUNC_map_push_elem];

/** Map types that only some helpers may take, and those helpers. */
const FUNCS_OF_MAP: ReadonlyMap<number, readonly number[]> = new Map([
  [BPF_MAP_TYPE_PROG_ARRAY, [id.BPF_FUNC_tail_call]],
  [BPF_MAP_TYPE_PERF_EVENT_ARRAY, PERF_FUNCS],
  [BPF_MAP_TYPE_RINGBUF, RINGBUF_FUNCS],
  [BPF_MAP_TYPE_DEVMAP, [id.BPF_FUNC_redirect_map, id.BPF_FUNC_map_lookup_elem]],
  [BPF_MAP_TYPE_DEVMAP_HASH, [id.BPF_FUNC_redirect_map, id.BPF_FUNC_map_lookup_elem]],
  [BPF_MAP_TYPE_CPUMAP, [id.BPF_FUNC_redirect_map]],
  [BPF_MAP_TYPE_XSKMAP, [id.BPF_FUNC_redirect_map, id.BPF_FUNC_map_lookup_elem]],
  [BPF_MAP_TYPE_ARRAY_OF_MAPS, [id.BPF_FUNC_map_lookup_elem]],
  [BPF_MAP_TYPE_HASH_OF_MAPS, [id.BPF_FUNC_map_lookup_elem]],
  [BPF_MAP_TYPE_QUEUE, QUEUE_FUNCS],
  [BPF_MAP_TYPE_STACK, QUEUE_FUNCS],
]);

const QUEUES = [BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK];

/** Helpers that only some map types may be passed to, and those types. */
const MAPS_OF_FUNC: ReadonlyMap<number, readonly number[]> = new Map([
  [id.BPF_FUNC_tail_call, [BPF_MAP_TYPE_PROG_ARRAY]],
  ...PERF_FUNCS.map((f): [number, number[]] => [f, [BPF_MAP_TYPE_PERF_EVENT_ARRAY]]),
  ...RINGBUF_FUNCS.map((f): [number, number[]] => [f, [BPF_MAP_TYPE_RINGBUF]]),
  [id.BPF_FUNC_redirect_map, [BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH, BPF_MAP_TYPE_CPUMAP, BPF_MAP_TYPE_XSKMAP]],
  [id.BPF_FUNC_map_pop_elem, QUEUES],
  [id.BPF_FUNC_map_peek_elem, [...QUEUES, BPF_MAP_TYPE_BLOOM_FILTER]],
  [id.BPF_FUNC_map_push_elem, [...QUEUES, BPF_MAP_TYPE_BLOOM_FILTER]],
]);

/**
 * Whether the verifier lets a program pass a map of `mapType` to helper
 * `funcId` (check_map_func_compatibility): both the map type's list of
 * helpers and the helper's list of map types must allow it.
 */
export function mapFuncCompatible(mapType: number, funcId: number): boolean {
  const funcs = FUNCS_OF_MAP.get(mapType);
  if (funcs && !funcs.includes(funcId)) return false;
  const types = MAPS_OF_FUNC.get(funcId);
  return !types || types.includes(mapType);
}

/**
 * Faults, in the verifier's words, when the map in a helper call is one the
 * kernel would never have let the program pass there. The kernel refuses such
 * a program at load; here the check runs with the call.
 */
export function checkMapFunc(call: HelperCall, map: BpfMap, funcId: number): void {
  if (!mapFuncCompatible(map.spec.type, funcId)) {
    throw new RuntimeError(call.insn, `cannot pass map_type ${map.spec.type} into func ${helperName(funcId)}#${funcId}`);
  }
}

/**
 * checkMapFunc for one helper, remembering which map types passed: the answer
 * depends on the type alone, so after the first call per type it costs one
 * array read.
 */
export function mapChecker(funcId: number): (call: HelperCall, map: BpfMap) => void {
  const passed = new Uint8Array(256);
  return (call, map) => {
    const type = map.spec.type;
    if (passed[type] === 1) return;
    checkMapFunc(call, map, funcId);
    if (type < passed.length) passed[type] = 1;
  };
}
