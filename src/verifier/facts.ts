import type { InsnArray } from '../isa/instruction.js';
import { BPF_ALU, BPF_ALU64, BPF_ATOMIC, BPF_CALL, BPF_CLASS, BPF_END, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LDX, BPF_LOAD_ACQ, BPF_MODE, BPF_MOV, BPF_OP, BPF_SIZE, BPF_SRC, BPF_ST, BPF_STX, BPF_X } from '../isa/opcodes.js';
import type { VerifierMap } from './env.js';
import { RegType, typeNameWithFlags, type RegState } from './reg.js';
import type { FuncState } from './state.js';
import { isNeg, isU32, toBigS, toNumberS, word } from './word.js';

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
  /**
   * A pointer's offset from the start of what it points to (the packet's
   * data, the map value, the frame's top for the stack, which is negative),
   * when it is the same number on every path.
   */
  readonly offset?: number;
  /** For map pointers, values and keys: the map, by its index in the verifier's input, when the same on every path. */
  readonly map?: number;
  /**
   * For stack pointers: whose stack, when the same on every path: 0 the
   * function's own, 1 its caller's, and so on up the calls. Offsets and
   * access spans of stack pointers are given only with it.
   */
  readonly frame?: number;
}

/** The bytes a load or store touches, from the start of its memory, over every path: [lo, hi). */
export interface AccessSpan {
  readonly lo: number;
  readonly hi: number;
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
  /** For a load, store or atomic through a pointer: the bytes it may touch on any path, every one proven inside its memory. */
  readonly access?: AccessSpan;
}

const MIXED = -1;
/** Flags kept with a type in `types`, above its RegType. */
const MAYBE_NULL = 1 << 8;
const RDONLY = 1 << 9;
const RINGBUF = 1 << 10;
const TYPE_MASK = 0xff;
/** `offsets` and `maps` entries: none seen yet, or paths that disagree. */
const UNSEEN = 0x7fffffff;
const VARIES = -0x80000000;
/** `frames` and `accessFrames` entries likewise. */
const NO_FRAME = -1;
const FRAMES_VARY = -2;
const READS_DST = 1;
const READS_SRC = 2;

/** Which of its register fields an instruction reads. */
function readsOf(code: number, imm: number): number {
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
      return isLoadAcquire(code, imm) ? READS_SRC : READS_DST | READS_SRC;
    case BPF_JMP:
    case BPF_JMP32: {
      const op = BPF_OP(code);
      return op === BPF_JA || op === BPF_CALL || op === BPF_EXIT ? 0 : READS_DST | x;
    }
    default:
      return 0;
  }
}
const SIZE_BYTES: Record<number, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };

/**
 * The verifier's proven facts, per instruction, gathered while it walks
 * every path: for the registers an instruction reads (its dst and src
 * fields), which hold pointers, to what and where, which are constants,
 * which fit in 32 bits or are non-negative; for memory accesses, the kind
 * of memory and the bytes touched. Each fact is the meet over every visit.
 * They hold on every path the kernel would let the program take only when
 * the walk pruned no path whose values it did not cover: jitFacts (in
 * program.ts) arranges that.
 */
export class JitFacts {
  private readonly visits: Uint32Array;
  /** Per instruction and operand (i * 2 + 0 for dst, + 1 for src): the type with its flags, MIXED, or NOT_INIT before the first visit. */
  private readonly types: Int16Array;
  private readonly constKnown: Uint8Array;
  /** The constant's halves, as a Word holds them. */
  private readonly constHi: Int32Array;
  private readonly constLo: Int32Array;
  private readonly u32: Uint8Array;
  private readonly nonNeg: Uint8Array;
  /** Per operand: a pointer's constant offset, and its map's index (UNSEEN, VARIES, or the value). */
  private readonly offsets: Int32Array;
  private readonly maps: Int32Array;
  /** Per operand: for a stack pointer, how many calls up its frame is (NO_FRAME for other pointers, FRAMES_VARY). */
  private readonly frames: Int8Array;
  /** Per instruction: the lowest and highest byte a memory access touches, [lo, hi), and the frame of a stack access. */
  private readonly accessLo: Int32Array;
  private readonly accessHi: Int32Array;
  private readonly accessFrames: Int8Array;
  /** Whether what is known of scalars holds on every path (see program.ts's jitFacts). */
  private scalars = true;

  constructor(
    private readonly insns: InsnArray,
    private readonly mapList: readonly VerifierMap[],
  ) {
    const n = insns.length;
    this.visits = new Uint32Array(n);
    this.types = new Int16Array(n * 2);
    this.constKnown = new Uint8Array(n * 2);
    this.constHi = new Int32Array(n * 2);
    this.constLo = new Int32Array(n * 2);
    this.u32 = new Uint8Array(n * 2);
    this.nonNeg = new Uint8Array(n * 2);
    this.offsets = new Int32Array(n * 2).fill(UNSEEN);
    this.maps = new Int32Array(n * 2).fill(UNSEEN);
    this.frames = new Int8Array(n * 2).fill(NO_FRAME);
    this.accessLo = new Int32Array(n).fill(UNSEEN);
    this.accessHi = new Int32Array(n).fill(-UNSEEN);
    this.accessFrames = new Int8Array(n).fill(NO_FRAME);
  }

  /** Adds what `frame` holds as instruction `i` is about to run. */
  record(i: number, frame: FuncState): void {
    const first = this.visits[i] === 0;
    this.visits[i]!++;
    const code = this.insns.code[i]!;
    const imm = this.insns.imm[i]!;
    const reads = readsOf(code, imm);
    if (reads & READS_DST) this.meet(i * 2, frame.regs[this.insns.dst[i]!], frame.frameno, first);
    if (reads & READS_SRC) this.meet(i * 2 + 1, frame.regs[this.insns.src[i]!], frame.frameno, first);
    const through = memoryOperand(code, imm);
    if (through >= 0) {
      const ptr = frame.regs[through === 0 ? this.insns.dst[i]! : this.insns.src[i]!];
      if (ptr?.isPointer === true) {
        const base = ptr.off + this.insns.off[i]!;
        this.accessLo[i] = Math.min(this.accessLo[i]!, base + toNumberS(ptr.value.smin));
        this.accessHi[i] = Math.max(this.accessHi[i]!, base + toNumberS(ptr.value.smax) + SIZE_BYTES[BPF_SIZE(code)]!);
        this.accessFrames[i] = meetFrame(first, this.accessFrames[i]!, stackFrame(ptr, frame.frameno));
      }
    }
  }

  /** Whether some path reaches instruction `i` (insn_aux_data.seen): what none reaches is dead code. */
  reached(i: number): boolean {
    return this.visits[i] !== 0;
  }

  /** Drops what is known of scalars, which the walk could not show for every path. */
  withoutScalars(): this {
    this.scalars = false;
    return this;
  }

  private meet(k: number, reg: RegState | undefined, frameno: number, first: boolean): void {
    const type = reg === undefined ? RegType.NOT_INIT : reg.type | (reg.maybeNull ? MAYBE_NULL : 0) | (reg.rdonly ? RDONLY : 0) | (reg.type === RegType.PTR_TO_MEM && reg.memKind === 'ringbuf' ? RINGBUF : 0);
    const scalar = reg !== undefined && reg.type === RegType.SCALAR_VALUE;
    const isConst = scalar && reg.value.isConst();
    const u32 = scalar && isU32(reg.value.umax) ? 1 : 0;
    const nonNeg = scalar && !isNeg(reg.value.smin) ? 1 : 0;
    const pointer = reg?.isPointer === true;
    const offset = pointer && reg.value.isConst() ? reg.off + toNumberS(reg.value.constValue()) : VARIES;
    const map = pointer && reg.map !== undefined ? this.mapList.indexOf(reg.map) : -1;
    this.offsets[k] = this.offsets[k] === UNSEEN || this.offsets[k] === offset ? offset : VARIES;
    this.maps[k] = this.maps[k] === UNSEEN || this.maps[k] === map ? map : VARIES;
    this.frames[k] = meetFrame(first, this.frames[k]!, reg === undefined ? NO_FRAME : stackFrame(reg, frameno));
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
    const imm = this.insns.imm[i]!;
    const reads = readsOf(code, imm);
    const dst = reads & READS_DST ? this.operand(i * 2) : undefined;
    const src = reads & READS_SRC ? this.operand(i * 2 + 1) : undefined;
    const through = memoryOperand(code, imm);
    const memory = through === 0 ? dst?.type : through === 1 ? src?.type : undefined;
    const access = memory !== undefined && this.accessLo[i]! <= this.accessHi[i]! && this.accessFrames[i] !== FRAMES_VARY ? { lo: this.accessLo[i]!, hi: this.accessHi[i]! } : undefined;
    return { visits, dst, src, ...(memory !== undefined && { memory }), ...(access && { access }) };
  }

  private operand(k: number): OperandFact {
    const t = this.types[k]!;
    const base = (t & TYPE_MASK) as RegType;
    const type = t === MIXED ? 'mixed' : typeNameWithFlags(base, (t & MAYBE_NULL) !== 0, (t & RDONLY) !== 0, (t & RINGBUF) !== 0 ? 'ringbuf' : 'plain');
    const pointer = t !== MIXED && base !== RegType.SCALAR_VALUE && base !== RegType.NOT_INIT;
    const scalars = this.scalars && t === RegType.SCALAR_VALUE;
    const frame = this.frames[k]!;
    // A stack offset means something only with the frame it is in.
    const offset = frame === FRAMES_VARY ? VARIES : this.offsets[k]!;
    const map = this.maps[k]!;
    return {
      type,
      ...(scalars && this.constKnown[k] === 1 && { constant: toBigS(word(this.constHi[k]!, this.constLo[k]!)) }),
      fitsU32: scalars && this.u32[k] === 1,
      nonNegative: scalars && this.nonNeg[k] === 1,
      ...(pointer && offset !== VARIES && { offset }),
      ...(pointer && map >= 0 && { map }),
      ...(pointer && frame >= 0 && { frame }),
    };
  }
}

/** Which operand a load, store or atomic reaches memory through: 0 for dst, 1 for src, -1 for none. */
function memoryOperand(code: number, imm: number): number {
  const cls = BPF_CLASS(code);
  if (cls === BPF_LDX || isLoadAcquire(code, imm)) return 1;
  return cls === BPF_ST || cls === BPF_STX ? 0 : -1;
}

/** load_acquire, an atomic that only reads: dst = *(src + off). */
function isLoadAcquire(code: number, imm: number): boolean {
  return BPF_CLASS(code) === BPF_STX && BPF_MODE(code) === BPF_ATOMIC && imm === BPF_LOAD_ACQ;
}

/** For a stack pointer walked in frame `frameno`, how many calls up the frame it points into is; NO_FRAME for other registers. */
function stackFrame(reg: RegState, frameno: number): number {
  return reg.type === RegType.PTR_TO_STACK ? frameno - reg.frameno : NO_FRAME;
}

function meetFrame(first: boolean, seen: number, now: number): number {
  return first || seen === now ? now : FRAMES_VARY;
}
