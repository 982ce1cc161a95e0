// The uBPF / bpf_conformance assembly dialect: `mov %r0, 1`, `ldxw %r1, [%r2+4]`,
// `lock fetch add [%r10-8], %r1`, `jeq %r1, 5, label`, `call local func`.

import type { Insn } from './instruction.js';
import { OperandError, parseImm32, parseImm64, parseOffset, parseRegister, parseTarget, type Target } from './asm-operands.js';
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_LDDW,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOV,
  BPF_NEG,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_X,
  BPF_XCHG,
} from './opcodes.js';
import { ALU_MNEMONICS, ATOMIC_OPS, JMP_CONDITIONS, LDDW_PSEUDO, SIZES } from './syntax.js';
import { BPF_JCOND } from './decode.js';

/** One parsed line: the instruction and, for jumps and local calls, a target to resolve. */
export interface ParsedInsn {
  insn: Insn;
  /** Resolved into `off` (jumps) or `imm` (ja32, local calls, func addresses). */
  target?: Target;
  targetField?: 'off' | 'imm';
}

const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

const reg = (t: string | undefined): number => parseRegister(need(t), '%r');

function need(t: string | undefined): string {
  if (t === undefined) throw new OperandError('missing operand');
  return t;
}

/** `[%rN+off]`, `[%rN-off]` or `[%rN]`. */
function memOperand(text: string | undefined): { reg: number; off: number } {
  const t = need(text).trim();
  const m = /^\[\s*(%r\d+)\s*(?:([+-])\s*([0-9a-fA-Fx]+))?\s*\]$/.exec(t);
  if (!m) throw new OperandError(`invalid memory operand ${JSON.stringify(t)}, expected [%rN+offset]`);
  return { reg: parseRegister(m[1]!, '%r'), off: m[2] ? parseOffset(`${m[2]}${m[3]}`) : 0 };
}

function expectCount(mnemonic: string, operands: string[], n: number): void {
  if (operands.length !== n) {
    throw new OperandError(`invalid number of operands for ${mnemonic}: expected ${n}, got ${operands.length}`);
  }
}

/**
 * Parses one instruction line of the conformance dialect; returns undefined when
 * the mnemonic is not one of this dialect's, so the caller can try the other.
 */
export function parseConformanceLine(text: string): ParsedInsn | undefined {
  const m = /^(\S+)\s*(.*)$/.exec(text.trim());
  if (!m) return undefined;
  const mnemonic = m[1]!.toLowerCase();
  const rest = m[2]!.trim();
  // `lock *(u64 *)...` and `call +0x5` are the LLVM dialect's.
  if (mnemonic === 'lock') return rest.startsWith('*') ? undefined : parseLock(rest);
  if (mnemonic === 'call') return /^[+-]|^kfunc\b/.test(rest) ? undefined : parseCall(rest);
  const operands = rest === '' ? [] : rest.split(',').map((s) => s.trim());

  if (mnemonic === 'exit') {
    expectCount(mnemonic, operands, 0);
    return { insn: insn(BPF_JMP | BPF_EXIT) };
  }
  if (mnemonic === 'ja' || mnemonic === 'ja32' || mnemonic === 'may_goto') {
    expectCount(mnemonic, operands, 1);
    const target = parseTarget(operands[0]!);
    if (mnemonic === 'ja32') return { insn: insn(BPF_JMP32 | BPF_JA), target, targetField: 'imm' };
    return { insn: insn(BPF_JMP | (mnemonic === 'ja' ? BPF_JA : BPF_JCOND)), target, targetField: 'off' };
  }
  if (mnemonic === 'lddw') return parseLddw(operands);

  const jump = /^(j[a-z]+?)(32)?$/.exec(mnemonic);
  const cond = jump && JMP_CONDITIONS.find((c) => c.mnemonic === jump[1]);
  if (jump && cond) {
    expectCount(mnemonic, operands, 3);
    const cls = jump[2] ? BPF_JMP32 : BPF_JMP;
    const dst = reg(operands[0]);
    const target = parseTarget(operands[2]!);
    if (operands[1]!.startsWith('%')) {
      return { insn: insn(cls | cond.op | BPF_X, dst, reg(operands[1])), target, targetField: 'off' };
    }
    return { insn: insn(cls | cond.op | BPF_K, dst, 0, 0, parseImm32(operands[1]!)), target, targetField: 'off' };
  }

  const mem = /^(ldxs?|stx?|ldabs|ldind|load_acq|store_rel)(b|h|w|dw)$/.exec(mnemonic);
  if (mem) return { insn: parseMemory(mem[1]!, mem[2]!, mnemonic, operands) };

  const end = /^(le|be|swap|bswap)(16|32|64)$/.exec(mnemonic);
  if (end) {
    expectCount(mnemonic, operands, 1);
    const code =
      end[1] === 'le' ? BPF_ALU | BPF_END | BPF_TO_LE : end[1] === 'be' ? BPF_ALU | BPF_END | BPF_TO_BE : BPF_ALU64 | BPF_END;
    return { insn: insn(code, reg(operands[0]), 0, 0, Number(end[2])) };
  }

  const movsx = /^movsx(8|16|32)(32|64)$/.exec(mnemonic);
  if (movsx) {
    expectCount(mnemonic, operands, 2);
    const cls = movsx[2] === '32' ? BPF_ALU : BPF_ALU64;
    if (cls === BPF_ALU && movsx[1] === '32') throw new OperandError(`invalid mnemonic ${mnemonic}`);
    return { insn: insn(cls | BPF_MOV | BPF_X, reg(operands[0]), reg(operands[1]), Number(movsx[1])) };
  }

  const alu = /^([a-z]+?)(32|64)?$/.exec(mnemonic);
  if (alu) {
    // sdiv and smod are div and mod with off = 1.
    const signed = alu[1] === 'sdiv' || alu[1] === 'smod';
    const op = ALU_MNEMONICS.get(signed ? alu[1]!.slice(1) : alu[1]!);
    if (op === undefined) return undefined;
    const cls = alu[2] === '32' ? BPF_ALU : BPF_ALU64;
    if (op === BPF_NEG) {
      expectCount(mnemonic, operands, 1);
      return { insn: insn(cls | BPF_NEG, reg(operands[0])) };
    }
    expectCount(mnemonic, operands, 2);
    const dst = reg(operands[0]);
    const off = signed ? 1 : 0;
    if (operands[1]!.startsWith('%')) return { insn: insn(cls | op | BPF_X, dst, reg(operands[1]), off) };
    return { insn: insn(cls | op | BPF_K, dst, 0, off, parseImm32(operands[1]!)) };
  }
  return undefined;
}

function parseMemory(kind: string, suffix: string, mnemonic: string, operands: string[]): Insn {
  const size = SIZES.find((s) => s.suffix === suffix)!.size;
  switch (kind) {
    case 'ldx':
    case 'ldxs': {
      expectCount(mnemonic, operands, 2);
      const m = memOperand(operands[1]);
      return insn(BPF_LDX | (kind === 'ldxs' ? BPF_MEMSX : BPF_MEM) | size, reg(operands[0]), m.reg, m.off);
    }
    case 'st': {
      expectCount(mnemonic, operands, 2);
      const m = memOperand(operands[0]);
      return insn(BPF_ST | BPF_MEM | size, m.reg, 0, m.off, parseImm32(operands[1]!));
    }
    case 'stx': {
      expectCount(mnemonic, operands, 2);
      const m = memOperand(operands[0]);
      return insn(BPF_STX | BPF_MEM | size, m.reg, reg(operands[1]), m.off);
    }
    case 'ldabs':
      expectCount(mnemonic, operands, 1);
      return insn(BPF_LD | BPF_ABS | size, 0, 0, 0, parseImm32(operands[0]!));
    case 'ldind':
      expectCount(mnemonic, operands, 2);
      return insn(BPF_LD | BPF_IND | size, 0, reg(operands[0]), 0, parseImm32(operands[1]!));
    case 'load_acq': {
      expectCount(mnemonic, operands, 2);
      const m = memOperand(operands[1]);
      return insn(BPF_STX | BPF_ATOMIC | size, reg(operands[0]), m.reg, m.off, BPF_LOAD_ACQ);
    }
    default: {
      expectCount(mnemonic, operands, 2);
      const m = memOperand(operands[0]);
      return insn(BPF_STX | BPF_ATOMIC | size, m.reg, reg(operands[1]), m.off, BPF_STORE_REL);
    }
  }
}

/** `lddw %rd, imm64` or `lddw %rd, map_value 3, 16` and the other pseudo sources. */
function parseLddw(operands: string[]): ParsedInsn {
  if (operands.length < 2 || operands.length > 3) {
    throw new OperandError(`invalid number of operands for lddw: expected 2, got ${operands.length}`);
  }
  const dst = reg(operands[0]);
  const pseudo = /^([a-z_]+)\s+(\S+)$/.exec(operands[1]!);
  if (!pseudo) {
    expectCount('lddw', operands, 2);
    const [lo, hi] = parseImm64(operands[1]!);
    return { insn: { ...insn(BPF_LDDW, dst, 0, 0, lo), imm2: hi } };
  }
  const kind = LDDW_PSEUDO.find((p) => p.name === pseudo[1]);
  if (!kind) throw new OperandError(`unknown lddw source ${pseudo[1]}`);
  expectCount('lddw', operands, kind.hasOffset ? 3 : 2);
  const imm2 = kind.hasOffset ? parseImm32(operands[2]!) : 0;
  if (kind.name === 'func') {
    return { insn: { ...insn(BPF_LDDW, dst, kind.src), imm2 }, target: parseTarget(pseudo[2]!), targetField: 'imm' };
  }
  return { insn: { ...insn(BPF_LDDW, dst, kind.src, 0, parseImm32(pseudo[2]!)), imm2 } };
}

/** `call N`, `call helper N`, `call %rN` (callx), `call local target`, `call runtime N` (kfunc). */
function parseCall(rest: string): ParsedInsn {
  const words = rest.split(/\s+/).filter((w) => w !== '');
  if (words.length === 1) words.unshift('helper');
  if (words.length !== 2) throw new OperandError(`invalid number of operands for call`);
  const [mode, target] = words as [string, string];
  switch (mode) {
    case 'helper':
      if (target.startsWith('%')) return { insn: insn(BPF_JMP | BPF_CALL | BPF_X, reg(target)) };
      return { insn: insn(BPF_JMP | BPF_CALL, 0, 0, 0, parseImm32(target)) };
    case 'local':
      return { insn: insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL), target: parseTarget(target), targetField: 'imm' };
    case 'runtime':
      return { insn: insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, parseImm32(target)) };
    default:
      throw new OperandError(`invalid call mode ${JSON.stringify(mode)}`);
  }
}

/** `lock [fetch] add|and|or|xor[32] [%rd+off], %rs`, `lock xchg[32] ...`, `lock cmpxchg[32] ...`. */
function parseLock(rest: string): ParsedInsn {
  const m = /^(fetch\s+)?([a-z]+?)(32)?\s+(.*)$/.exec(rest);
  if (!m) throw new OperandError('invalid number of operands for lock');
  const fetch = m[1] !== undefined;
  const name = m[2]!;
  const size = m[3] ? SIZES[2]!.size : SIZES[3]!.size;
  const operands = m[4]!.split(',').map((s) => s.trim());
  if (operands.length !== 2) throw new OperandError('invalid number of operands for lock');
  const dst = memOperand(operands[0]);
  const src = reg(operands[1]);
  let imm: number;
  if (name === 'xchg' || name === 'cmpxchg') {
    imm = name === 'xchg' ? BPF_XCHG : BPF_CMPXCHG;
  } else {
    const op = ATOMIC_OPS.get(name);
    if (op === undefined) throw new OperandError(`invalid atomic operation ${JSON.stringify(name)}`);
    imm = op | (fetch ? BPF_FETCH : 0);
  }
  return { insn: insn(BPF_STX | BPF_ATOMIC | size, dst.reg, src, dst.off, imm) };
}
