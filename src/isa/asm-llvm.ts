// The LLVM assembly dialect that `llvm-objdump -d` prints for BPF:
// `r0 = *(u32 *)(r1 + 0x4)`, `if w1 s> 0x3 goto +0x2`, `lock *(u64 *)(r0 + 0x0) += r1`.

import type { Insn } from './instruction.js';
import type { ParsedInsn } from './asm-conformance.js';
import { OperandError, isLabelName, parseImm32, parseImm64, parseOffset, parseRegister, parseTarget } from './asm-operands.js';
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_DIV,
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
  BPF_MOD,
  BPF_MOV,
  BPF_NEG,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_W,
  BPF_DW,
  BPF_X,
  BPF_XCHG,
} from './opcodes.js';
import { ALU_OPERATORS, ATOMIC_OPS, JMP_CONDITIONS, LDDW_PSEUDO, SIZES } from './syntax.js';
import { BPF_JCOND } from './decode.js';

const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

const REG = String.raw`[rw]\d+`;
const NUM = String.raw`[+-]?(?:0x[0-9a-fA-F]+|\d+)`;
/** `(r1 + 0x4)` / `(r10 - 0x8)`: base register and offset. */
const ADDR = String.raw`\(\s*(r\d+)\s*([+-])\s*(0x[0-9a-fA-F]+|\d+)\s*\)`;
const SIZED = String.raw`\*\(\s*([us])(8|16|32|64)\s*\*\s*\)`;

function sizeOf(bits: string): number {
  const found = SIZES.find((s) => s.bits === Number(bits));
  if (!found) throw new OperandError(`invalid access size ${bits}`);
  return found.size;
}

function offsetOf(sign: string, text: string): number {
  return parseOffset(`${sign}${text}`);
}

/** An operand that is a register of the expected width, or undefined for an immediate. */
function regOrUndefined(text: string, width: 'r' | 'w'): number | undefined {
  if (!/^[rw]\d+$/.test(text)) return undefined;
  return parseRegister(text, width);
}

const width = (text: string): 'r' | 'w' => (text.startsWith('w') ? 'w' : 'r');

type Rule = [RegExp, (m: RegExpExecArray) => ParsedInsn];

const RULES: Rule[] = [
  [/^exit$/, () => ({ insn: insn(BPF_JMP | BPF_EXIT) })],
  [
    /^(goto|gotol|may_goto)\s+(\S+)$/,
    (m) => {
      const target = parseTarget(m[2]!);
      if (m[1] === 'gotol') return { insn: insn(BPF_JMP32 | BPF_JA), target, targetField: 'imm' };
      return { insn: insn(BPF_JMP | (m[1] === 'goto' ? BPF_JA : BPF_JCOND)), target, targetField: 'off' };
    },
  ],
  [/^callx\s+(r\d+)$/, (m) => ({ insn: insn(BPF_JMP | BPF_CALL | BPF_X, parseRegister(m[1]!, 'r')) })],
  [
    /^call\s+kfunc\s+(\S+)$/,
    (m) => ({ insn: insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, parseImm32(m[1]!)) }),
  ],
  [
    /^call\s+(\S+)$/,
    (m) => {
      const t = m[1]!;
      // A sign or a label marks a BPF-to-BPF call; a bare number is a helper id.
      if (/^[+-]/.test(t) || (isLabelName(t) && !/^\d/.test(t))) {
        return { insn: insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL), target: parseTarget(t), targetField: 'imm' };
      }
      return { insn: insn(BPF_JMP | BPF_CALL, 0, 0, 0, parseImm32(t)) };
    },
  ],
  [
    new RegExp(`^if\\s+(${REG})\\s*(s?[<>]=?|==|!=|&)\\s*(${REG}|${NUM})\\s+goto\\s+(\\S+)$`),
    (m) => {
      const w = width(m[1]!);
      const cond = JMP_CONDITIONS.find((c) => c.operator === m[2]);
      if (!cond) throw new OperandError(`invalid condition ${m[2]}`);
      const cls = w === 'w' ? BPF_JMP32 : BPF_JMP;
      const dst = parseRegister(m[1]!, w);
      const target = parseTarget(m[4]!);
      const src = regOrUndefined(m[3]!, w);
      if (src !== undefined) return { insn: insn(cls | cond.op | BPF_X, dst, src), target, targetField: 'off' };
      return { insn: insn(cls | cond.op | BPF_K, dst, 0, 0, parseImm32(m[3]!)), target, targetField: 'off' };
    },
  ],
  // Loads: rD = *(u32 *)(rS + off), sign-extending with s8/s16/s32.
  [
    new RegExp(`^(${REG})\\s*=\\s*${SIZED}${ADDR}$`),
    (m) => {
      const mode = m[2] === 's' ? BPF_MEMSX : BPF_MEM;
      return {
        insn: insn(BPF_LDX | mode | sizeOf(m[3]!), parseRegister(m[1]!, width(m[1]!)), parseRegister(m[4]!, 'r'), offsetOf(m[5]!, m[6]!)),
      };
    },
  ],
  // Stores: *(u32 *)(rD + off) = rS | imm.
  [
    new RegExp(`^${SIZED}${ADDR}\\s*=\\s*(${REG}|${NUM})$`),
    (m) => {
      const size = sizeOf(m[2]!);
      const dst = parseRegister(m[3]!, 'r');
      const off = offsetOf(m[4]!, m[5]!);
      const value = m[6]!;
      const src = regOrUndefined(value, width(value));
      if (src !== undefined) return { insn: insn(BPF_STX | BPF_MEM | size, dst, src, off) };
      return { insn: insn(BPF_ST | BPF_MEM | size, dst, 0, off, parseImm32(value)) };
    },
  ],
  // lock *(u64 *)(rD + off) += rS
  [
    new RegExp(`^lock\\s+${SIZED}${ADDR}\\s*([+|&^])=\\s*(${REG})$`),
    (m) => {
      const op = ATOMIC_OPS.get({ '+': 'add', '|': 'or', '&': 'and', '^': 'xor' }[m[6]!]!)!;
      const src = parseRegister(m[7]!, width(m[7]!));
      return { insn: insn(BPF_STX | BPF_ATOMIC | sizeOf(m[2]!), parseRegister(m[3]!, 'r'), src, offsetOf(m[4]!, m[5]!), op) };
    },
  ],
  // rS = atomic_fetch_add((u64 *)(rD + off), rS)
  [
    new RegExp(`^(${REG})\\s*=\\s*atomic_fetch_(add|or|and|xor)\\(\\s*\\(([us])(32|64)\\s*\\*\\s*\\)${ADDR}\\s*,\\s*(${REG})\\s*\\)$`),
    (m) => {
      const src = parseRegister(m[8]!, width(m[8]!));
      if (parseRegister(m[1]!, width(m[1]!)) !== src) throw new OperandError('atomic_fetch result must be its source register');
      const imm = ATOMIC_OPS.get(m[2]!)! | BPF_FETCH;
      return { insn: insn(BPF_STX | BPF_ATOMIC | sizeOf(m[4]!), parseRegister(m[5]!, 'r'), src, offsetOf(m[6]!, m[7]!), imm) };
    },
  ],
  // rS = xchg_64(rD + off, rS) / wS = xchg32_32(rD + off, wS)
  [
    new RegExp(`^(${REG})\\s*=\\s*(xchg_64|xchg32_32)\\(\\s*(r\\d+)\\s*([+-])\\s*(0x[0-9a-fA-F]+|\\d+)\\s*,\\s*(${REG})\\s*\\)$`),
    (m) => {
      const size = m[2] === 'xchg_64' ? BPF_DW : BPF_W;
      const src = parseRegister(m[6]!, width(m[6]!));
      if (parseRegister(m[1]!, width(m[1]!)) !== src) throw new OperandError('xchg result must be its source register');
      return { insn: insn(BPF_STX | BPF_ATOMIC | size, parseRegister(m[3]!, 'r'), src, offsetOf(m[4]!, m[5]!), BPF_XCHG) };
    },
  ],
  // r0 = cmpxchg_64(rD + off, r0, rS)
  [
    new RegExp(`^([rw]0)\\s*=\\s*(cmpxchg_64|cmpxchg32_32)\\(\\s*(r\\d+)\\s*([+-])\\s*(0x[0-9a-fA-F]+|\\d+)\\s*,\\s*[rw]0\\s*,\\s*(${REG})\\s*\\)$`),
    (m) => {
      const size = m[2] === 'cmpxchg_64' ? BPF_DW : BPF_W;
      const src = parseRegister(m[6]!, width(m[6]!));
      return { insn: insn(BPF_STX | BPF_ATOMIC | size, parseRegister(m[3]!, 'r'), src, offsetOf(m[4]!, m[5]!), BPF_CMPXCHG) };
    },
  ],
  // rD = load_acquire((u64 *)(rS + off)) / store_release((u64 *)(rD + off), rS)
  [
    new RegExp(`^(${REG})\\s*=\\s*load_acquire\\(\\s*\\(u(8|16|32|64)\\s*\\*\\s*\\)${ADDR}\\s*\\)$`),
    (m) => ({
      insn: insn(BPF_STX | BPF_ATOMIC | sizeOf(m[2]!), parseRegister(m[1]!, width(m[1]!)), parseRegister(m[3]!, 'r'), offsetOf(m[4]!, m[5]!), BPF_LOAD_ACQ),
    }),
  ],
  [
    new RegExp(`^store_release\\(\\s*\\(u(8|16|32|64)\\s*\\*\\s*\\)${ADDR}\\s*,\\s*(${REG})\\s*\\)$`),
    (m) => ({
      insn: insn(BPF_STX | BPF_ATOMIC | sizeOf(m[1]!), parseRegister(m[2]!, 'r'), parseRegister(m[5]!, width(m[5]!)), offsetOf(m[3]!, m[4]!), BPF_STORE_REL),
    }),
  ],
  // Legacy packet loads: r0 = *(u16 *)skb[0xc], r0 = *(u8 *)skb[r1 + 0xe]
  [
    /^r0\s*=\s*\*\(\s*u(8|16|32)\s*\*\s*\)\s*skb\[\s*(?:(r\d+)\s*(?:([+-])\s*(0x[0-9a-fA-F]+|\d+))?|([+-]?(?:0x[0-9a-fA-F]+|\d+)))\s*\]$/,
    (m) => {
      const size = sizeOf(m[1]!);
      if (m[2]) {
        const imm = m[3] ? parseImm32(`${m[3]}${m[4]}`) : 0;
        return { insn: insn(BPF_LD | BPF_IND | size, 0, parseRegister(m[2], 'r'), 0, imm) };
      }
      return { insn: insn(BPF_LD | BPF_ABS | size, 0, 0, 0, parseImm32(m[5]!)) };
    },
  ],
  // lddw: rD = 0x... ll, rD = map_value(0x3, 0x10) ll, rD = func(+0x5) ll
  [
    new RegExp(`^(r\\d+)\\s*=\\s*(?:(${NUM})|([a-z_]+)\\(\\s*([^,)]+?)\\s*(?:,\\s*([^)]+?)\\s*)?\\))\\s+ll$`),
    (m) => {
      const dst = parseRegister(m[1]!, 'r');
      if (m[2] !== undefined) {
        const [lo, hi] = parseImm64(m[2]);
        return { insn: { ...insn(BPF_LDDW, dst, 0, 0, lo), imm2: hi } };
      }
      const kind = LDDW_PSEUDO.find((p) => p.name === m[3]);
      if (!kind) throw new OperandError(`unknown lddw source ${m[3]}`);
      if (kind.hasOffset !== (m[5] !== undefined)) throw new OperandError(`invalid operands for ${kind.name}`);
      const imm2 = m[5] !== undefined ? parseImm32(m[5]) : 0;
      if (kind.name === 'func') {
        return { insn: { ...insn(BPF_LDDW, dst, kind.src), imm2 }, target: parseTarget(m[4]!), targetField: 'imm' };
      }
      return { insn: { ...insn(BPF_LDDW, dst, kind.src, 0, parseImm32(m[4]!)), imm2 } };
    },
  ],
  // Byte swaps: rD = be16 rD, rD = le32 rD, rD = bswap64 rD
  [
    /^(r\d+)\s*=\s*(le|be|bswap)(16|32|64)\s+(r\d+)$/,
    (m) => {
      if (m[1] !== m[4]) throw new OperandError(`${m[2]}${m[3]} must write its own register`);
      const code = m[2] === 'le' ? BPF_ALU | BPF_END | BPF_TO_LE : m[2] === 'be' ? BPF_ALU | BPF_END | BPF_TO_BE : BPF_ALU64 | BPF_END;
      return { insn: insn(code, parseRegister(m[1]!, 'r'), 0, 0, Number(m[3])) };
    },
  ],
  // Negation: rD = -rD
  [
    /^([rw]\d+)\s*=\s*-([rw]\d+)$/,
    (m) => {
      if (m[1] !== m[2]) throw new OperandError('negation must write its own register');
      const w = width(m[1]!);
      return { insn: insn((w === 'w' ? BPF_ALU : BPF_ALU64) | BPF_NEG, parseRegister(m[1]!, w)) };
    },
  ],
  // Moves: rD = rS, rD = (s8)rS, rD = imm
  [
    new RegExp(`^(${REG})\\s*=\\s*(?:\\(s(8|16|32)\\))?(${REG}|${NUM})$`),
    (m) => {
      const w = width(m[1]!);
      const cls = w === 'w' ? BPF_ALU : BPF_ALU64;
      const dst = parseRegister(m[1]!, w);
      const src = regOrUndefined(m[3]!, w);
      const sx = m[2] ? Number(m[2]) : 0;
      if (src !== undefined) return { insn: insn(cls | BPF_MOV | BPF_X, dst, src, sx) };
      if (sx) throw new OperandError('sign extension needs a register source');
      return { insn: insn(cls | BPF_MOV | BPF_K, dst, 0, 0, parseImm32(m[3]!)) };
    },
  ],
  // Compound assignment: rD += rS, wD s/= 0x3
  [
    new RegExp(`^(${REG})\\s*(s?)(\\+|-|\\*|/|\\||&|<<|>>|%|\\^|s>>)=\\s*(${REG}|${NUM})$`),
    (m) => {
      const w = width(m[1]!);
      const operator = `${m[3]}=`;
      let op = [...ALU_OPERATORS].find(([, text]) => text === operator)?.[0];
      if (m[2] === 's' && operator === '>>=') op = [...ALU_OPERATORS].find(([, text]) => text === 's>>=')?.[0];
      if (op === undefined) throw new OperandError(`invalid operator ${m[2]}${operator}`);
      const signed = m[2] === 's' && (op === BPF_DIV || op === BPF_MOD);
      if (m[2] === 's' && !signed && operator !== '>>=') throw new OperandError(`invalid operator s${operator}`);
      const cls = w === 'w' ? BPF_ALU : BPF_ALU64;
      const dst = parseRegister(m[1]!, w);
      const src = regOrUndefined(m[4]!, w);
      const off = signed ? 1 : 0;
      if (src !== undefined) return { insn: insn(cls | op | BPF_X, dst, src, off) };
      return { insn: insn(cls | op | BPF_K, dst, 0, off, parseImm32(m[4]!)) };
    },
  ],
];

/** Parses one LLVM-dialect instruction; undefined when no form matches. */
export function parseLlvmLine(text: string): ParsedInsn | undefined {
  const t = text.trim().replace(/\s+/g, ' ');
  for (const [pattern, build] of RULES) {
    const m = pattern.exec(t);
    if (m) return build(m);
  }
  return undefined;
}
