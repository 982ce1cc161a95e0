import type { Helper } from '../vm/helper.js';
import { ptrArg, ret, s32Arg, u32Arg, type Runtime } from './runtime.js';

// The packet helpers of xdp_func_proto; the rules themselves live in XdpBuff.

export const xdpAdjustHead = (rt: Runtime): Helper => (call) => ret(call, rt.buff.adjustHead(s32Arg(call, 2)));
export const xdpAdjustMeta = (rt: Runtime): Helper => (call) => ret(call, rt.buff.adjustMeta(s32Arg(call, 2)));
export const xdpAdjustTail = (rt: Runtime): Helper => (call) => ret(call, rt.buff.adjustTail(s32Arg(call, 2)));
export const xdpGetBuffLen = (rt: Runtime): Helper => (call) => ret(call, rt.buff.buffLen);

/** bpf_xdp_load_bytes / bpf_xdp_store_bytes(ctx, offset, buf, len). */
export function xdpCopyBytes(rt: Runtime, store: boolean): Helper {
  return (call) => {
    const offset = u32Arg(call, 2);
    const buf = ptrArg(call, 3);
    const len = u32Arg(call, 4);
    if (len > 0 && len <= 0xffff) call.memory.check(buf, len, !store, call.insn);
    ret(call, rt.buff.copy(offset, buf, len, store));
  };
}
