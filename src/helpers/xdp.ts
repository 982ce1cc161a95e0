import type { Helper } from '../vm/helper.js';
import { ptrArg, type HelperState } from './state.js';

// The packet helpers of xdp_func_proto; the rules themselves live in XdpBuff.

export const xdpAdjustHead = (state: HelperState): Helper => (_call, _r1, r2) => state.buff.adjustHead(r2);
export const xdpAdjustMeta = (state: HelperState): Helper => (_call, _r1, r2) => state.buff.adjustMeta(r2);
export const xdpAdjustTail = (state: HelperState): Helper => (_call, _r1, r2) => state.buff.adjustTail(r2);
export const xdpGetBuffLen = (state: HelperState): Helper => () => state.buff.buffLen;

/** bpf_xdp_load_bytes / bpf_xdp_store_bytes(ctx, offset, buf, len). */
export function xdpCopyBytes(state: HelperState, store: boolean): Helper {
  return (call, _r1, r2, r3, r4, _r5, _h1, _h2, h3) => {
    const offset = r2 >>> 0;
    const buf = ptrArg(call, 3, r3, h3);
    const len = r4 >>> 0;
    if (len > 0 && len <= 0xffff) call.memory.check(buf, len, !store, call.insn);
    return state.buff.copy(offset, buf, len, store);
  };
}
