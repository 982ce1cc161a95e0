import type { Helper } from '../vm/helper.js';
import { XDP_ABORTED, XDP_REDIRECT } from '../uapi/bpf.js';
import type { HelperState } from './state.js';

/**
 * bpf_redirect(ifindex, flags), XDP flavour: any flag makes it return
 * XDP_ABORTED; otherwise the target is recorded and resolved after the program
 * returns (xdp_do_redirect), and the helper returns XDP_REDIRECT.
 */
export function redirect(state: HelperState): Helper {
  return (_call, r1, r2, _r3, _r4, _r5, _h1, h2) => {
    const flags = r2;
    if (flags !== 0 || h2 !== 0) {
      return XDP_ABORTED;
    }
    const info = state.redirect;
    info.set = true;
    info.ifindex = r1 >>> 0;
    info.map = undefined;
    info.key = info.flags = 0;
    return XDP_REDIRECT;
  };
}
