import { PerfEventArrayMap, type PerfEventReader } from '../maps/perf-event-array.js';
import { BPF_F_CTXLEN_MASK, BPF_F_CURRENT_CPU } from '../uapi/bpf.js';
import { EFAULT, EINVAL } from '../uapi/errno.js';
import { RuntimeError } from '../vm/errors.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import type { XdpBuff } from '../xdp/buff.js';
import { mapArg, ptrArg, type HelperState } from './state.js';

/** BPF_F_CTXLEN_MASK, as it sits in the high 32 bits of the flags (the helper reads them as a word of their own). */
const CTXLEN_MASK_HIGH = BPF_F_CTXLEN_MASK / 2 ** 32;
/** sizeof(struct bpf_perf_event_value): counter, enabled, running. */
const PERF_EVENT_VALUE_SIZE = 24;

/**
 * Copies the first `len` bytes of the packet, from data on through the
 * fragments (bpf_xdp_copy), into the sample begun in `event` at `pos`;
 * returns the position after them.
 */
function copyPacket(buff: XdpBuff, u8: Uint8Array, len: number, event: PerfEventReader, pos: number): number {
  const linear = Math.min(len, buff.dataEnd - buff.data);
  let at = event.put(pos, u8, buff.data, linear);
  let done = linear;
  for (const frag of buff.frags) {
    if (done === len) break;
    const n = Math.min(len - done, frag.length);
    at = event.put(at, frag, 0, n);
    done += n;
  }
  return at;
}

/** Argument `n`: a perf event array (the verifier's check_map_func_compatibility makes sure). */
function perfEventArray(state: HelperState, call: HelperCall, n: number, lo: number, hi: number): PerfEventArrayMap {
  const map = mapArg(state, call, n, lo, hi);
  if (!(map instanceof PerfEventArrayMap)) throw new RuntimeError(call.insn, `map '${map.spec.name}' is not a perf event array`);
  return map;
}

/**
 * bpf_perf_event_output(ctx, map, flags, data, size), XDP flavour
 * (bpf_xdp_event_output): a sample of `size` bytes at `data` followed by the
 * first `flags >> 32` bytes of the packet, to the perf event at index
 * `flags & BPF_F_INDEX_MASK` (BPF_F_CURRENT_CPU: this CPU's). Other flags are
 * -EINVAL; more packet than there is, -EFAULT; no event at the index, -ENOENT;
 * an event of another CPU, -EOPNOTSUPP; a full ring, -ENOSPC.
 */
export function perfEventOutput(state: HelperState): Helper {
  return (call, _r1, r2, r3, r4, r5, _h1, h2, h3, h4, h5) => {
    const map = perfEventArray(state, call, 2, r2, h2);
    const index = r3 >>> 0;
    const high = h3 >>> 0;
    if (high & ~CTXLEN_MASK_HIGH) {
      return -EINVAL;
    }
    const packetLen = high & CTXLEN_MASK_HIGH;
    if (packetLen > state.buff.buffLen) {
      return -EFAULT;
    }
    if (h5 !== 0) throw new RuntimeError(call.insn, 'R5 (size) is not a bounded size');
    const size = r5 >>> 0;
    const data = size > 0 ? ptrArg(call, 4, r4, h4) : 0;
    if (size > 0) call.memory.check(data, size, false, call.insn);
    const event = map.outputEvent(index === BPF_F_CURRENT_CPU ? state.cpu : index, state.cpu);
    if (typeof event === 'number') return event;
    const start = event.beginSample(size + packetLen);
    if (start < 0) return start;
    event.endSample(copyPacket(state.buff, call.memory.u8, packetLen, event, event.put(start, call.memory.u8, data, size)));
    return 0;
  };
}

/**
 * get_map_perf_counter: the event a read names by its flags (R2), or -errno.
 * Only the index bits may be set (-EINVAL); BPF_F_CURRENT_CPU stands for the
 * running CPU; past max_entries is -E2BIG, an empty slot -ENOENT. Then
 * perf_event_read_local's rule for a per-CPU event: it can only be read on
 * its own CPU (-EINVAL).
 */
function eventToRead(state: HelperState, call: HelperCall, r1: number, r2: number, h1: number, h2: number): PerfEventReader | number {
  const map = perfEventArray(state, call, 1, r1, h1);
  if (h2 !== 0) return -EINVAL;
  const index = r2 >>> 0;
  const event = map.eventAt(index === BPF_F_CURRENT_CPU ? state.cpu : index);
  if (typeof event === 'number') return event;
  return event.cpu === state.cpu ? event : -EINVAL;
}

/**
 * bpf_perf_event_read(map, flags): the counter of the event, or -errno in
 * the same register (the kernel's API cannot tell a counter of -22..-2 from
 * an error). The events xdpsim stores are BPF output events, and samples
 * written to one leave its counter alone: 0.
 */
export const perfEventRead = (state: HelperState): Helper => (call, r1, r2, _r3, _r4, _r5, h1, h2) => {
  const event = eventToRead(state, call, r1, r2, h1, h2);
  return typeof event === 'number' ? event : 0;
};

/**
 * bpf_perf_event_read_value(map, flags, buf, size): struct
 * bpf_perf_event_value { counter, enabled, running } into buf. A size other
 * than 24 is -EINVAL before the flags are looked at; on any error the size
 * bytes of buf are zeroed.
 */
export const perfEventReadValue = (state: HelperState): Helper => (call, r1, r2, r3, r4, _r5, h1, h2, h3) => {
  const size = r4 >>> 0;
  const buf = ptrArg(call, 3, r3, h3);
  call.memory.check(buf, size, true, call.insn);
  const event = size === PERF_EVENT_VALUE_SIZE ? eventToRead(state, call, r1, r2, h1, h2) : -EINVAL;
  if (typeof event === 'number') {
    call.memory.u8.fill(0, buf, buf + size);
    return event;
  }
  const time = event.enabledNs();
  call.memory.u8.fill(0, buf, buf + 8);
  const lo = time | 0;
  const hi = Math.floor(time / 4294967296) | 0;
  const view = call.memory.view;
  view.setInt32(buf + 8, lo, true);
  view.setInt32(buf + 12, hi, true);
  view.setInt32(buf + 16, lo, true);
  view.setInt32(buf + 20, hi, true);
  return 0;
};
