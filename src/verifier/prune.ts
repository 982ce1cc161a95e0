import { RegType, type RegState } from './reg.js';
import { scalarIn } from './scalar.js';
import { slotPrecise, type Precision } from './precision.js';
import type { StackLiveness } from './stack-liveness.js';
import { BPF_REG_SIZE, SlotType, type FuncState, type StackSlot, type VerifierState } from './state.js';

/** R0-R5 after a call returns: what the caller had there before is gone. */
const CALL_CLOBBER = 0b111111;

/**
 * Old ids to current ids, kept consistent across one comparison (the
 * kernel's bpf_idmap): two states agree only if values linked in one are
 * linked alike in the other.
 */
class IdMap {
  /** Made at the first pair: most comparisons meet no id at all. */
  private pairs: Map<number, number> | undefined;
  private curSeen: Set<number> | undefined;
  private tmp = 1 << 30;

  check(oldId: number, curId: number): boolean {
    if (!oldId !== !curId) return false;
    if (!oldId) return true;
    this.pairs ??= new Map();
    this.curSeen ??= new Set();
    const seen = this.pairs.get(oldId);
    if (seen !== undefined) return seen === curId;
    if (this.curSeen.has(curId)) return false;
    this.pairs.set(oldId, curId);
    this.curSeen.add(curId);
    return true;
  }

  /**
   * check_scalar_ids: unlinked scalars get ids of their own, so they match
   * anything once. Two unlinked ones match, and their fresh ids can meet
   * nothing later: they need no entry.
   */
  checkScalar(oldId: number, curId: number): boolean {
    if (!oldId && !curId) return true;
    return this.check(oldId || ++this.tmp, curId || ++this.tmp);
  }
}

/**
 * states_equal: whether every path from `cur` is safe because the same
 * paths from `old` were, at instruction `i`: the same frames, and in each
 * register the next instructions may read and each stack slot, the current
 * value within what the old one allowed (regsafe, stacksafe).
 */
export function statesEqual(
  old: VerifierState,
  cur: VerifierState,
  live: Uint16Array,
  stackLive: StackLiveness,
  precision: Precision,
  i: number,
  exactly: boolean,
): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  if (!!old.activeLock !== !!cur.activeLock || old.activeLockMap !== cur.activeLockMap) return false;
  if (old.refs.length !== cur.refs.length) return false;
  const ids = new IdMap();
  for (let k = 0; k < old.frames.length; k++) {
    const o = old.frames[k]!;
    const c = cur.frames[k]!;
    if (o.callsite !== c.callsite) return false;
    const at = k === old.frames.length - 1 ? i : old.frames[k + 1]!.callsite + 1;
    const liveSet = k === old.frames.length - 1 ? live[at]! : live[at]! & ~CALL_CLOBBER;
    if (!framesEqual(o, c, liveSet, new Checker(ids, precision, stackLive, at, exactly, k < old.frames.length - 1))) return false;
  }
  for (let k = 0; k < old.refs.length; k++) if (!ids.check(old.refs[k]!.id, cur.refs[k]!.id)) return false;
  return true;
}

/** One comparison's id map, and where exact scalars matter. */
class Checker {
  constructor(
    readonly ids: IdMap,
    readonly precision: Precision,
    readonly stackLive: StackLiveness,
    readonly insn: number,
    /** The kernel's EXACT level, for loop detection: every live value identical, not merely within. */
    readonly exactly: boolean,
    /**
     * A caller's frame: the functions it called may read its stack through
     * pointers, which liveness and precision, found per frame, do not see;
     * every slot counts, exactly.
     */
    readonly caller: boolean,
  ) {}
}

/**
 * states_maybe_looping: a cheap first test before an exact comparison, that
 * the innermost frames hold identical registers, ids included.
 */
export function statesMaybeLooping(old: VerifierState, cur: VerifierState): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  const o = old.cur.regs;
  const c = cur.cur.regs;
  for (let r = 0; r < 11; r++) {
    const a = o[r]!;
    const b = c[r]!;
    if (a.type !== b.type || a.maybeNull !== b.maybeNull || a.rdonly !== b.rdonly || a.id !== b.id || a.refObjId !== b.refObjId) return false;
    if (a.type === RegType.NOT_INIT) continue;
    if (a.off !== b.off || a.range !== b.range || a.map !== b.map || a.mapUid !== b.mapUid || a.memSize !== b.memSize || a.subprog !== b.subprog || !a.value.equals(b.value)) return false;
  }
  return true;
}

function framesEqual(o: FuncState, c: FuncState, liveSet: number, ck: Checker): boolean {
  if ((o.callback === undefined) !== (c.callback === undefined)) return false;
  const precise = ck.precision.regs[ck.insn]!;
  for (let r = 0; r < 10; r++) {
    if (!(liveSet & (1 << r))) continue;
    const ok = ck.exactly ? regsExact(o.regs[r]!, c.regs[r]!, ck.ids) : regsafe(o.regs[r]!, c.regs[r]!, ck.ids, (precise & (1 << r)) !== 0);
    if (!ok) return false;
  }
  return stacksafe(o, c, ck);
}

/** regsafe: the current register is at least as constrained as the old one; a scalar nobody checks matches any scalar. */
function regsafe(o: RegState, c: RegState, ids: IdMap, precise: boolean): boolean {
  if (o.type === RegType.NOT_INIT) return true;
  if (o.type !== c.type || o.maybeNull !== c.maybeNull || o.rdonly !== c.rdonly) return false;
  switch (o.type) {
    case RegType.SCALAR_VALUE:
      if (!precise) return true;
      return scalarIn(o.value, c.value) && ids.checkScalar(o.id, c.id);
    case RegType.PTR_TO_MAP_KEY:
    case RegType.PTR_TO_MAP_VALUE:
    case RegType.PTR_TO_MEM:
      return (
        o.off === c.off &&
        o.map === c.map && o.mapUid === c.mapUid &&
        o.memSize === c.memSize &&
        o.memKind === c.memKind &&
        scalarIn(o.value, c.value) &&
        ids.check(o.id, c.id) &&
        ids.check(o.refObjId, c.refObjId)
      );
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_PACKET_META:
      // At or past data_end (negative ranges) is a different fact from any proven range.
      if (o.range < 0 || c.range < 0 ? o.range !== c.range : o.range > c.range) return false;
      if (o.off !== c.off) return false;
      if (!ids.check(o.id, c.id)) return false;
      return scalarIn(o.value, c.value);
    case RegType.PTR_TO_STACK:
      return o.frameno === c.frameno && exact(o, c, ids);
    default:
      return exact(o, c, ids);
  }
}

/** regs_exact with the type: the same register, ids mapped. */
function regsExact(o: RegState, c: RegState, ids: IdMap): boolean {
  if (o.type !== c.type || o.maybeNull !== c.maybeNull || o.rdonly !== c.rdonly) return false;
  return o.type === RegType.NOT_INIT || (o.frameno === c.frameno && o.memKind === c.memKind && exact(o, c, ids));
}

/** regs_exact: the same value, ids mapped. */
function exact(o: RegState, c: RegState, ids: IdMap): boolean {
  return (
    o.off === c.off &&
    o.map === c.map && o.mapUid === c.mapUid &&
    o.range === c.range &&
    o.memSize === c.memSize &&
    o.subprog === c.subprog &&
    o.value.equals(c.value) &&
    ids.check(o.id, c.id) &&
    ids.check(o.refObjId, c.refObjId)
  );
}

/**
 * stacksafe: every stack byte the old state relied on holds at least as
 * much in the current one. A privileged program may read unwritten bytes,
 * so an old slot of plain data accepts anything.
 */
function stacksafe(o: FuncState, c: FuncState, ck: Checker): boolean {
  const ids = ck.ids;
  // Slots past the end of either stack were never written.
  const slots = ck.exactly ? Math.max(o.stack.length, c.stack.length) : o.stack.length;
  for (let s = 0; s < slots; s++) {
    const os = o.stack[s];
    const cs = c.stack[s];
    if (ck.exactly) {
      if (!slotsExact(os, cs, ids)) return false;
      continue;
    }
    if (!os) continue;
    // A slot no path reads again holds nothing that matters.
    if (!ck.caller && ((s < 32 ? ck.stackLive.lo[ck.insn]! >>> s : ck.stackLive.hi[ck.insn]! >>> (s - 32)) & 1) === 0) continue;
    const precise = ck.caller || slotPrecise(ck.precision, ck.insn, s);
    const oScalar = scalarOfSlot(os);
    const cScalar = cs && scalarOfSlot(cs);
    if (oScalar && cScalar) {
      if (!regsafe(oScalar, cScalar, ids, precise)) return false;
      continue;
    }
    // Unknown bytes, or an imprecise scalar, take any plain bytes or scalar; known zeros only zeros (below).
    if (!precise && (oScalar || unknownBytes(os)) && (!cs || cScalar || plainSlot(cs))) continue;
    for (let b = 0; b < BPF_REG_SIZE; b++) {
      const ot = os.types[b]! as SlotType;
      if (ot === SlotType.STACK_INVALID || ot === SlotType.STACK_MISC) continue;
      const ct = (cs?.types[b] ?? SlotType.STACK_INVALID) as SlotType;
      if (ot !== ct) return false;
    }
    if (os.isSpill) {
      if (!cs?.isSpill || !os.spilled || !cs.spilled || !regsafe(os.spilled, cs.spilled, ids, precise)) return false;
    }
    if (os.dynptr) {
      if (!cs?.dynptr || cs.dynptr.kind !== os.dynptr.kind || cs.dynptr.first !== os.dynptr.first) return false;
      if (!ids.check(os.dynptr.refObjId, cs.dynptr.refObjId)) return false;
    }
  }
  return true;
}

/** Both slots' bytes of the same types, and the same register spilled. */
function slotsExact(os: StackSlot | undefined, cs: StackSlot | undefined, ids: IdMap): boolean {
  for (let b = 0; b < BPF_REG_SIZE; b++) if ((os?.types[b] ?? SlotType.STACK_INVALID) !== (cs?.types[b] ?? SlotType.STACK_INVALID)) return false;
  if (!os || !cs) return true;
  if (!!os.spilled !== !!cs.spilled || (os.spilled && !regsExact(os.spilled, cs.spilled!, ids))) return false;
  if (!!os.dynptr !== !!cs.dynptr) return false;
  return !os.dynptr || (os.dynptr.kind === cs.dynptr!.kind && os.dynptr.first === cs.dynptr!.first && ids.check(os.dynptr.refObjId, cs.dynptr!.refObjId));
}

/** A slot of plain bytes (never written, data or zero): it reads back as some scalar. */
function plainSlot(slot: StackSlot): boolean {
  return slot.types.every((t) => t === SlotType.STACK_INVALID || t === SlotType.STACK_MISC || t === SlotType.STACK_ZERO);
}

/** A slot of bytes nothing is known of (never written, or data). */
function unknownBytes(slot: StackSlot): boolean {
  return slot.types.every((t) => t === SlotType.STACK_INVALID || t === SlotType.STACK_MISC);
}

/** A slot that reads back as one scalar: a whole spilled scalar, or eight plain bytes (scalar_reg_for_stack). */
function scalarOfSlot(slot: StackSlot): RegState | undefined {
  if (slot.isSpill && slot.spilled?.type === RegType.SCALAR_VALUE && slot.types.every((t) => t === SlotType.STACK_SPILL)) return slot.spilled;
  return undefined;
}


/**
 * widen_imprecise_scalars: before another iteration of a loop that has run
 * from `prev` (a callback's, here), every scalar no check needs exact that
 * changed since `prev` becomes unknown, in registers and spilled slots, so
 * that iterations come to a state already walked instead of counting on.
 * `i` is where `cur` is, in its innermost frame. Without `precision`, exact
 * scalars are widened too: less is then known, never more.
 */
export function widenImpreciseScalars(prev: VerifierState, cur: VerifierState, precision: Precision | undefined, i: number): void {
  if (prev.frames.length !== cur.frames.length) return;
  const ids = new IdMap();
  for (let k = 0; k < cur.frames.length; k++) {
    const at = k === cur.frames.length - 1 ? i : cur.frames[k + 1]!.callsite + 1;
    const o = prev.frames[k]!;
    const c = cur.frames[k]!;
    const widen = (a: RegState, b: RegState, precise: boolean): void => {
      if (a.type !== RegType.SCALAR_VALUE || b.type !== RegType.SCALAR_VALUE || precise || regsExact(a, b, ids)) return;
      b.markUnknown();
    };
    for (let r = 0; r < 10; r++) widen(o.regs[r]!, c.regs[r]!, precision !== undefined && ((precision.regs[at]! >>> r) & 1) === 1);
    for (let s = 0; s < c.stack.length; s++) {
      const os = o.stack[s];
      const cs = c.stack[s];
      if (os?.isSpill && cs?.isSpill && os.spilled && cs.spilled) widen(os.spilled, cs.spilled, precision !== undefined && slotPrecise(precision, at, s));
    }
  }
}
