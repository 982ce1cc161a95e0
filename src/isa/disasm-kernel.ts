import type { Insn } from './instruction.js';
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LDDW,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MODE,
  BPF_MOV,
  BPF_NEG,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_TO_BE,
  BPF_X,
  BPF_XCHG,
} from './opcodes.js';
import { BPF_JCOND } from './decode.js';
import { ALU_OPERATORS, ATOMIC_OPS, JMP_CONDITIONS, SIZES } from './syntax.js';

/** What the kernel's printer asks its caller for: a helper's name, and how to show an lddw's value (a map, say). */
export interface KernelPrintNames {
  helper(id: number): string;
  imm64?(insn: Insn): string | undefined;
}

const sizeName = (code: number): string => `u${SIZES.find((s) => s.size === BPF_SIZE(code))!.bits}`;
/** `(r1 +4)`, `(r10 -8)`: the kernel's `%+d` after a space. */
const at = (reg: number, off: number): string => `(r${reg} ${off < 0 ? '' : '+'}${off})`;
const pc = (off: number): string => `pc${off < 0 ? '' : '+'}${off}`;

/**
 * One instruction as the kernel's verifier log prints it (print_bpf_insn in
 * kernel/bpf/disasm.c): the opcode in hex, then the instruction with decimal
 * offsets and immediates, jumps as `pc+N`, helpers by name, `(u32 *)(r1 +4)`.
 */
export function formatKernelInsn(insn: Insn, names: KernelPrintNames): string {
  const { code, dst, src, off, imm } = insn;
  const head = `(${code.toString(16).padStart(2, '0')}) `;
  const cls = BPF_CLASS(code);
  const op = BPF_OP(code);
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const w = cls === BPF_ALU64 ? 'r' : 'w';
    if (op === BPF_END) {
      const kind = cls === BPF_ALU64 ? 'bswap' : BPF_SRC(code) === BPF_TO_BE ? 'be' : 'le';
      return `${head}r${dst} = ${kind}${imm} r${dst}`;
    }
    if (op === BPF_NEG) return `${head}${w}${dst} = -${w}${dst}`;
    if (op === BPF_MOV && (off === 8 || off === 16 || off === 32) && BPF_SRC(code) === BPF_X) return `${head}${w}${dst} = (s${off})${w}${src}`;
    const signed = off === 1 && (op === BPF_DIV || op === BPF_MOD) ? 's' : '';
    const operator = op === BPF_MOV ? '=' : `${signed}${ALU_OPERATORS.get(op)}`;
    return `${head}${w}${dst} ${operator} ${BPF_SRC(code) === BPF_X ? `${w}${src}` : imm}`;
  }
  if (cls === BPF_STX) {
    if (BPF_MODE(code) !== BPF_ATOMIC) return `${head}*(${sizeName(code)} *)${at(dst, off)} = r${src}`;
    const size = sizeName(code);
    const wide = BPF_SIZE(code) === BPF_DW ? '64' : '';
    if (imm === BPF_LOAD_ACQ) return `${head}r${dst} = load_acquire((${size} *)${at(src, off)})`;
    if (imm === BPF_STORE_REL) return `${head}store_release((${size} *)${at(dst, off)}, r${src})`;
    if (imm === BPF_XCHG) return `${head}r${src} = atomic${wide}_xchg((${size} *)${at(dst, off)}, r${src})`;
    if (imm === BPF_CMPXCHG) return `${head}r0 = atomic${wide}_cmpxchg((${size} *)${at(dst, off)}, r0, r${src})`;
    const found = [...ATOMIC_OPS].find(([, v]) => v === (imm & ~BPF_FETCH));
    // print_bpf_insn has no words for an atomic operation it does not know.
    if (!found) return `BUG_${code.toString(16).padStart(2, '0')}`;
    const [name] = found;
    if (imm & BPF_FETCH) return `${head}r${src} = atomic${wide}_fetch_${name}((${size} *)${at(dst, off)}, r${src})`;
    return `${head}lock *(${size} *)${at(dst, off)} ${ALU_OPERATORS.get(imm & ~BPF_FETCH)!} r${src}`;
  }
  if (cls === BPF_ST) return `${head}*(${sizeName(code)} *)${at(dst, off)} = ${imm}`;
  if (cls === BPF_LDX) {
    const size = BPF_MODE(code) === BPF_MEMSX ? sizeName(code).replace('u', 's') : sizeName(code);
    return `${head}r${dst} = *(${size} *)${at(src, off)}`;
  }
  if (code === BPF_LDDW) {
    const shown = names.imm64?.(insn);
    const value = ((BigInt(insn.imm2 ?? 0) << 32n) | BigInt(imm >>> 0)).toString(16);
    return `${head}r${dst} = ${shown ?? `0x${value}`}`;
  }
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    const w = cls === BPF_JMP ? 'r' : 'w';
    if (op === BPF_CALL) {
      if (BPF_SRC(code) === BPF_X) return `${head}callx r${dst}`;
      if (src === BPF_PSEUDO_CALL) return `${head}call ${pc(imm)}`;
      if (src === BPF_PSEUDO_KFUNC_CALL) return `${head}call kernel-function`;
      return `${head}call ${names.helper(imm)}#${imm}`;
    }
    if (op === BPF_EXIT) return `${head}exit`;
    if (op === BPF_JA) return cls === BPF_JMP ? `${head}goto ${pc(off)}` : `${head}gotol ${pc(imm)}`;
    if (op === BPF_JCOND) return `${head}may_goto ${pc(off)}`;
    const cond = JMP_CONDITIONS.find((c) => c.op === op)!;
    const rhs = BPF_SRC(code) === BPF_X ? `${w}${src}` : `0x${(imm >>> 0).toString(16)}`;
    return `${head}if ${w}${dst} ${cond.operator} ${rhs} goto ${pc(off)}`;
  }
  const size = sizeName(code);
  if (BPF_MODE(code) === BPF_ABS) return `${head}r0 = *(${size} *)skb[${imm}]`;
  return `${head}r0 = *(${size} *)skb[r${src} + ${imm}]`;
}
