import { tnumIsConst, tnumStr } from './tnum.js';
import { scalarRangesStr, scalarStr, verboseSnum } from './scalar.js';
import { RegType, type RegState } from './reg.js';
import type { FuncState, VerifierState } from './state.js';
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
  if (reg.isPacket) parts.push(`r=${reg.range}`);
  if (reg.type === RegType.PTR_TO_MEM) parts.push(`sz=${reg.memSize}`);
  if (tnumIsConst(reg.value.varOff)) {
    if (!isZero(reg.value.varOff.value)) parts.push(`imm=${verboseSnum(reg.value.varOff.value)}`);
  } else {
    const ranges = scalarRangesStr(reg.value);
    if (ranges) parts.push(ranges);
  }
  return `${name}(${parts.join(',')})`;
}

/** The registers of a frame worth printing (initialised ones), `R1=ctx() R10=fp0`, as print_verifier_state does. */
export function frameStr(f: FuncState): string {
  const out: string[] = [];
  f.regs.forEach((r, i) => {
    if (r.type !== RegType.NOT_INIT) out.push(`R${i}=${regStr(r, f.frameno)}`);
  });
  f.stack.forEach((s, i) => {
    if (!s) return;
    const off = -(i + 1) * 8;
    if (s.isSpill && s.spilled) out.push(`fp${off}=${regStr(s.spilled, f.frameno)}`);
    else {
      const types = [...s.types].reverse().map((t) => '?rmzd'[t] ?? '?').join('');
      if (types !== '????????') out.push(`fp${off}=${types}`);
    }
  });
  return out.join(' ');
}

/**
 * What an instruction touched, as print_insn_state writes it after `;` on
 * the instruction's line: the registers it read or wrote (`regs`, a bit
 * mask) and the stack slots it wrote, as they are now, in the frame it ran in.
 */
export function scratchedStr(st: VerifierState, regs: number, slots: readonly number[]): string {
  const f = st.cur;
  const out: string[] = [];
  f.regs.forEach((r, i) => {
    if ((regs >>> i) & 1 && r.type !== RegType.NOT_INIT) out.push(`R${i}=${regStr(r, f.frameno)}`);
  });
  for (const i of slots) {
    const s = f.stack[i];
    if (!s) continue;
    const off = -(i + 1) * 8;
    if (s.isSpill && s.spilled) out.push(`fp${off}=${regStr(s.spilled, f.frameno)}`);
    else out.push(`fp${off}=${[...s.types].reverse().map((t) => '?rmzd'[t] ?? '?').join('')}`);
  }
  if (out.length === 0) return '';
  return st.frames.length > 1 ? `frame${f.frameno}: ${out.join(' ')}` : out.join(' ');
}

/** The whole state, frame by frame, for the log. */
export function stateStr(st: VerifierState): string {
  return st.frames.map((f, i) => (st.frames.length > 1 ? `frame${i}: ${frameStr(f)}` : frameStr(f))).join(' ');
}

/** tnum as the kernel prints var_off. */
export { tnumStr };
