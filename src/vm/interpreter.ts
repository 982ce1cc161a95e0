import type { InsnArray } from '../isa/instruction.js';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_B,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_H,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLT,
  BPF_LDDW,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_LSH,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MODE,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OP,
  BPF_OR,
  BPF_PSEUDO_CALL,
  BPF_RSH,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_SUB,
  BPF_TO_BE,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  MAX_BPF_STACK,
  MAX_CALL_FRAMES,
} from '../isa/opcodes.js';
import { BPF_JCOND } from '../isa/decode.js';
import { RuntimeError } from './errors.js';
import type { HelperCall, HelperTable } from './helper.js';
import {
  arsh64,
  bswap16,
  bswap32,
  lsh64,
  mul64,
  rsh64,
  sdivmod32,
  sdivmod64,
  slt64,
  udivmod32,
  udivmod64,
  ult64,
} from './int64.js';
import type { Memory } from './memory.js';

const LOAD_ACQ_B = BPF_STX | BPF_ATOMIC | BPF_B;
const LOAD_ACQ_H = BPF_STX | BPF_ATOMIC | BPF_H;
const LOAD_ACQ_W = BPF_STX | BPF_ATOMIC | BPF_W;
const LOAD_ACQ_DW = BPF_STX | BPF_ATOMIC | BPF_DW;

/** Instructions one run may execute before it is stopped (the default). */
export const DEFAULT_INSN_BUDGET = 1_000_000;

/** The kernel's budget for `may_goto` (BPF_MAX_LOOPS). */
const BPF_MAX_LOOPS = 8 * 1024 * 1024;

export interface InterpreterOptions {
  budget?: number;
}

/** Saved per call frame: return slot, R6-R9 as pairs, R10. */
const FRAME_WORDS = 10;

/** MAX_TAIL_CALL_CNT: tail calls one run may make. */
export const MAX_TAIL_CALL_CNT = 33;

/**
 * The reference interpreter: a switch over pre-decoded slot arrays with exact
 * 64-bit semantics on int32 pairs. Registers live in `regs` (low half of Rn at
 * 2n, high at 2n+1); the caller sets R1-R5 before `run`, which sets R10 and
 * returns when the outermost frame exits, leaving R0 in `regs`.
 *
 * `exec` is re-entrant: a helper may run a BPF callback (`invoke`) in a new
 * frame, and a tail call replaces the running program in place, so each frame
 * remembers which program it returns into.
 */
export class Interpreter implements HelperCall {
  readonly regs = new Int32Array(22);
  insn = 0;
  private readonly frames = new Int32Array(MAX_CALL_FRAMES * FRAME_WORDS);
  /** The program each pushed frame returns into. */
  private readonly frameProgs: InsnArray[] = new Array(MAX_CALL_FRAMES);
  private readonly budget: number;
  private prog: InsnArray;
  private depth = 0;
  private left = 0;
  private loops = 0;
  private tailCalls = 0;
  private pendingTail: InsnArray | undefined;

  constructor(
    private readonly entry: InsnArray,
    readonly memory: Memory,
    private readonly helpers: HelperTable,
    /** Address one past the outermost frame's stack; deeper frames sit below it. */
    private readonly stackTop: number,
    options: InterpreterOptions = {},
  ) {
    this.budget = options.budget ?? DEFAULT_INSN_BUDGET;
    this.prog = entry;
  }

  /** R0 as an unsigned 64-bit value. */
  get r0(): bigint {
    return (BigInt(this.regs[1]! >>> 0) << 32n) | BigInt(this.regs[0]! >>> 0);
  }

  /** Runs from instruction 0; returns the low 32 bits of R0 (an XDP verdict). */
  run(): number {
    this.prog = this.entry;
    this.depth = 0;
    this.left = this.budget;
    this.loops = BPF_MAX_LOOPS;
    this.tailCalls = 0;
    this.pendingTail = undefined;
    this.regs[20] = this.stackTop;
    this.regs[21] = 0;
    return this.exec(0, 0);
  }

  tailCall(target: InsnArray): boolean {
    if (this.tailCalls >= MAX_TAIL_CALL_CNT) return false;
    this.tailCalls++;
    this.pendingTail = target;
    return true;
  }

  invoke(func: number, args: readonly number[]): number {
    const r = this.regs;
    if (func < 0 || func >= this.prog.length) throw new RuntimeError(this.insn, `callback at insn ${func} is outside the program`);
    if (this.depth + 1 >= MAX_CALL_FRAMES) {
      throw new RuntimeError(this.insn, `the call stack of ${this.depth + 2} frames is too deep`);
    }
    const saved = r.slice();
    const callerInsn = this.insn;
    for (let k = 0; k < 5; k++) {
      r[2 + 2 * k] = args[k] ?? 0;
      r[3 + 2 * k] = 0;
    }
    const depth = this.depth;
    const prog = this.prog;
    r[20] = this.stackTop - (depth + 1) * MAX_BPF_STACK;
    this.depth = depth + 1;
    this.exec(func, depth + 1);
    const result = (r[1]! >>> 0) * 4294967296 + (r[0]! >>> 0);
    r.set(saved);
    this.depth = depth;
    this.prog = prog;
    this.insn = callerInsn;
    return result;
  }

  /**
   * Runs `this.prog` from `startPc` in frame `this.depth` until the frame at
   * `baseDepth` exits; returns the low 32 bits of R0.
   */
  private exec(startPc: number, baseDepth: number): number {
    let { code, dst: dsts, src: srcs, off: offs, imm: imms } = this.prog;
    const r = this.regs;
    const mem = this.memory;
    const view = mem.view;
    const frames = this.frames;
    let depth = this.depth;
    let left = this.left;
    let pc = startPc;

    for (;;) {
      if (--left < 0) throw new RuntimeError(pc, `instruction budget of ${this.budget} exhausted`);
      const op = code[pc]!;
      const d = dsts[pc]! << 1;
      const s = srcs[pc]! << 1;
      const imm = imms[pc]!;
      const cls = BPF_CLASS(op);

      if (cls === BPF_ALU64) {
        const useReg = BPF_SRC(op) === BPF_X;
        const blo = useReg ? r[s]! : imm;
        const bhi = useReg ? r[s + 1]! : imm >> 31;
        const alo = r[d]!;
        const ahi = r[d + 1]!;
        switch (BPF_OP(op)) {
          case BPF_ADD: {
            const lo = (alo >>> 0) + (blo >>> 0);
            r[d] = lo;
            r[d + 1] = (ahi + bhi + (lo > 0xffffffff ? 1 : 0)) | 0;
            break;
          }
          case BPF_SUB: {
            const lo = (alo >>> 0) - (blo >>> 0);
            r[d] = lo;
            r[d + 1] = (ahi - bhi - (lo < 0 ? 1 : 0)) | 0;
            break;
          }
          case BPF_MUL:
            mul64(r, d, alo, ahi, blo, bhi);
            break;
          case BPF_DIV:
          case BPF_MOD: {
            const isMod = BPF_OP(op) === BPF_MOD;
            if (blo === 0 && bhi === 0) {
              // x / 0 = 0 and x % 0 = x (RFC 9669, section 4.1).
              if (!isMod) r[d] = r[d + 1] = 0;
            } else if (offs[pc] === 1) {
              sdivmod64(r, d, alo, ahi, blo, bhi, isMod);
            } else {
              udivmod64(r, d, alo, ahi, blo, bhi, isMod);
            }
            break;
          }
          case BPF_OR:
            r[d] = alo | blo;
            r[d + 1] = ahi | bhi;
            break;
          case BPF_AND:
            r[d] = alo & blo;
            r[d + 1] = ahi & bhi;
            break;
          case BPF_XOR:
            r[d] = alo ^ blo;
            r[d + 1] = ahi ^ bhi;
            break;
          case BPF_LSH:
            lsh64(r, d, alo, ahi, blo & 63);
            break;
          case BPF_RSH:
            rsh64(r, d, alo, ahi, blo & 63);
            break;
          case BPF_ARSH:
            arsh64(r, d, alo, ahi, blo & 63);
            break;
          case BPF_NEG: {
            r[d] = -alo | 0;
            r[d + 1] = (~ahi + (alo === 0 ? 1 : 0)) | 0;
            break;
          }
          case BPF_MOV:
            switch (offs[pc]) {
              case 8:
                r[d] = (blo << 24) >> 24;
                r[d + 1] = r[d]! >> 31;
                break;
              case 16:
                r[d] = (blo << 16) >> 16;
                r[d + 1] = r[d]! >> 31;
                break;
              case 32:
                r[d] = blo;
                r[d + 1] = blo >> 31;
                break;
              default:
                r[d] = blo;
                r[d + 1] = bhi;
            }
            break;
          case BPF_END:
            byteSwap(r, d, imm);
            break;
          default:
            throw new RuntimeError(pc, `unknown opcode ${op.toString(16)}`);
        }
        pc++;
        continue;
      }

      if (cls === BPF_ALU) {
        const b = BPF_SRC(op) === BPF_X ? r[s]! : imm;
        const a = r[d]!;
        let res: number;
        switch (BPF_OP(op)) {
          case BPF_ADD:
            res = (a + b) | 0;
            break;
          case BPF_SUB:
            res = (a - b) | 0;
            break;
          case BPF_MUL:
            res = Math.imul(a, b);
            break;
          case BPF_DIV:
            res = b === 0 ? 0 : offs[pc] === 1 ? sdivmod32(a, b, false) : udivmod32(a, b, false);
            break;
          case BPF_MOD:
            res = b === 0 ? a : offs[pc] === 1 ? sdivmod32(a, b, true) : udivmod32(a, b, true);
            break;
          case BPF_OR:
            res = a | b;
            break;
          case BPF_AND:
            res = a & b;
            break;
          case BPF_XOR:
            res = a ^ b;
            break;
          case BPF_LSH:
            res = a << (b & 31);
            break;
          case BPF_RSH:
            res = a >>> (b & 31);
            break;
          case BPF_ARSH:
            res = a >> (b & 31);
            break;
          case BPF_NEG:
            res = -a | 0;
            break;
          case BPF_MOV:
            res = offs[pc] === 8 ? (b << 24) >> 24 : offs[pc] === 16 ? (b << 16) >> 16 : b;
            break;
          case BPF_END:
            if (BPF_SRC(op) === BPF_TO_BE) {
              byteSwap(r, d, imm);
            } else {
              // To little-endian on a little-endian machine: truncate only.
              if (imm === 16) r[d] = a & 0xffff;
              if (imm !== 64) r[d + 1] = 0;
            }
            pc++;
            continue;
          default:
            throw new RuntimeError(pc, `unknown opcode ${op.toString(16)}`);
        }
        r[d] = res;
        r[d + 1] = 0;
        pc++;
        continue;
      }

      if (cls === BPF_JMP || cls === BPF_JMP32) {
        const jop = BPF_OP(op);
        if (jop === BPF_JA) {
          pc += (cls === BPF_JMP ? offs[pc]! : imm) + 1;
          continue;
        }
        if (jop === BPF_CALL) {
          if (srcs[pc] === BPF_PSEUDO_CALL) {
            if (depth + 1 >= MAX_CALL_FRAMES) {
              throw new RuntimeError(pc, `the call stack of ${depth + 2} frames is too deep`);
            }
            const f = depth * FRAME_WORDS;
            frames[f] = pc + 1;
            for (let k = 0; k < 8; k++) frames[f + 1 + k] = r[12 + k]!;
            frames[f + 9] = r[20]!;
            this.frameProgs[depth] = this.prog;
            depth++;
            r[20] = this.stackTop - depth * MAX_BPF_STACK;
            pc += imm + 1;
            continue;
          }
          const id = BPF_SRC(op) === BPF_X ? r[d]! : imm;
          const helper = this.helpers.get(id);
          if (!helper) throw new RuntimeError(pc, `call to unknown helper ${id}`);
          this.insn = pc;
          this.depth = depth;
          this.left = left;
          helper(this);
          left = this.left;
          if (this.pendingTail) {
            // bpf_tail_call: the target replaces this program in the same frame.
            this.prog = this.pendingTail;
            this.pendingTail = undefined;
            ({ code, dst: dsts, src: srcs, off: offs, imm: imms } = this.prog);
            pc = 0;
            continue;
          }
          pc++;
          continue;
        }
        if (jop === BPF_EXIT) {
          if (depth === baseDepth) {
            this.left = left;
            return r[0]!;
          }
          depth--;
          const f = depth * FRAME_WORDS;
          pc = frames[f]!;
          for (let k = 0; k < 8; k++) r[12 + k] = frames[f + 1 + k]!;
          r[20] = frames[f + 9]!;
          const back = this.frameProgs[depth]!;
          if (back !== this.prog) {
            this.prog = back;
            ({ code, dst: dsts, src: srcs, off: offs, imm: imms } = back);
          }
          continue;
        }
        if (jop === BPF_JCOND) {
          if (this.loops === 0) pc += offs[pc]! + 1;
          else {
            this.loops--;
            pc++;
          }
          continue;
        }
        const useReg = BPF_SRC(op) === BPF_X;
        const taken =
          cls === BPF_JMP
            ? compare64(jop, r[d]!, r[d + 1]!, useReg ? r[s]! : imm, useReg ? r[s + 1]! : imm >> 31)
            : compare32(jop, r[d]!, useReg ? r[s]! : imm);
        pc += taken ? offs[pc]! + 1 : 1;
        continue;
      }

      if (cls === BPF_LDX) {
        const addr = address(r, s, offs[pc]!, pc);
        const size = BPF_SIZE(op);
        const signed = BPF_MODE(op) === BPF_MEMSX;
        load(mem, view, r, d, addr, size, signed, pc);
        pc++;
        continue;
      }

      if (op === LOAD_ACQ_W || op === LOAD_ACQ_DW || op === LOAD_ACQ_H || op === LOAD_ACQ_B) {
        if (imm === BPF_LOAD_ACQ) {
          // Load-acquire reads through src into dst, unlike every other STX form.
          load(mem, view, r, d, address(r, s, offs[pc]!, pc), BPF_SIZE(op), false, pc);
          pc++;
          continue;
        }
      }

      if (cls === BPF_ST || cls === BPF_STX) {
        const addr = address(r, d, offs[pc]!, pc);
        const size = BPF_SIZE(op);
        if (cls === BPF_STX && BPF_MODE(op) === BPF_ATOMIC) {
          atomic(mem, view, r, s, addr, size, imm, pc);
        } else if (cls === BPF_STX) {
          store(mem, view, addr, size, r[s]!, r[s + 1]!, pc);
        } else {
          store(mem, view, addr, size, imm, imm >> 31, pc);
        }
        pc++;
        continue;
      }

      if (op === BPF_LDDW) {
        r[d] = imm;
        r[d + 1] = imms[pc + 1]!;
        pc += 2;
        continue;
      }
      throw new RuntimeError(pc, `opcode ${op.toString(16).padStart(2, '0')} cannot run here`);
    }
  }
}

/** The address base + off, or a fault when the 64-bit sum is not a small non-negative number. */
function address(r: Int32Array, base: number, off: number, pc: number): number {
  const addr = (r[base]! >>> 0) + off;
  if (r[base + 1] !== 0 || addr < 0) {
    const full = (BigInt(r[base + 1]! >>> 0) << 32n) + BigInt(r[base]! >>> 0) + BigInt(off);
    throw new RuntimeError(pc, `invalid memory access at 0x${BigInt.asUintN(64, full).toString(16)} (unmapped)`);
  }
  return addr;
}

function load(
  mem: Memory,
  view: DataView,
  r: Int32Array,
  d: number,
  addr: number,
  size: number,
  signed: boolean,
  pc: number,
): void {
  switch (size) {
    case BPF_B:
      mem.check(addr, 1, false, pc);
      r[d] = signed ? view.getInt8(addr) : view.getUint8(addr);
      r[d + 1] = signed ? r[d]! >> 31 : 0;
      return;
    case BPF_H:
      mem.check(addr, 2, false, pc);
      r[d] = signed ? view.getInt16(addr, true) : view.getUint16(addr, true);
      r[d + 1] = signed ? r[d]! >> 31 : 0;
      return;
    case BPF_W:
      mem.check(addr, 4, false, pc);
      r[d] = view.getInt32(addr, true);
      r[d + 1] = signed ? r[d]! >> 31 : 0;
      return;
    default:
      mem.check(addr, 8, false, pc);
      r[d] = view.getInt32(addr, true);
      r[d + 1] = view.getInt32(addr + 4, true);
  }
}

function store(mem: Memory, view: DataView, addr: number, size: number, lo: number, hi: number, pc: number): void {
  switch (size) {
    case BPF_B:
      mem.check(addr, 1, true, pc);
      view.setUint8(addr, lo & 0xff);
      return;
    case BPF_H:
      mem.check(addr, 2, true, pc);
      view.setUint16(addr, lo & 0xffff, true);
      return;
    case BPF_W:
      mem.check(addr, 4, true, pc);
      view.setInt32(addr, lo, true);
      return;
    default:
      mem.check(addr, 8, true, pc);
      view.setInt32(addr, lo, true);
      view.setInt32(addr + 4, hi, true);
  }
}

/**
 * Atomic read-modify-write. A program runs on one thread at a time, so plain
 * accesses are atomic here; what matters is the value semantics: FETCH forms
 * return the old value in src, CMPXCHG compares with and returns into R0, and
 * the 32-bit forms zero-extend what they return.
 */
function atomic(
  mem: Memory,
  view: DataView,
  r: Int32Array,
  s: number,
  addr: number,
  size: number,
  imm: number,
  pc: number,
): void {
  if (imm === BPF_STORE_REL) {
    store(mem, view, addr, size, r[s]!, r[s + 1]!, pc);
    return;
  }
  const wide = size === BPF_DW;
  mem.check(addr, wide ? 8 : 4, true, pc);
  const oldLo = view.getInt32(addr, true);
  const oldHi = wide ? view.getInt32(addr + 4, true) : 0;
  const vlo = r[s]!;
  const vhi = wide ? r[s + 1]! : 0;
  let newLo: number;
  let newHi = 0;
  if (imm === BPF_CMPXCHG) {
    const equal = wide ? r[0] === oldLo && r[1] === oldHi : r[0] === oldLo;
    newLo = equal ? vlo : oldLo;
    newHi = equal ? vhi : oldHi;
    r[0] = oldLo;
    r[1] = oldHi;
  } else {
    switch (imm & ~BPF_FETCH) {
      case BPF_ADD: {
        const lo = (oldLo >>> 0) + (vlo >>> 0);
        newLo = lo | 0;
        newHi = (oldHi + vhi + (lo > 0xffffffff ? 1 : 0)) | 0;
        break;
      }
      case BPF_OR:
        newLo = oldLo | vlo;
        newHi = oldHi | vhi;
        break;
      case BPF_AND:
        newLo = oldLo & vlo;
        newHi = oldHi & vhi;
        break;
      case BPF_XOR:
        newLo = oldLo ^ vlo;
        newHi = oldHi ^ vhi;
        break;
      default:
        // BPF_XCHG: the decoder admits no other operation.
        newLo = vlo;
        newHi = vhi;
    }
    if ((imm & BPF_FETCH) !== 0 || imm === BPF_XCHG) {
      r[s] = oldLo;
      r[s + 1] = oldHi;
    }
  }
  view.setInt32(addr, newLo, true);
  if (wide) view.setInt32(addr + 4, newHi, true);
}

/** BPF_END to big-endian and ALU64 bswap: swap the low `bits` and zero-extend. */
function byteSwap(r: Int32Array, d: number, bits: number): void {
  if (bits === 16) {
    r[d] = bswap16(r[d]!);
    r[d + 1] = 0;
  } else if (bits === 32) {
    r[d] = bswap32(r[d]!);
    r[d + 1] = 0;
  } else {
    const lo = r[d]!;
    r[d] = bswap32(r[d + 1]!);
    r[d + 1] = bswap32(lo);
  }
}

function compare64(op: number, alo: number, ahi: number, blo: number, bhi: number): boolean {
  switch (op) {
    case BPF_JEQ:
      return alo === blo && ahi === bhi;
    case BPF_JNE:
      return alo !== blo || ahi !== bhi;
    case BPF_JSET:
      return (alo & blo) !== 0 || (ahi & bhi) !== 0;
    case BPF_JGT:
      return ult64(blo, bhi, alo, ahi);
    case BPF_JGE:
      return !ult64(alo, ahi, blo, bhi);
    case BPF_JLT:
      return ult64(alo, ahi, blo, bhi);
    case BPF_JLE:
      return !ult64(blo, bhi, alo, ahi);
    case BPF_JSGT:
      return slt64(blo, bhi, alo, ahi);
    case BPF_JSGE:
      return !slt64(alo, ahi, blo, bhi);
    case BPF_JSLT:
      return slt64(alo, ahi, blo, bhi);
    default:
      // BPF_JSLE: the decoder admits no other condition.
      return !slt64(blo, bhi, alo, ahi);
  }
}

function compare32(op: number, a: number, b: number): boolean {
  switch (op) {
    case BPF_JEQ:
      return a === b;
    case BPF_JNE:
      return a !== b;
    case BPF_JSET:
      return (a & b) !== 0;
    case BPF_JGT:
      return a >>> 0 > b >>> 0;
    case BPF_JGE:
      return a >>> 0 >= b >>> 0;
    case BPF_JLT:
      return a >>> 0 < b >>> 0;
    case BPF_JLE:
      return a >>> 0 <= b >>> 0;
    case BPF_JSGT:
      return a > b;
    case BPF_JSGE:
      return a >= b;
    case BPF_JSLT:
      return a < b;
    default:
      return a <= b;
  }
}

