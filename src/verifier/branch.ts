import { BPF_CLASS, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP32, BPF_JNE, BPF_OP, BPF_SRC, BPF_X } from '../isa/opcodes.js';
import { RegState, RegType } from './reg.js';
import { flipOpcode, isBranchTaken, refineCond, regBoundsSync, swapOpcode } from './scalar.js';
import type { VerifierState } from './state.js';
import { readReg } from './regs.js';
import { ZERO, add, fromNumber, fromS32, fromU32, isZero, ltU } from './word.js';
import { MAX_PACKET_OFF, PRECISE_DST, PRECISE_SRC, type Verifier } from './verifier.js';

/** The two ways out of a conditional jump: each is undefined when the verifier proved it is never taken. */
export interface BranchOutcome {
  /** The state where the jump is taken. */
  taken: VerifierState | undefined;
  /** The state falling through. */
  fallthrough: VerifierState | undefined;
}

/**
 * A conditional jump (check_cond_jmp_op): when the operands decide it, one
 * way only; otherwise both, each with what the comparison teaches: scalar
 * bounds narrowed, pointers null-checked, packet ranges proven against
 * data_end.
 */
export function checkCondJmp(v: Verifier, st: VerifierState, i: number): BranchOutcome {
  const insns = v.insns;
  const code = insns.code[i]!;
  const op = BPF_OP(code);
  const is32 = BPF_CLASS(code) === BPF_JMP32;
  const f = st.cur;
  const dstno = insns.dst[i]!;
  const dst = readReg(v, f, dstno);
  let src: RegState;
  const srcno = BPF_SRC(code) === BPF_X ? insns.src[i]! : -1;
  if (srcno >= 0) {
    src = readReg(v, f, srcno);
  } else {
    src = new RegState();
    src.markKnown(fromS32(insns.imm[i]!));
  }

  const pred = branchTaken(dst, src, op, is32);
  // A jump decided from the bounds of its scalars needs them exact (the kernel marks them precise).
  if (pred >= 0 && dst.type === RegType.SCALAR_VALUE) v.needsPrecise(PRECISE_DST | (srcno >= 0 && src.type === RegType.SCALAR_VALUE ? PRECISE_SRC : 0));
  if (pred === 1) return { taken: st, fallthrough: undefined };
  if (pred === 0) return { taken: undefined, fallthrough: st };

  const other = st.clone();
  const oDst = other.cur.regs[dstno]!;
  const oSrc = srcno >= 0 ? other.cur.regs[srcno]! : src.clone();
  const tDst = dst;
  // An immediate's register is this jump's own: the fall-through may refine it.
  const tSrc = src;

  if (dst.type === RegType.SCALAR_VALUE && src.type === RegType.SCALAR_VALUE) {
    // Taken: `dst op src` holds; falling through: its opposite.
    refineCond(oDst.value, oSrc.value, op, is32);
    refineCond(tDst.value, tSrc.value, flipOpcode(op), is32);
    for (const [state, d, s] of [[other, oDst, oSrc], [st, tDst, tSrc]] as const) {
      regBoundsSync(d.value);
      regBoundsSync(s.value);
      if (d.id) syncLinked(state, d);
      if (srcno >= 0 && s.id) syncLinked(state, s);
    }
  } else if ((op === BPF_JEQ || op === BPF_JNE) && !is32 && dst.maybeNull && src.isKnownZero) {
    markPtrOrNull(other, dst.id, dst.refObjId, op === BPF_JEQ);
    markPtrOrNull(st, dst.id, dst.refObjId, op === BPF_JNE);
  } else if ((op === BPF_JEQ || op === BPF_JNE) && !is32 && src.maybeNull && dst.isKnownZero) {
    markPtrOrNull(other, src.id, src.refObjId, op === BPF_JEQ);
    markPtrOrNull(st, src.id, src.refObjId, op === BPF_JNE);
  } else if (!is32 && srcno >= 0) {
    matchPacketPointers(op, dst, src, other, st, dstno, srcno);
  }
  return { taken: other, fallthrough: st };
}

/** is_branch_taken: 1 always, 0 never, -1 unknown. */
function branchTaken(dst: RegState, src: RegState, op: number, is32: boolean): 1 | 0 | -1 {
  if (dst.type === RegType.SCALAR_VALUE && src.type === RegType.SCALAR_VALUE) return isBranchTaken(dst.value, src.value, op, is32);
  if (is32) return -1;
  if (isPacketAny(dst) && isPacketAny(src)) return pktPtrBranchTaken(dst, src, op);
  // A pointer that cannot be NULL compared with zero.
  const ptr = dst.isPointer ? dst : src;
  const other = dst.isPointer ? src : dst;
  if (other.isKnownZero && ptr.isPointer && !ptr.maybeNull && (op === BPF_JEQ || op === BPF_JNE)) return op === BPF_JNE ? 1 : 0;
  return -1;
}

/** Copies of one scalar (same id) learn the same bounds (sync_linked_regs). */
function syncLinked(st: VerifierState, known: RegState): void {
  for (const r of st.allRegs()) {
    if (r !== known && r.type === RegType.SCALAR_VALUE && r.id === known.id) {
      r.value = known.value.clone();
    }
  }
}

/**
 * After `if (p == NULL)` (mark_ptr_or_null_regs): on the NULL side every
 * copy of the pointer is the number 0 and a reference it held is gone; on
 * the other side the copies are plain pointers.
 */
function markPtrOrNull(st: VerifierState, id: number, refObjId: number, isNull: boolean): void {
  if (refObjId && refObjId === id && isNull) st.refs = st.refs.filter((r) => r.id !== id);
  for (const r of st.allRegs()) {
    if (!r.maybeNull || r.id !== id) continue;
    if (isNull) {
      r.markKnown(ZERO);
      continue;
    }
    r.maybeNull = false;
    if (!(r.type === RegType.PTR_TO_MAP_VALUE && r.map?.spinLockOff !== undefined)) r.id = 0;
  }
}

/**
 * try_match_pkt_pointers: a packet pointer compared with data_end (or the
 * metadata pointer with data) proves the bytes before it on one side.
 */
function matchPacketPointers(op: number, dst: RegState, src: RegState, taken: VerifierState, fall: VerifierState, dstno: number, srcno: number): void {
  const isPktVsEnd = (a: RegState, b: RegState): boolean =>
    (a.type === RegType.PTR_TO_PACKET && b.type === RegType.PTR_TO_PACKET_END) ||
    (a.type === RegType.PTR_TO_PACKET_META && isInitPacketPointer(b, RegType.PTR_TO_PACKET));
  const isEndVsPkt = (a: RegState, b: RegState): boolean =>
    (a.type === RegType.PTR_TO_PACKET_END && b.type === RegType.PTR_TO_PACKET) ||
    (isInitPacketPointer(a, RegType.PTR_TO_PACKET) && b.type === RegType.PTR_TO_PACKET_META);
  // On the side where the pointer is inside, the bytes before it are proven (`open`: it may
  // point at the end itself); on the other, it is at the end or past it (`beyond`).
  const mark = (good: VerifierState, bad: VerifierState, regno: number, open: boolean, beyond: boolean): void => {
    findGoodPktPointers(good, good.cur.regs[regno]!, open);
    markPktEnd(bad.cur.regs[regno]!, beyond);
  };
  switch (op) {
    case BPF_JGT:
      if (isPktVsEnd(dst, src)) mark(fall, taken, dstno, false, true);
      else if (isEndVsPkt(dst, src)) mark(taken, fall, srcno, true, false);
      break;
    case BPF_JLT:
      if (isPktVsEnd(dst, src)) mark(taken, fall, dstno, true, false);
      else if (isEndVsPkt(dst, src)) mark(fall, taken, srcno, false, true);
      break;
    case BPF_JGE:
      if (isPktVsEnd(dst, src)) mark(fall, taken, dstno, true, false);
      else if (isEndVsPkt(dst, src)) mark(taken, fall, srcno, false, true);
      break;
    case BPF_JLE:
      if (isPktVsEnd(dst, src)) mark(taken, fall, dstno, false, true);
      else if (isEndVsPkt(dst, src)) mark(fall, taken, srcno, true, false);
      break;
  }
}

/** Packet pointer ranges that say where the pointer is against data_end rather than how many bytes are proven. */
export const AT_PKT_END = -1;
export const BEYOND_PKT_END = -2;

/** mark_pkt_end: a packet pointer found at data_end or past it (not its copies; the metadata pointer is left as it is). */
function markPktEnd(reg: RegState, beyond: boolean): void {
  if (reg.type !== RegType.PTR_TO_PACKET) return;
  reg.range = beyond ? BEYOND_PKT_END : AT_PKT_END;
}

/**
 * is_pkt_ptr_branch_taken: a pointer known to be at data_end or past it,
 * compared with data_end again, goes one way only.
 */
function pktPtrBranchTaken(dst: RegState, src: RegState, op: number): 1 | 0 | -1 {
  let pkt: RegState;
  if (src.type === RegType.PTR_TO_PACKET_END) pkt = dst;
  else if (dst.type === RegType.PTR_TO_PACKET_END) {
    pkt = src;
    op = swapOpcode(op);
  } else return -1;
  if (pkt.range >= 0) return -1;
  switch (op) {
    case BPF_JLE:
    case BPF_JGT:
      if (pkt.range === BEYOND_PKT_END) return op === BPF_JGT ? 1 : 0;
      break;
    case BPF_JLT:
    case BPF_JGE:
      return op === BPF_JGE ? 1 : 0;
  }
  return -1;
}

/** reg_is_pkt_pointer_any: data, metadata or data_end. */
function isPacketAny(reg: RegState): boolean {
  return reg.type === RegType.PTR_TO_PACKET || reg.type === RegType.PTR_TO_PACKET_META || reg.type === RegType.PTR_TO_PACKET_END;
}

/** A packet pointer exactly as loaded from the context (reg_is_init_pkt_pointer). */
function isInitPacketPointer(reg: RegState, type: RegType): boolean {
  return reg.type === type && reg.off === 0 && reg.value.isConst() && isZero(reg.value.constValue());
}

/** find_good_pkt_pointers: every copy of the pointer (same id) may read the proven bytes. */
function findGoodPktPointers(st: VerifierState, reg: RegState, open: boolean): void {
  if (reg.off < 0 || (reg.off === 0 && open)) return;
  const max = fromU32(MAX_PACKET_OFF);
  if (ltU(max, reg.value.umax) || ltU(max, add(reg.value.umax, fromNumber(reg.off)))) return;
  const range = reg.off + (open ? 1 : 0);
  const { type, id } = reg;
  for (const r of st.allRegs()) if (r.type === type && r.id === id) r.range = Math.max(r.range, range);
}
