import type { BpfMap } from '../maps/map.js';
import { RingBufMap } from '../maps/ringbuf.js';
import { EINVAL } from '../uapi/errno.js';
import { RuntimeError } from '../vm/errors.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import { mapArg, ptrArg, type HelperState } from './state.js';

/** The ring buffer in R1. */
export function ringOf(state: HelperState, call: HelperCall, lo: number, hi: number): RingBufMap {
  const map: BpfMap = mapArg(state, call, 1, lo, hi);
  if (!(map instanceof RingBufMap)) throw new RuntimeError(call.insn, `map '${map.spec.name}' is not a ring buffer`);
  return map;
}

/** A u64 argument that must fit in 32 bits to mean anything; larger ones read as `big`. */
function sizeArg(lo: number, hi: number, big: number): number {
  return hi === 0 ? lo >>> 0 : big;
}

/** bpf_ringbuf_output(ringbuf, data, size, flags): 0, -EINVAL for flags, -EAGAIN when full. */
export function ringbufOutput(state: HelperState): Helper {
  return (call, r1, r2, r3, r4, _r5, h1, h2, h3, h4) => {
    const ring = ringOf(state, call, r1, h1);
    const size = sizeArg(r3, h3, Infinity);
    if (h4 !== 0) {
      return -EINVAL;
    }
    const data = size > 0 ? ptrArg(call, 2, r2, h2) : 0;
    if (size > 0) call.memory.check(data, size, false, call.insn);
    return ring.output(data, size, r4);
  };
}

/** bpf_ringbuf_reserve(ringbuf, size, flags): the record's address, or NULL (also for any flag). */
export function ringbufReserve(state: HelperState): Helper {
  return (call, r1, r2, r3, _r4, _r5, h1, h2, h3) => {
    const ring = ringOf(state, call, r1, h1);
    const flagsSet = (r3 | h3) !== 0;
    return flagsSet ? 0 : ring.reserve(sizeArg(r2, h2, Infinity));
  };
}

/**
 * bpf_ringbuf_submit / bpf_ringbuf_discard(data, flags). The record names its
 * ring; anything that is not a reserved, uncommitted record faults, as the
 * verifier would not let such a pointer reach the call.
 */
export function ringbufCommit(state: HelperState, discard: boolean): Helper {
  const ringOfSample = sampleRings(state);
  return (call, r1, _r2, _r3, _r4, _r5, h1) => {
    const sample = ptrArg(call, 1, r1, h1);
    if (ringOfSample(sample)?.commit(sample, discard) !== true) {
      const name = discard ? 'bpf_ringbuf_discard' : 'bpf_ringbuf_submit';
      throw new RuntimeError(call.insn, `${name}: R1 is not a reserved, uncommitted ring buffer record`);
    }
    return 0;
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
  return (call, r1, r2, _r3, _r4, _r5, h1, h2) => {
    const ring = ringOf(state, call, r1, h1);
    return h2 === 0 ? ring.query(r2 >>> 0) : 0;
  };
}
