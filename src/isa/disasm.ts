import type { Insn, InsnArray } from './instruction.js';
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_INSN_SIZE,
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
  BPF_PSEUDO_FUNC,
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
import { ALU_MNEMONICS, ALU_OPERATORS, ATOMIC_OPS, JMP_CONDITIONS, LDDW_PSEUDO, SIZES, branchOffset, imm64Hex, signedHex } from './syntax.js';

/**
 * `llvm` reads like `llvm-objdump -d` (LLVM 19, default CPU); `conformance` like
 * the uBPF / bpf_conformance assembler. One deliberate difference from LLVM:
 * a BPF-to-BPF call prints its offset with a sign (`call +0x15`), because LLVM's
 * `call 0x15` reads the same as a call to helper 0x15 and would not assemble back.
 */
export type Syntax = 'llvm' | 'conformance';

/** One line per instruction (an `lddw` is one line for its two slots), in the chosen dialect. */
export function disassemble(prog: InsnArray, syntax: Syntax = 'llvm'): string[] {
  const lines: string[] = [];
  for (let i = 0; i < prog.length; i += prog.width(i)) {
    const insn = prog.at(i);
    lines.push(syntax === 'llvm' ? formatLlvm(insn) : formatConformance(insn));
  }
  return lines;
}

/**
 * A listing like `llvm-objdump -d`: slot number, the raw bytes, the instruction.
 * `names` may label slots (function symbols) as objdump does; `comments` puts a
 * `; text` line before a slot, as `llvm-objdump -S` shows source lines.
 */
export function formatListing(
  prog: InsnArray,
  names: ReadonlyMap<number, string> = new Map(),
  comments: ReadonlyMap<number, string> = new Map(),
): string {
  const bytes = prog.toBytes();
  const out: string[] = [];
  for (let i = 0; i < prog.length; i += prog.width(i)) {
    const name = names.get(i);
    if (name !== undefined) {
      if (out.length > 0) out.push('');
      out.push(`${(i * BPF_INSN_SIZE).toString(16).padStart(16, '0')} <${name}>:`);
    }
    const comment = comments.get(i);
    if (comment !== undefined) out.push(`; ${comment}`);
    const raw = bytes.subarray(i * BPF_INSN_SIZE, (i + prog.width(i)) * BPF_INSN_SIZE);
    const hex = Array.from(raw, (b) => b.toString(16).padStart(2, '0')).join(' ');
    out.push(`${String(i).padStart(8)}:\t${hex}\t${formatLlvm(prog.at(i))}`);
  }
  return out.join('\n');
}

const sizeBits = (code: number): number => SIZES.find((s) => s.size === BPF_SIZE(code))!.bits;
const sizeSuffix = (code: number): string => SIZES.find((s) => s.size === BPF_SIZE(code))!.suffix;

function mem(base: number, off: number): string {
  return `(r${base} ${off < 0 ? '-' : '+'} 0x${Math.abs(off).toString(16)})`;
}

export function formatLlvm(insn: Insn): string {
  const { code, dst, src, off, imm } = insn;
  const cls = BPF_CLASS(code);
  const op = BPF_OP(code);
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const w = cls === BPF_ALU ? 'w' : 'r';
    const rhs = BPF_SRC(code) === BPF_X ? `${w}${src}` : signedHex(imm);
    switch (op) {
      case BPF_NEG:
        return `${w}${dst} = -${w}${dst}`;
      case BPF_END: {
        const kind = cls === BPF_ALU64 ? 'bswap' : BPF_SRC(code) === BPF_TO_BE ? 'be' : 'le';
        return `r${dst} = ${kind}${imm} r${dst}`;
      }
      case BPF_MOV:
        return off !== 0 ? `${w}${dst} = (s${off})${w}${src}` : `${w}${dst} = ${rhs}`;
      default: {
        const sign = off === 1 && (op === BPF_DIV || op === BPF_MOD) ? 's' : '';
        return `${w}${dst} ${sign}${ALU_OPERATORS.get(op)} ${rhs}`;
      }
    }
  }
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    const w = cls === BPF_JMP ? 'r' : 'w';
    switch (op) {
      case BPF_JA:
        return cls === BPF_JMP ? `goto ${branchOffset(off)}` : `gotol ${branchOffset(imm)}`;
      case BPF_JCOND:
        return `may_goto ${branchOffset(off)}`;
      case BPF_EXIT:
        return 'exit';
      case BPF_CALL:
        if (BPF_SRC(code) === BPF_X) return `callx r${dst}`;
        if (src === BPF_PSEUDO_CALL) return `call ${branchOffset(imm)}`;
        if (src === BPF_PSEUDO_KFUNC_CALL) return `call kfunc ${signedHex(imm)}`;
        return `call 0x${(imm >>> 0).toString(16)}`;
      default: {
        const cond = JMP_CONDITIONS.find((c) => c.op === op)!;
        const rhs = BPF_SRC(code) === BPF_X ? `${w}${src}` : signedHex(imm);
        return `if ${w}${dst} ${cond.operator} ${rhs} goto ${branchOffset(off)}`;
      }
    }
  }
  if (cls === BPF_LDX) {
    return `r${dst} = *(${BPF_MODE(code) === BPF_MEMSX ? 's' : 'u'}${sizeBits(code)} *)${mem(src, off)}`;
  }
  if (cls === BPF_ST) return `*(u${sizeBits(code)} *)${mem(dst, off)} = ${signedHex(imm)}`;
  if (cls === BPF_STX) {
    if (BPF_MODE(code) !== BPF_ATOMIC) return `*(u${sizeBits(code)} *)${mem(dst, off)} = r${src}`;
    return formatAtomicLlvm(code, dst, src, off, imm);
  }
  if (code === BPF_LDDW) return `r${dst} = ${formatLddwSource(insn, 'llvm')} ll`;
  const bits = sizeBits(code);
  if (BPF_MODE(code) === BPF_ABS) return `r0 = *(u${bits} *)skb[${signedHex(imm)}]`;
  return `r0 = *(u${bits} *)skb[r${src} ${imm < 0 ? '-' : '+'} 0x${Math.abs(imm).toString(16)}]`;
}

function formatAtomicLlvm(code: number, dst: number, src: number, off: number, imm: number): string {
  const bits = sizeBits(code);
  const w = bits === 64 ? 'r' : 'w';
  const at = `r${dst} ${off < 0 ? '-' : '+'} 0x${Math.abs(off).toString(16)}`;
  if (imm === BPF_LOAD_ACQ) return `${w}${dst} = load_acquire((u${bits} *)${mem(src, off)})`;
  if (imm === BPF_STORE_REL) return `store_release((u${bits} *)${mem(dst, off)}, ${w}${src})`;
  if (imm === BPF_XCHG) return `${w}${src} = ${bits === 64 ? 'xchg_64' : 'xchg32_32'}(${at}, ${w}${src})`;
  if (imm === BPF_CMPXCHG) return `${w}0 = ${bits === 64 ? 'cmpxchg_64' : 'cmpxchg32_32'}(${at}, ${w}0, ${w}${src})`;
  const name = [...ATOMIC_OPS].find(([, v]) => v === (imm & ~BPF_FETCH))![0];
  if (imm & BPF_FETCH) return `${w}${src} = atomic_fetch_${name}((u${bits} *)${mem(dst, off)}, ${w}${src})`;
  const operator = { add: '+', or: '|', and: '&', xor: '^' }[name];
  return `lock *(u${bits} *)${mem(dst, off)} ${operator}= ${w}${src}`;
}

/** The immediate of an lddw, by its source kind. */
function formatLddwSource(insn: Insn, syntax: 'llvm' | 'conformance'): string {
  const imm2 = insn.imm2 ?? 0;
  if (insn.src === 0) return imm64Hex(insn.imm, imm2);
  const kind = LDDW_PSEUDO.find((p) => p.src === insn.src)!;
  const first = insn.src === BPF_PSEUDO_FUNC ? branchOffset(insn.imm) : signedHex(insn.imm);
  if (syntax === 'llvm') return kind.hasOffset ? `${kind.name}(${first}, ${signedHex(imm2)})` : `${kind.name}(${first})`;
  return kind.hasOffset ? `${kind.name} ${first}, ${signedHex(imm2)}` : `${kind.name} ${first}`;
}

function cmem(base: number, off: number): string {
  return `[%r${base}${off < 0 ? '-' : '+'}${Math.abs(off)}]`;
}

export function formatConformance(insn: Insn): string {
  const { code, dst, src, off, imm } = insn;
  const cls = BPF_CLASS(code);
  const op = BPF_OP(code);
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const suffix = cls === BPF_ALU ? '32' : '';
    const rhs = BPF_SRC(code) === BPF_X ? `%r${src}` : String(imm);
    if (op === BPF_END) {
      const kind = cls === BPF_ALU64 ? 'bswap' : BPF_SRC(code) === BPF_TO_BE ? 'be' : 'le';
      return `${kind}${imm} %r${dst}`;
    }
    if (op === BPF_NEG) return `neg${suffix} %r${dst}`;
    if (op === BPF_MOV && off !== 0) return `movsx${off}${cls === BPF_ALU ? '32' : '64'} %r${dst}, %r${src}`;
    const name = [...ALU_MNEMONICS].find(([, v]) => v === op)![0];
    const sign = off === 1 ? 's' : '';
    return `${sign}${name}${suffix} %r${dst}, ${rhs}`;
  }
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    const suffix = cls === BPF_JMP ? '' : '32';
    switch (op) {
      case BPF_JA:
        return cls === BPF_JMP ? `ja ${branchOffset(off)}` : `ja32 ${branchOffset(imm)}`;
      case BPF_JCOND:
        return `may_goto ${branchOffset(off)}`;
      case BPF_EXIT:
        return 'exit';
      case BPF_CALL:
        if (BPF_SRC(code) === BPF_X) return `call %r${dst}`;
        if (src === BPF_PSEUDO_CALL) return `call local ${branchOffset(imm)}`;
        if (src === BPF_PSEUDO_KFUNC_CALL) return `call runtime ${imm}`;
        return `call ${imm}`;
      default: {
        const cond = JMP_CONDITIONS.find((c) => c.op === op)!;
        const rhs = BPF_SRC(code) === BPF_X ? `%r${src}` : String(imm);
        return `${cond.mnemonic}${suffix} %r${dst}, ${rhs}, ${branchOffset(off)}`;
      }
    }
  }
  const sfx = sizeSuffix(code);
  if (cls === BPF_LDX) return `ldx${BPF_MODE(code) === BPF_MEMSX ? 's' : ''}${sfx} %r${dst}, ${cmem(src, off)}`;
  if (cls === BPF_ST) return `st${sfx} ${cmem(dst, off)}, ${imm}`;
  if (cls === BPF_STX) {
    if (BPF_MODE(code) !== BPF_ATOMIC) return `stx${sfx} ${cmem(dst, off)}, %r${src}`;
    if (imm === BPF_LOAD_ACQ) return `load_acq${sfx} %r${dst}, ${cmem(src, off)}`;
    if (imm === BPF_STORE_REL) return `store_rel${sfx} ${cmem(dst, off)}, %r${src}`;
    const w = sfx === 'w' ? '32' : '';
    if (imm === BPF_XCHG) return `lock xchg${w} ${cmem(dst, off)}, %r${src}`;
    if (imm === BPF_CMPXCHG) return `lock cmpxchg${w} ${cmem(dst, off)}, %r${src}`;
    const name = [...ATOMIC_OPS].find(([, v]) => v === (imm & ~BPF_FETCH))![0];
    return `lock ${imm & BPF_FETCH ? 'fetch ' : ''}${name}${w} ${cmem(dst, off)}, %r${src}`;
  }
  if (code === BPF_LDDW) return `lddw %r${dst}, ${formatLddwSource(insn, 'conformance')}`;
  if (BPF_MODE(code) === BPF_ABS) return `ldabs${sfx} ${imm}`;
  return `ldind${sfx} %r${src}, ${imm}`;
}
