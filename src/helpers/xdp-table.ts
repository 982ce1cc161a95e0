import type { InsnArray } from '../isa/instruction.js';
import { RuntimeError } from '../vm/errors.js';
import type { Helper, HelperTable } from '../vm/helper.js';
import { mapFuncCompatible } from './map-compat.js';
import type { BpfFuncProto } from './proto.js';
import { helperName } from './proto.js';
import { HELPER_PROTOS } from './protos.js';
import { mapArg, type HelperState } from './state.js';

/**
 * The runnable helpers of one object: every simulated entry of the helper
 * table, built over the object's runtime. Calls to the rest never get here:
 * the loader refuses them.
 */
export function xdpHelpers(state: HelperState, programs: () => readonly InsnArray[]): HelperTable {
  const table = new Map<number, Helper>();
  for (const proto of HELPER_PROTOS.values()) {
    if ('unsimulated' in proto.impl) continue;
    table.set(proto.func, checkingMapArg(proto, proto.impl({ state, programs }), state));
  }
  return table;
}

/**
 * Wraps a helper that takes a map so that the map passed must be one the
 * kernel's verifier lets it take, as check_map_func_compatibility does at
 * load. Until the verifier tracks which map each register holds, the check
 * runs with the call; its answer depends on the map type alone, so it is
 * made once per type, and a call passing the same map as the last one
 * checked goes straight on (the helper finds the map itself).
 */
function checkingMapArg(proto: BpfFuncProto, helper: Helper, state: HelperState): Helper {
  const n = proto.args.findIndex((a) => a.type === 'ARG_CONST_MAP_PTR') + 1;
  if (n === 0) return helper;
  const passed = new Uint8Array(256);
  let lastPassed = -1;
  return (call, r1, r2, r3, r4, r5, h1, h2, h3, h4, h5) => {
    const lo = n === 1 ? r1 : n === 2 ? r2 : n === 3 ? r3 : n === 4 ? r4 : r5;
    const hi = n === 1 ? h1 : n === 2 ? h2 : n === 3 ? h3 : n === 4 ? h4 : h5;
    if (lo !== lastPassed || hi !== 0) {
      const map = mapArg(state, call, n, lo, hi);
      const type = map.spec.type;
      if (passed[type] !== 1) {
        if (!mapFuncCompatible(type, proto.func)) {
          throw new RuntimeError(call.insn, `cannot pass map_type ${type} into func ${helperName(proto.func)}#${proto.func}`);
        }
        if (type < passed.length) passed[type] = 1;
      }
      lastPassed = map.address;
    }
    return helper(call, r1, r2, r3, r4, r5, h1, h2, h3, h4, h5);
  };
}
