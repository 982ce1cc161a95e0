import type { Helper } from '../vm/helper.js';
import { XDP_ABORTED, XDP_REDIRECT } from '../uapi/bpf.js';
import { arg, ret, type HelperState } from './state.js';

/**
 * bpf_redirect(ifindex, flags), XDP flavour: any flag makes it return
 * XDP_ABORTED; otherwise the target is recorded and resolved after the program
 * returns (xdp_do_redirect), and the helper returns XDP_REDIRECT.
 */
export function redirect(state: HelperState): Helper {
  return (call) => {
    const flags = arg(call, 2);
    if (flags !== 0 || call.regs[5] !== 0) {
      ret(call, XDP_ABORTED);
      return;
    }
    const info = state.redirect;
    info.set = true;
    info.ifindex = arg(call, 1) >>> 0;
    info.map = undefined;
    info.key = info.flags = 0;
    ret(call, XDP_REDIRECT);
  };
}
