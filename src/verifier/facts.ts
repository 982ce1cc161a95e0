import type { InsnArray } from '../isa/instruction.js';
import { BPF_ALU, BPF_ALU64, BPF_CALL, BPF_CLASS, BPF_END, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LDX, BPF_MOV, BPF_OP, BPF_SRC, BPF_ST, BPF_STX, BPF_X } from '../isa/opcodes.js';
import { RegType, regTypeName, type RegState } from './reg.js';
import type { FuncState } from './state.js';
import { isNeg, isU32, toBigS, word } from './word.js';

/** What an operand holds on every path to its instruction. */
export interface OperandFact {
  /**
   * The register's type on every path ('scalar', 'pkt', 'map_value', 'fp',
   * 'ctx', ..., the kernel's names), or 'mixed' when paths disagree.
   */
  readonly type: string;
  /** Its value when it is the same constant on every path (scalars only). */
  readonly constant?: bigint;
  /** A scalar below 2^32 on every path: 32-bit arithmetic gives the same result. */
  readonly fitsU32: boolean;
  /** A scalar at least 0 as a signed 64-bit number on every path. */
  readonly nonNegative: boolean;
}

/** The facts at one instruction, for the operands it reads. */
export interface InsnFact {
  /** Times the verifier walked through it; 0 means no path reaches it. */
  readonly visits: number;
  readonly dst: OperandFact | undefined;
  readonly src: OperandFact | undefined;
  /**
   * For a load, store or atomic: the type of the pointer it goes through on
   * every path, every one of its accesses proven inside that memory (an
   * accepted program makes no other); 'mixed' when paths disagree.
   */
  readonly memory?: string;
}

const MIXED = -1;
const READS_DST = 1;
const READS_SRC = 2;

/** Which of its register fields an instruction reads. */
function readsOf(code: number): number {
  const cls = BPF_CLASS(code);
  const x = BPF_SRC(code) === BPF_X ? READS_SRC : 0;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      return (BPF_OP(code) === BPF_MOV ? 0 : READS_DST) | (BPF_OP(code) === BPF_END ? 0 : x);
    case BPF_LDX:
      return READS_SRC;
    case BPF_ST:
      return READS_DST;
    case BPF_STX:
      return READS_DST | READS_SRC;
    case BPF_JMP:
    case BPF_JMP32: {
      const op = BPF_OP(code);
      return op === BPF_JA || op === BPF_CALL || op === BPF_EXIT ? 0 : READS_DST | x;
    }
    default:
      return 0;
  }
}

/**
 * The verifier's proven facts, per instruction, gathered while it walks
 * every path: for the registers an instruction reads (its dst and src
 * fields), which hold pointers and to what, which are constants, which fit
 * in 32 bits or are non-negative; for memory accesses, the kind of memory.
 * Each fact is the meet over every visit, so it holds on every path the
 * kernel would let the program take: what the JIT may compile to.
 */
export class JitFacts {
  private readonly visits: Uint32Array;
  /** Per instruction and operand (i * 2 + 0 for dst, + 1 for src): the type, MIXED, or NOT_INIT before the first visit. */
  private readonly types: Int8Array;
  private readonly constKnown: Uint8Array;
  /** The constant's halves, as a Word holds them. */
  private readonly constHi: Int32Array;
  private readonly constLo: Int32Array;
  private readonly u32: Uint8Array;
  private readonly nonNeg: Uint8Array;

  constructor(private readonly insns: InsnArray) {
    const n = insns.length;
    this.visits = new Uint32Array(n);
    this.types = new Int8Array(n * 2);
    this.constKnown = new Uint8Array(n * 2);
    this.constHi = new Int32Array(n * 2);
    this.constLo = new Int32Array(n * 2);
    this.u32 = new Uint8Array(n * 2);
    this.nonNeg = new Uint8Array(n * 2);
  }

  /** Adds what `frame` holds as instruction `i` is about to run. */
  record(i: number, frame: FuncState): void {
    const first = this.visits[i] === 0;
    this.visits[i]!++;
    const reads = readsOf(this.insns.code[i]!);
    if (reads & READS_DST) this.meet(i * 2, frame.regs[this.insns.dst[i]!], first);
    if (reads & READS_SRC) this.meet(i * 2 + 1, frame.regs[this.insns.src[i]!], first);
  }

  private meet(k: number, reg: RegState | undefined, first: boolean): void {
    const type = reg?.type ?? RegType.NOT_INIT;
    const scalar = reg !== undefined && type === RegType.SCALAR_VALUE;
    const isConst = scalar && reg.value.isConst();
    const u32 = scalar && isU32(reg.value.umax) ? 1 : 0;
    const nonNeg = scalar && !isNeg(reg.value.smin) ? 1 : 0;
    if (first) {
      this.types[k] = type;
      this.constKnown[k] = isConst ? 1 : 0;
      if (isConst) {
        const c = reg.value.constValue();
        this.constHi[k] = c.hi;
        this.constLo[k] = c.lo;
      }
      this.u32[k] = u32;
      this.nonNeg[k] = nonNeg;
      return;
    }
    if (this.types[k] !== type) this.types[k] = MIXED;
    if (this.constKnown[k] && (!isConst || this.constHi[k] !== reg.value.constValue().hi || this.constLo[k] !== reg.value.constValue().lo)) this.constKnown[k] = 0;
    this.u32[k]! &= u32;
    this.nonNeg[k]! &= nonNeg;
  }

  /** The facts at instruction `i`. */
  at(i: number): InsnFact {
    const visits = this.visits[i] ?? 0;
    if (visits === 0) return { visits, dst: undefined, src: undefined };
    const code = this.insns.code[i]!;
    const reads = readsOf(code);
    const dst = reads & READS_DST ? this.operand(i * 2) : undefined;
    const src = reads & READS_SRC ? this.operand(i * 2 + 1) : undefined;
    const cls = BPF_CLASS(code);
    // LDX reads memory through src; ST and STX (atomics included) write through dst.
    const memory = cls === BPF_LDX ? src?.type : cls === BPF_ST || cls === BPF_STX ? dst?.type : undefined;
    return { visits, dst, src, ...(memory !== undefined && { memory }) };
  }

  private operand(k: number): OperandFact {
    const t = this.types[k]!;
    return {
      type: t === MIXED ? 'mixed' : regTypeName(t as RegType),
      ...(this.constKnown[k] === 1 && { constant: toBigS(word(this.constHi[k]!, this.constLo[k]!)) }),
      fitsU32: this.u32[k] === 1,
      nonNegative: this.nonNeg[k] === 1,
    };
  }
}
