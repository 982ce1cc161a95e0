import type { BpfMap } from '../maps/map.js';
import { QueueStackMap } from '../maps/queue-stack.js';
import { EINVAL } from '../uapi/errno.js';
import { RuntimeError } from '../vm/errors.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import { mapArg, ptrArg, type HelperState } from './state.js';

/** The queue or stack in R1. */
function queueOf(state: HelperState, call: HelperCall, lo: number, hi: number): QueueStackMap {
  const map: BpfMap = mapArg(state, call, 1, lo, hi);
  if (!(map instanceof QueueStackMap)) throw new RuntimeError(call.insn, `map '${map.spec.name}' is not a queue or stack`);
  return map;
}

/** bpf_map_push_elem(map, value, flags): 0, -E2BIG when full (unless BPF_EXIST), -EINVAL for bad flags. */
export function mapPushElem(state: HelperState): Helper {
  return (call, r1, r2, r3, _r4, _r5, h1, h2, h3) => {
    const map = queueOf(state, call, r1, h1);
    const value = ptrArg(call, 2, r2, h2);
    call.memory.check(value, map.spec.valueSize, false, call.insn);
    return h3 !== 0 ? -EINVAL : map.push(value, r3 >>> 0);
  };
}

/** bpf_map_pop_elem / bpf_map_peek_elem(map, value): 0, or -ENOENT with the value zeroed. */
export function mapTakeElem(state: HelperState, remove: boolean): Helper {
  return (call, r1, r2, _r3, _r4, _r5, h1, h2) => {
    const map = queueOf(state, call, r1, h1);
    const value = ptrArg(call, 2, r2, h2);
    call.memory.check(value, map.spec.valueSize, true, call.insn);
    return map.take(value, remove);
  };
}
