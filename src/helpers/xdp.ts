import type { Helper } from '../vm/helper.js';
import { ptrArg, ret, s32Arg, u32Arg, type HelperState } from './state.js';

// The packet helpers of xdp_func_proto; the rules themselves live in XdpBuff.

export const xdpAdjustHead = (state: HelperState): Helper => (call) => ret(call, state.buff.adjustHead(s32Arg(call, 2)));
export const xdpAdjustMeta = (state: HelperState): Helper => (call) => ret(call, state.buff.adjustMeta(s32Arg(call, 2)));
export const xdpAdjustTail = (state: HelperState): Helper => (call) => ret(call, state.buff.adjustTail(s32Arg(call, 2)));
export const xdpGetBuffLen = (state: HelperState): Helper => (call) => ret(call, state.buff.buffLen);

/** bpf_xdp_load_bytes / bpf_xdp_store_bytes(ctx, offset, buf, len). */
export function xdpCopyBytes(state: HelperState, store: boolean): Helper {
  return (call) => {
    const offset = u32Arg(call, 2);
    const buf = ptrArg(call, 3);
    const len = u32Arg(call, 4);
    if (len > 0 && len <= 0xffff) call.memory.check(buf, len, !store, call.insn);
    ret(call, state.buff.copy(offset, buf, len, store));
  };
}
