import type { BpfMap } from '../maps/map.js';
import { RingBufMap } from '../maps/ringbuf.js';
import { EINVAL } from '../uapi/errno.js';
import { RuntimeError } from '../vm/errors.js';
import { setR0, type Helper, type HelperCall } from '../vm/helper.js';
import { mapArg, ptrArg, ret, type HelperState } from './state.js';

/** The ring buffer in R1. */
export function ringOf(state: HelperState, call: HelperCall): RingBufMap {
  const map: BpfMap = mapArg(state, call, 1);
  if (!(map instanceof RingBufMap)) throw new RuntimeError(call.insn, `map '${map.spec.name}' is not a ring buffer`);
  return map;
}

/** A u64 argument that must fit in 32 bits to mean anything; larger ones read as `big`. */
function sizeArg(call: HelperCall, n: number, big: number): number {
  return call.regs[2 * n + 1] === 0 ? call.regs[2 * n]! >>> 0 : big;
}

/** bpf_ringbuf_output(ringbuf, data, size, flags): 0, -EINVAL for flags, -EAGAIN when full. */
export function ringbufOutput(state: HelperState): Helper {
  return (call) => {
    const ring = ringOf(state, call);
    const size = sizeArg(call, 3, Infinity);
    if (call.regs[9] !== 0) {
      ret(call, -EINVAL);
      return;
    }
    const data = size > 0 ? ptrArg(call, 2) : 0;
    if (size > 0) call.memory.check(data, size, false, call.insn);
    ret(call, ring.output(data, size, call.regs[8]!));
  };
}

/** bpf_ringbuf_reserve(ringbuf, size, flags): the record's address, or NULL (also for any flag). */
export function ringbufReserve(state: HelperState): Helper {
  return (call) => {
    const ring = ringOf(state, call);
    const flagsSet = (call.regs[6]! | call.regs[7]!) !== 0;
    setR0(call.regs, flagsSet ? 0 : ring.reserve(sizeArg(call, 2, Infinity)));
  };
}

/**
 * bpf_ringbuf_submit / bpf_ringbuf_discard(data, flags). The record names its
 * ring; anything that is not a reserved, uncommitted record faults, as the
 * verifier would not let such a pointer reach the call.
 */
export function ringbufCommit(state: HelperState, discard: boolean): Helper {
  const ringOfSample = sampleRings(state);
  return (call) => {
    const sample = ptrArg(call, 1);
    if (ringOfSample(sample)?.commit(sample, discard) !== true) {
      const name = discard ? 'bpf_ringbuf_discard' : 'bpf_ringbuf_submit';
      throw new RuntimeError(call.insn, `${name}: R1 is not a reserved, uncommitted ring buffer record`);
    }
    ret(call, 0);
  };
}

/**
 * The ring buffer a record lies in, if any: what bpf_ringbuf_commit finds
 * from the record's header. The object's rings are gathered at the first
 * call, as maps do not come and go after load.
 */
export function sampleRings(state: HelperState): (sample: number) => RingBufMap | undefined {
  let rings: RingBufMap[] | undefined;
  return (sample) => {
    rings ??= [...state.maps.values()].filter((m): m is RingBufMap => m instanceof RingBufMap);
    for (const ring of rings) if (ring.ownsSample(sample)) return ring;
    return undefined;
  };
}

/** bpf_ringbuf_query(ringbuf, flags): available data, ring size, consumer or producer position. */
export function ringbufQuery(state: HelperState): Helper {
  return (call) => {
    const ring = ringOf(state, call);
    setR0(call.regs, call.regs[5] === 0 ? ring.query(call.regs[4]! >>> 0) : 0);
  };
}
