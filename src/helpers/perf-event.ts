import { PerfEventArrayMap } from '../maps/perf-event-array.js';
import { EFAULT, EINVAL } from '../maps/types.js';
import { RuntimeError } from '../vm/errors.js';
import type { Helper } from '../vm/helper.js';
import type { XdpBuff } from '../xdp/buff.js';
import { mapArg, ptrArg, ret, type Runtime } from './runtime.js';

/** BPF_F_INDEX_MASK: the low 32 bits of the flags; all ones is BPF_F_CURRENT_CPU. */
const BPF_F_CURRENT_CPU = 0xffff_ffff;
/** BPF_F_CTXLEN_MASK, as it sits in the high 32 bits of the flags. */
const CTXLEN_MASK_HIGH = 0xfffff;

/** Copies the first `len` bytes of the packet, from data on through the fragments (bpf_xdp_copy), to `into` at `at`. */
function copyPacket(buff: XdpBuff, u8: Uint8Array, len: number, into: Uint8Array, at: number): void {
  const linear = Math.min(len, buff.dataEnd - buff.data);
  into.set(u8.subarray(buff.data, buff.data + linear), at);
  let done = linear;
  for (const frag of buff.frags) {
    if (done === len) break;
    const n = Math.min(len - done, frag.length);
    into.set(frag.subarray(0, n), at + done);
    done += n;
  }
}

/**
 * bpf_perf_event_output(ctx, map, flags, data, size), XDP flavour
 * (bpf_xdp_event_output): a sample of `size` bytes at `data` followed by the
 * first `flags >> 32` bytes of the packet, to the perf event at index
 * `flags & BPF_F_INDEX_MASK` (BPF_F_CURRENT_CPU: this CPU's). Other flags are
 * -EINVAL; more packet than there is, -EFAULT; no event at the index, -ENOENT;
 * an event of another CPU, -EOPNOTSUPP; a full ring, -ENOSPC.
 */
export function perfEventOutput(rt: Runtime): Helper {
  return (call) => {
    const map = mapArg(rt, call, 2);
    if (!(map instanceof PerfEventArrayMap)) throw new RuntimeError(call.insn, `map '${map.spec.name}' is not a perf event array`);
    const index = call.regs[6]! >>> 0;
    const high = call.regs[7]! >>> 0;
    if (high & ~CTXLEN_MASK_HIGH) {
      ret(call, -EINVAL);
      return;
    }
    const packetLen = high & CTXLEN_MASK_HIGH;
    if (packetLen > rt.buff.buffLen) {
      ret(call, -EFAULT);
      return;
    }
    if (call.regs[11] !== 0) throw new RuntimeError(call.insn, 'R5 (size) is not a bounded size');
    const size = call.regs[10]! >>> 0;
    const data = size > 0 ? ptrArg(call, 4) : 0;
    if (size > 0) call.memory.check(data, size, false, call.insn);
    const target = index === BPF_F_CURRENT_CPU ? rt.cpu : index;
    ret(
      call,
      map.output(target, rt.cpu, () => {
        const sample = new Uint8Array(size + packetLen);
        sample.set(call.memory.u8.subarray(data, data + size));
        copyPacket(rt.buff, call.memory.u8, packetLen, sample, size);
        return sample;
      }),
    );
  };
}
