import type { RingBufMap } from '../maps/ringbuf.js';
import { BPF_DYNPTR_TYPE_LOCAL, BPF_DYNPTR_TYPE_RINGBUF } from '../uapi/bpf.js';
import { E2BIG, EINVAL } from '../uapi/errno.js';
import { RuntimeError } from '../vm/errors.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import { ringOf, sampleRings } from './ringbuf.js';
import { ptrArg, type HelperState } from './state.js';

/** sizeof(struct bpf_dynptr). */
const BPF_DYNPTR_SIZE = 16;
/** The size field has 24 bits; the top 8 hold the type and the read-only flag. */
const DYNPTR_MAX_SIZE = (1 << 24) - 1;
const DYNPTR_SIZE_MASK = 0xff_ffff;
const DYNPTR_TYPE_SHIFT = 28;
const DYNPTR_RDONLY_BIT = 0x8000_0000;

// The 16 bytes on the stack, as the kernel's struct bpf_dynptr_kern: the data
// pointer (u64), the size word (size, type << 28, read-only bit 31), the offset.
const DATA = 0;
const SIZE = 8;
const OFFSET = 12;

type RingOfSample = (sample: number) => RingBufMap | undefined;

const typeOf = (sizeWord: number): number => (sizeWord & ~DYNPTR_RDONLY_BIT) >>> DYNPTR_TYPE_SHIFT;

/**
 * The stack slot of the dynptr in argument `n`, checked as the verifier
 * checks it at load (process_dynptr_func), in its words: on the stack and
 * 8-aligned.
 */
function dynptrSlot(call: HelperCall, n: number, lo: number, hi: number): number {
  const at = ptrArg(call, n, lo, hi);
  const region = call.memory.find(at, BPF_DYNPTR_SIZE);
  const stack = region < 0 ? undefined : call.memory.regions[region]!;
  if (stack === undefined || !stack.name.startsWith('stack')) {
    throw new RuntimeError(call.insn, `arg#${n - 1} expected pointer to stack or const struct bpf_dynptr`);
  }
  if (at % 8 !== 0) throw new RuntimeError(call.insn, `cannot pass in dynptr at an offset=${at - stack.end}`);
  return at;
}

/**
 * The slot of a dynptr the helper makes: it must not hold a ring buffer
 * record not yet submitted or discarded, whose reference would be lost.
 */
function uninitDynptr(call: HelperCall, n: number, lo: number, hi: number, rings: RingOfSample): number {
  const at = dynptrSlot(call, n, lo, hi);
  const view = call.memory.view;
  const data = view.getUint32(at + DATA, true);
  if (typeOf(view.getUint32(at + SIZE, true)) === BPF_DYNPTR_TYPE_RINGBUF && rings(data)?.isReserved(data) === true) {
    throw new RuntimeError(call.insn, 'cannot overwrite referenced dynptr');
  }
  return at;
}

/**
 * The slot of a dynptr the helper uses: it must hold one (or be NULL, as a
 * failed constructor leaves it), of the ring buffer kind when `ringbuf`.
 */
function initDynptrArg(call: HelperCall, n: number, lo: number, hi: number, ringbuf = false): number {
  const at = dynptrSlot(call, n, lo, hi);
  const view = call.memory.view;
  const data = view.getUint32(at + DATA, true);
  const sizeWord = view.getUint32(at + SIZE, true);
  const type = typeOf(sizeWord);
  const isNull = data === 0 && sizeWord === 0 && view.getUint32(at + OFFSET, true) === 0;
  if (isNull) return at;
  if (data === 0 || view.getUint32(at + DATA + 4, true) !== 0 || (type !== BPF_DYNPTR_TYPE_LOCAL && type !== BPF_DYNPTR_TYPE_RINGBUF)) {
    throw new RuntimeError(call.insn, `Expected an initialized dynptr as arg #${n - 1}`);
  }
  if (ringbuf && type !== BPF_DYNPTR_TYPE_RINGBUF) throw new RuntimeError(call.insn, `Expected a dynptr of type ringbuf as arg #${n - 1}`);
  return at;
}

/** bpf_dynptr_init. */
function initDynptr(view: DataView, at: number, data: number, type: number, size: number): void {
  view.setUint32(at + DATA, data, true);
  view.setUint32(at + DATA + 4, 0, true);
  view.setUint32(at + SIZE, (size | (type << DYNPTR_TYPE_SHIFT)) >>> 0, true);
  view.setUint32(at + OFFSET, 0, true);
}

/** bpf_dynptr_set_null: all 16 bytes zero, which every helper then refuses (or ignores). */
function setNull(call: HelperCall, at: number): void {
  call.memory.u8.fill(0, at, at + BPF_DYNPTR_SIZE);
}

/** A u64 flags argument: non-zero in either half. */
const flagsSet = (lo: number, hi: number): boolean => (lo | hi) !== 0;

/**
 * bpf_dynptr_check_off_len: whether `len` bytes at `offset` lie within the
 * dynptr; the address of the first, or -1 (the kernel's -E2BIG).
 */
function within(view: DataView, at: number, offset: number, len: number): number {
  const size = view.getUint32(at + SIZE, true) & DYNPTR_SIZE_MASK;
  if (len > size || offset > size - len) return -1;
  return view.getUint32(at + DATA, true) + view.getUint32(at + OFFSET, true) + offset;
}

/**
 * bpf_dynptr_from_mem(data, size, flags, ptr): a LOCAL dynptr over `size`
 * bytes of the program's memory. -E2BIG past DYNPTR_MAX_SIZE, -EINVAL for any
 * flag; on failure the dynptr is NULL.
 */
export function dynptrFromMem(state: HelperState): Helper {
  const rings = sampleRings(state);
  return (call, r1, r2, r3, r4, _r5, h1, _h2, h3, h4) => {
    const at = uninitDynptr(call, 4, r4, h4, rings);
    const data = ptrArg(call, 1, r1, h1);
    const size = r2 >>> 0;
    if (size > 0) call.memory.check(data, size, true, call.insn);
    let err = 0;
    if (size > DYNPTR_MAX_SIZE) err = -E2BIG;
    else if (flagsSet(r3, h3)) err = -EINVAL;
    if (err !== 0) {
      setNull(call, at);
      return err;
    }
    initDynptr(call.memory.view, at, data, BPF_DYNPTR_TYPE_LOCAL, size);
    return 0;
  };
}

/**
 * bpf_dynptr_read(dst, len, src, offset, flags): copies `len` bytes of the
 * dynptr from `offset` to `dst`; -EINVAL for a NULL dynptr or any flag,
 * -E2BIG when the bytes are not all within it.
 */
export const dynptrRead: Helper = (call, r1, r2, r3, r4, r5, h1, _h2, h3, _h4, h5) => {
  const dst = ptrArg(call, 1, r1, h1);
  const len = r2 >>> 0;
  const at = initDynptrArg(call, 3, r3, h3);
  if (len > 0) call.memory.check(dst, len, true, call.insn);
  const view = call.memory.view;
  if (view.getUint32(at + DATA, true) === 0 || flagsSet(r5, h5)) return -EINVAL;
  const src = within(view, at, r4 >>> 0, len);
  if (src < 0) return -E2BIG;
  call.memory.check(src, len, false, call.insn);
  call.memory.u8.copyWithin(dst, src, src + len);
  return 0;
};

/**
 * bpf_dynptr_write(dst, offset, src, len, flags): copies `len` bytes into the
 * dynptr at `offset`; -EINVAL for a NULL or read-only dynptr, -E2BIG when
 * they do not fit, then -EINVAL for any flag (flags mean something to skb
 * dynptrs only).
 */
export const dynptrWrite: Helper = (call, r1, r2, r3, r4, r5, h1, _h2, h3, _h4, h5) => {
  const at = initDynptrArg(call, 1, r1, h1);
  const src = ptrArg(call, 3, r3, h3);
  const len = r4 >>> 0;
  if (len > 0) call.memory.check(src, len, false, call.insn);
  const view = call.memory.view;
  if (view.getUint32(at + DATA, true) === 0 || view.getUint32(at + SIZE, true) & DYNPTR_RDONLY_BIT) return -EINVAL;
  const dst = within(view, at, r2 >>> 0, len);
  if (dst < 0) return -E2BIG;
  if (flagsSet(r5, h5)) return -EINVAL;
  call.memory.check(dst, len, true, call.insn);
  call.memory.u8.copyWithin(dst, src, src + len);
  return 0;
};

/**
 * bpf_dynptr_data(ptr, offset, len): the address of `len` bytes at `offset`
 * in the dynptr, for the program to use in place; NULL for a NULL or
 * read-only dynptr and when the bytes are not all within it.
 */
export const dynptrData: Helper = (call, r1, r2, r3, _r4, _r5, h1) => {
  const at = initDynptrArg(call, 1, r1, h1);
  const view = call.memory.view;
  const address = within(view, at, r2 >>> 0, r3 >>> 0);
  const usable = view.getUint32(at + DATA, true) !== 0 && (view.getUint32(at + SIZE, true) & DYNPTR_RDONLY_BIT) === 0;
  return usable && address >= 0 ? address : 0;
};

/**
 * bpf_ringbuf_reserve_dynptr(ringbuf, size, flags, ptr): reserves a record
 * as bpf_ringbuf_reserve does and makes a RINGBUF dynptr over it. On failure
 * the dynptr is NULL: -EINVAL for any flag, -E2BIG past DYNPTR_MAX_SIZE, and
 * -EINVAL (not -EAGAIN) when the ring has no room.
 */
export function ringbufReserveDynptr(state: HelperState): Helper {
  const rings = sampleRings(state);
  return (call, r1, r2, r3, r4, _r5, h1, _h2, h3, h4) => {
    const ring = ringOf(state, call, r1, h1);
    const at = uninitDynptr(call, 4, r4, h4, rings);
    const size = r2 >>> 0;
    let err = 0;
    let sample = 0;
    if (flagsSet(r3, h3)) err = -EINVAL;
    else if (size > DYNPTR_MAX_SIZE) err = -E2BIG;
    else if ((sample = ring.reserve(size)) === 0) err = -EINVAL;
    if (err !== 0) {
      setNull(call, at);
      return err;
    }
    initDynptr(call.memory.view, at, sample, BPF_DYNPTR_TYPE_RINGBUF, size);
    return 0;
  };
}

/**
 * bpf_ringbuf_submit_dynptr / bpf_ringbuf_discard_dynptr(ptr, flags): commits
 * the record as bpf_ringbuf_submit / discard do and makes the dynptr NULL; a
 * NULL dynptr (a failed reserve) is left alone.
 */
export function ringbufCommitDynptr(state: HelperState, discard: boolean): Helper {
  const rings = sampleRings(state);
  return (call, r1, _r2, _r3, _r4, _r5, h1) => {
    const at = initDynptrArg(call, 1, r1, h1, true);
    const sample = call.memory.view.getUint32(at + DATA, true);
    if (sample === 0) return 0;
    if (rings(sample)?.commit(sample, discard) !== true) {
      const name = discard ? 'bpf_ringbuf_discard_dynptr' : 'bpf_ringbuf_submit_dynptr';
      throw new RuntimeError(call.insn, `${name}: the dynptr's record was submitted or discarded already`);
    }
    setNull(call, at);
    return 0;
  };
}
