import { BPF_FUNC_timer_set_callback } from '../uapi/func-ids.js';
import { tnumIsConst, tnumStr } from './tnum.js';
import { scalarRangesStr, scalarStr, verboseSnum, verboseUnum } from './scalar.js';
import { RegType, type RegState } from './reg.js';
import { SlotType, type FuncState, type StackSlot, type VerifierState } from './state.js';
import { add, fromNumber, isZero } from './word.js';

/** One register as the kernel's print_reg_state writes it after `R1=`. */
export function regStr(reg: RegState, frameno: number): string {
  if (reg.type === RegType.SCALAR_VALUE) return scalarStr(reg.value, { id: reg.id });
  const name = reg.typeName();
  const parts: string[] = [];
  if (reg.type === RegType.PTR_TO_STACK) {
    const prefix = reg.frameno !== frameno ? `[${reg.frameno}]` : '';
    if (tnumIsConst(reg.value.varOff)) return `${name}${prefix}${verboseSnum(add(fromNumber(reg.off), reg.value.varOff.value))}`;
  }
  if (reg.id) parts.push(`id=${reg.id}`);
  if (reg.refObjId) parts.push(`ref_obj_id=${reg.refObjId}`);
  if (reg.map && (reg.type === RegType.CONST_PTR_TO_MAP || reg.type === RegType.PTR_TO_MAP_VALUE || reg.type === RegType.PTR_TO_MAP_KEY)) {
    if (reg.map.name) parts.push(`map=${reg.map.name}`);
    parts.push(`ks=${reg.map.keySize},vs=${reg.map.valueSize}`);
  }
  if (reg.off) parts.push(`off=${verboseSnum(fromNumber(reg.off))}`);
  if (reg.isPacket) parts.push(`r=${verboseUnum(fromNumber(reg.range))}`);
  if (reg.type === RegType.PTR_TO_MEM) parts.push(`sz=${reg.memSize}`);
  if (tnumIsConst(reg.value.varOff)) {
    if (!isZero(reg.value.varOff.value)) parts.push(`imm=${verboseSnum(reg.value.varOff.value)}`);
  } else {
    const ranges = scalarRangesStr(reg.value);
    if (ranges) parts.push(ranges);
  }
  return `${name}(${parts.join(',')})`;
}

/** slot_type_char: how the log shows each stack byte's type. */
const SLOT_TYPE_CHAR = '?rm0d';

/**
 * A stack slot as print_verifier_state shows it after `fp-8=`, or undefined
 * for one never written: its bytes' types in the slot's order (the byte at
 * the highest address first), the spilled register after the bytes that
 * are not part of it.
 */
function slotStr(slot: StackSlot, frameno: number): string | undefined {
  if (slot.types.every((t) => t === SlotType.STACK_INVALID)) return undefined;
  if (slot.isSpill && slot.spilled) {
    let rest = '';
    for (const t of slot.types) if (t !== SlotType.STACK_SPILL) rest += SLOT_TYPE_CHAR[t] ?? '?';
    return `${rest}${regStr(slot.spilled, frameno)}`;
  }
  let types = '';
  for (const t of slot.types) types += SLOT_TYPE_CHAR[t] ?? '?';
  return types;
}

/**
 * What the log adds after a frame's registers and stack: the references the
 * path holds (a bpf_spin_lock held counts, as the kernel keeps it among
 * them) and whether the frame runs a callback.
 */
function suffixStr(st: VerifierState, f: FuncState): string {
  const parts: string[] = [];
  const refs = st.refs.map((r) => r.id);
  if (st.activeLock > 0) refs.push(st.activeLock);
  if (refs.length > 0 && refs[0] !== 0) parts.push(`refs=${refs.filter((id) => id !== 0).join(',')}`);
  if (f.callback) parts.push(f.callback.helper === BPF_FUNC_timer_set_callback ? 'async_cb' : 'cb');
  return parts.join(' ');
}

/** A frame's initialised registers but those in `omit` (a bit mask), its written stack slots and what follows them, as print_verifier_state lists them. */
function frameParts(st: VerifierState, f: FuncState, omit: number): string[] {
  const out: string[] = [];
  f.regs.forEach((r, i) => {
    if (r.type !== RegType.NOT_INIT && !((omit >>> i) & 1)) out.push(`R${i}=${regStr(r, f.frameno)}`);
  });
  f.stack.forEach((s, i) => {
    const text = s && slotStr(s, f.frameno);
    if (text !== undefined) out.push(`fp${-(i + 1) * 8}=${text}`);
  });
  const suffix = suffixStr(st, f);
  if (suffix) out.push(suffix);
  return out;
}

/**
 * One frame on a line of its own, as the kernel shows the caller and the
 * callee of a call and of a return (` frame1: R1=ctx() R10=fp0`); `omit`
 * leaves out registers the call no longer keeps.
 */
export function frameLine(st: VerifierState, f: FuncState, omit = 0): string {
  const regs = frameParts(st, f, omit).map((p) => ` ${p}`).join('');
  return f.frameno > 0 ? ` frame${f.frameno}:${regs}` : regs;
}

/**
 * What an instruction touched, as print_insn_state writes it after `;` on
 * the instruction's line: the registers it read or wrote (`regs`, a bit
 * mask) and the stack slots it wrote, as they are now, in the frame it ran
 * in, each after a space; empty when none of them holds anything.
 */
export function scratchedStr(st: VerifierState, regs: number, slots: readonly number[]): string {
  const f = st.cur;
  const out: string[] = [];
  f.regs.forEach((r, i) => {
    if ((regs >>> i) & 1 && r.type !== RegType.NOT_INIT) out.push(`R${i}=${regStr(r, f.frameno)}`);
  });
  for (const i of slots) {
    const s = f.stack[i];
    const text = s && slotStr(s, f.frameno);
    if (text !== undefined) out.push(`fp${-(i + 1) * 8}=${text}`);
  }
  const suffix = suffixStr(st, f);
  if (suffix) out.push(suffix);
  const text = out.map((o) => ` ${o}`).join('');
  return f.frameno > 0 ? ` frame${f.frameno}:${text}` : text;
}

/** The state of the frame a path is in, as the log shows it where a path starts. */
export function stateStr(st: VerifierState): string {
  return frameLine(st, st.cur).slice(1);
}

/** tnum as the kernel prints var_off. */
export { tnumStr };
