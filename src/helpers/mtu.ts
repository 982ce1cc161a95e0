import { BPF_MTU_CHK_RET_FRAG_NEEDED, BPF_MTU_CHK_RET_SUCCESS } from '../uapi/bpf.js';
import { EINVAL, ENODEV } from '../uapi/errno.js';
import { ETH_HLEN } from '../uapi/if-ether.js';
import type { Helper } from '../vm/helper.js';
import { DEFAULT_MTU, ptrArg, type HelperState } from './state.js';

/**
 * bpf_check_mtu(ctx, ifindex, mtu_len, len_diff, flags), XDP flavour: whether
 * a frame of the packet's linear length (or of *mtu_len L3 bytes plus the
 * Ethernet header, when *mtu_len is set) plus len_diff fits the device's MTU
 * plus its Ethernet header. ifindex 0 is the device the program runs on
 * (HelperState.mtu), and so is that device's own ifindex unless HelperState.fib
 * describes it; another ifindex must be a device of HelperState.fib, else -ENODEV.
 * Any flag is -EINVAL. Writes the device's MTU to *mtu_len unless the
 * arguments are refused.
 */
export function checkMtu(state: HelperState): Helper {
  return (call, _r1, r2, r3, r4, r5, _h1, _h2, h3, _h4, h5) => {
    const ifindex = r2 >>> 0;
    const mtuLen = ptrArg(call, 3, r3, h3);
    call.memory.check(mtuLen, 4, true, call.insn);
    if ((r5 | h5) !== 0) {
      return -EINVAL;
    }
    const own = ifindex === 0 || (ifindex === state.ifindex && !state.fib?.device(ifindex));
    const mtu = own ? (state.mtu ?? DEFAULT_MTU) : state.fib?.device(ifindex)?.mtu;
    if (mtu === undefined) {
      return -ENODEV;
    }
    const view = call.memory.view;
    const given = view.getUint32(mtuLen, true);
    let len = given !== 0 ? (given + ETH_HLEN) | 0 : state.buff.dataEnd - state.buff.data;
    len = (len + r4) | 0;
    view.setUint32(mtuLen, mtu, true);
    return len > mtu + ETH_HLEN ? BPF_MTU_CHK_RET_FRAG_NEEDED : BPF_MTU_CHK_RET_SUCCESS;
  };
}
