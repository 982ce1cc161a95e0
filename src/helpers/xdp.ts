import { EINVAL } from '../uapi/errno.js';
import { ETH_HLEN } from '../uapi/if-ether.js';
import type { Helper } from '../vm/helper.js';
import type { XdpBuff } from '../xdp/buff.js';
import { ptrArg, type HelperState, type OffloadLimits } from './state.js';

// The packet helpers of xdp_func_proto; the rules themselves live in XdpBuff.
// An offloaded program's calls are the NIC's code, which nfp's JIT emits
// (drivers/net/ethernet/netronome/nfp/bpf/jit.c): its own checks first, then
// the frame moves as the kernel's helper moves it.

export const xdpAdjustHead = (state: HelperState): Helper => (_call, _r1, r2) =>
  state.offload === undefined ? state.buff.adjustHead(r2) : offloadAdjustHead(state.buff, state.offload, r2);
export const xdpAdjustMeta = (state: HelperState): Helper => (_call, _r1, r2) => state.buff.adjustMeta(r2);
export const xdpAdjustTail = (state: HelperState): Helper => (_call, _r1, r2) =>
  state.offload === undefined ? state.buff.adjustTail(r2) : offloadAdjustTail(state.buff, r2);
export const xdpGetBuffLen = (state: HelperState): Helper => () => state.buff.buffLen;

/**
 * nfp's adjust_head: the new start must lie within the firmware's
 * [off_min, off_max] and leave 14 bytes; the NIC keeps no metadata, so
 * nothing else moves.
 */
function offloadAdjustHead(buff: XdpBuff, limits: OffloadLimits, delta: number): number {
  const offset = buff.data + delta - buff.hardStart;
  if (offset < limits.headMin || offset > limits.headMax || buff.dataEnd - buff.data - delta < ETH_HLEN) return -EINVAL;
  return buff.adjustHead(delta);
}

/**
 * nfp's adjust_tail adds the delta to the length as a u32 and takes only a
 * sum that carries, that is a negative delta no larger than the length: so
 * growing, and a delta of 0, fail with -EINVAL, as does leaving under 14 bytes.
 */
function offloadAdjustTail(buff: XdpBuff, delta: number): number {
  const length = buff.dataEnd - buff.data;
  if (delta >= 0 || -delta > length || length + delta < ETH_HLEN) return -EINVAL;
  return buff.adjustTail(delta);
}

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
