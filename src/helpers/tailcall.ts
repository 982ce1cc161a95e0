import type { InsnArray } from '../isa/instruction.js';
import { ProgArrayMap } from '../maps/prog-array.js';
import { RuntimeError } from '../vm/errors.js';
import { R0_PAIR, type Helper } from '../vm/helper.js';
import { mapArg, type HelperState } from './state.js';

/**
 * bpf_tail_call(ctx, prog_array, index): jumps into the program in slot
 * `index`, which replaces the caller in the same frame and never returns to
 * it. When the slot is empty or out of range, or 33 tail calls were already
 * made, nothing happens and the caller goes on at the next instruction, with
 * R0 untouched, as the kernel's BPF_TAIL_CALL does: R0_PAIR with no pair set.
 */
export function tailCall(state: HelperState, programs: () => readonly InsnArray[]): Helper {
  return (call, _r1, r2, r3, _r4, _r5, _h1, h2) => {
    state.sockets?.checkReleased('tail_call', call.insn);
    const map = mapArg(state, call, 2, r2, h2);
    if (!(map instanceof ProgArrayMap)) throw new RuntimeError(call.insn, `bpf_tail_call needs a prog array, not map '${map.spec.name}'`);
    const slot = map.programAt(r3 >>> 0);
    const target = slot >= 0 ? programs()[slot] : undefined;
    if (target) call.tailCall(target);
    return R0_PAIR;
  };
}
