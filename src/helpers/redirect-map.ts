import { isRedirectMap } from '../maps/redirect.js';
import { RuntimeError } from '../vm/errors.js';
import type { Helper } from '../vm/helper.js';
import { BPF_F_BROADCAST, XDP_ABORTED, XDP_REDIRECT } from '../uapi/bpf.js';
import { mapArg, type HelperState } from './state.js';

/** The actions a miss may return: the low two bits of the flags. */
const ACTION_MASK = 3;

/**
 * bpf_redirect_map(map, key, flags) for XDP (__bpf_xdp_redirect_map): flags
 * other than the action bits and what the map type takes (BPF_F_BROADCAST and
 * BPF_F_EXCLUDE_INGRESS for device maps) make it return XDP_ABORTED. A key with
 * no entry returns the action in the low two bits, unless broadcasting, and
 * forgets the map of any earlier target: the kernel keeps only its index,
 * which a program returning XDP_REDIRECT anyway then sends to as an ifindex.
 * Otherwise the target is recorded for after the program returns, and the
 * helper returns XDP_REDIRECT.
 */
export function redirectMap(state: HelperState): Helper {
  return (call, r1, r2, r3, _r4, _r5, h1, _h2, h3) => {
    const map = mapArg(state, call, 1, r1, h1);
    if (!isRedirectMap(map)) throw new RuntimeError(call.insn, `map '${map.spec.name}' cannot be redirected into`);
    const key = r2 >>> 0;
    const flags = r3 >>> 0;
    if (h3 !== 0 || flags & ~(ACTION_MASK | map.redirectFlags)) {
      return XDP_ABORTED;
    }
    const broadcast = (flags & BPF_F_BROADCAST) !== 0;
    if (!broadcast && !map.hasRedirectTarget(key)) {
      const info = state.redirect;
      info.map = undefined;
      info.key = info.flags = 0;
      return flags & ACTION_MASK;
    }
    const info = state.redirect;
    info.set = true;
    info.ifindex = key;
    info.map = map;
    info.key = key;
    info.flags = broadcast ? flags : 0;
    return XDP_REDIRECT;
  };
}
