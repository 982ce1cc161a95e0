import { BPF_FUNC_NAMES } from '../uapi/func-ids.js';
import { helperName } from '../helpers/proto.js';
import { HELPER_PROTOS } from '../helpers/protos.js';

/**
 * Why the kernel's verifier refuses a call to helper `id` from an XDP program,
 * in its words, or undefined when the call may be made: the checks at the top
 * of check_helper_call, in its order (the id exists, the program type has a
 * proto for it, the licence allows it, it does not sleep). Argument and
 * return types come later, with register tracking.
 */
export function xdpHelperRefusal(id: number, gplCompatible: boolean): string | undefined {
  const proto = HELPER_PROTOS.get(id);
  if (!proto) return unavailableHelper(id);
  if (proto.gplOnly && !gplCompatible) return 'cannot call GPL-restricted function from non-GPL compatible program';
  if (proto.mightSleep) return 'helper call might sleep in a non-sleepable prog';
  return undefined;
}

/** The verifier's refusal of a helper the program type has no proto for: an unknown id, or one for other program types. */
export function unavailableHelper(id: number): string {
  if (id < 0 || id >= BPF_FUNC_NAMES.length) return `invalid func unknown#${id}`;
  // Id 0 (bpf_unspec) is a valid one no program type has a proto for.
  return `program of this type cannot use helper ${helperName(id)}#${id}`;
}
