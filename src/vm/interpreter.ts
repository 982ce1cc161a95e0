import type { InsnArray } from '../isa/instruction.js';
import {
  BPF_ADD,
  BPF_AND,
  BPF_B,
  BPF_CMPXCHG,
  BPF_DW,
  BPF_FETCH,
  BPF_H,
  BPF_LOAD_ACQ,
  BPF_OR,
  BPF_PSEUDO_CALL,
  BPF_SIZE,
  BPF_STORE_REL,
  BPF_W,
  BPF_XCHG,
  BPF_XOR,
  MAX_CALL_FRAMES,
} from '../isa/opcodes.js';
import { RuntimeError } from './errors.js';
import { lock, unlock } from './lock.js';
import { BPF_MAX_LOOPS, DEFAULT_INSN_BUDGET, MAX_TAIL_CALL_CNT } from './limits.js';
import { R0_PAIR, type BpfCallback, type Helper, type HelperCall, type HelperTable } from './helper.js';
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
  toBigUint64,
  udivmod32,
  udivmod64,
  ult64,
} from './int64.js';
import type { Memory } from './memory.js';



export interface InterpreterOptions {
  budget?: number;
  /** The helper id of bpf_spin_unlock: the one call a program may make while it holds a lock. */
  spinUnlock?: number;
}

/** Saved per call frame: return slot, R6-R9 as pairs, R10. */
const FRAME_WORDS = 10;


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
  lockOwner = 1;
  heldLock = 0;
  private readonly frames = new Int32Array(MAX_CALL_FRAMES * FRAME_WORDS);
  /** The program each pushed frame returns into. */
  private readonly frameProgs: InsnArray[] = new Array(MAX_CALL_FRAMES);
  /** The register file of each callback depth, saved while the callback runs (`invoke`). */
  private readonly savedRegs = new Int32Array(MAX_CALL_FRAMES * 22);
  private readonly budget: number;
  private readonly spinUnlock: number;
  private prog: InsnArray | undefined;
  private depth = 0;
  private left = 0;
  private loops = 0;
  private tailCalls = 0;
  private pendingTail: InsnArray | undefined;
  private packedProg: InsnArray | undefined;
  private packedWords: Int32Array = new Int32Array(0);
  /** Helpers indexed by id: an array read is cheaper than a Map lookup on every call. */
  private readonly helperById: Array<Helper | undefined> = [];

  constructor(
    readonly memory: Memory,
    helpers: HelperTable,
    /** R10 of each call depth: one past the top of that frame's 512 bytes (see layoutStack). */
    private readonly frameTops: readonly number[],
    options: InterpreterOptions = {},
  ) {
    this.budget = options.budget ?? DEFAULT_INSN_BUDGET;
    this.spinUnlock = options.spinUnlock ?? -1;
    for (const [id, helper] of helpers) this.helperById[id] = helper;
  }

  /** R0 as an unsigned 64-bit value. */
  get r0(): bigint {
    return toBigUint64(this.regs[0]!, this.regs[1]!);
  }

  /** Runs `entry` from instruction 0; returns the low 32 bits of R0 (an XDP verdict). */
  run(entry: InsnArray): number {
    this.begin(entry);
    return this.exec(0, 0);
  }

  /** A run starts at the bottom of the stack with a full budget. */
  private begin(prog: InsnArray): void {
    this.prog = prog;
    this.depth = 0;
    this.left = this.budget;
    this.loops = BPF_MAX_LOOPS;
    this.tailCalls = 0;
    this.pendingTail = undefined;
    this.regs[20] = this.frameTops[0]!;
    this.regs[21] = 0;
  }

  callback(func: number): BpfCallback {
    const prog = this.running();
    if (func < 0 || func >= prog.length) throw new RuntimeError(this.insn, `callback at insn ${func} is outside the program`);
    return (args) => {
      const r = this.regs;
      for (let k = 0; k < 5; k++) {
        r[2 + 2 * k] = args[k] ?? 0;
        r[3 + 2 * k] = 0;
      }
      this.begin(prog);
      // A callback that ends holding a lock lets it go, so that no other context waits for it for ever.
      try {
        this.exec(func, 0);
      } catch (e) {
        this.letGoOfLock();
        throw e;
      }
      if (this.letGoOfLock()) throw new RuntimeError(this.insn, 'bpf_spin_unlock is missing');
      return r0Value(r);
    };
  }

  /**
   * Releases the lock a run or callback still holds as it ends, so that
   * other contexts do not wait for it for ever; returns whether there was
   * one. The verifier refuses a program that can exit holding a lock, so
   * such a run is a fault.
   */
  letGoOfLock(): boolean {
    if (this.heldLock === 0) return false;
    unlock(this.memory.i32, this.heldLock - 1);
    this.heldLock = 0;
    return true;
  }

  tailCall(target: InsnArray): boolean {
    if (this.tailCalls >= MAX_TAIL_CALL_CNT) return false;
    this.tailCalls++;
    this.pendingTail = target;
    return true;
  }

  setR0Pair(lo: number, hi: number): number {
    this.regs[0] = lo;
    this.regs[1] = hi;
    return R0_PAIR;
  }

  invoke(func: number, r1: number, r2: number, r3 = 0, r4 = 0, r5 = 0): number {
    const r = this.regs;
    const prog = this.running();
    if (func < 0 || func >= prog.length) throw new RuntimeError(this.insn, `callback at insn ${func} is outside the program`);
    const depth = this.depth;
    if (depth + 1 >= MAX_CALL_FRAMES) {
      throw new RuntimeError(this.insn, `the call stack of ${depth + 2} frames is too deep`);
    }
    const saved = this.savedRegs;
    const at = depth * 22;
    for (let k = 0; k < 22; k++) saved[at + k] = r[k]!;
    const callerInsn = this.insn;
    r[2] = r1;
    r[4] = r2;
    r[6] = r3;
    r[8] = r4;
    r[10] = r5;
    r[3] = r[5] = r[7] = r[9] = r[11] = 0;
    r[20] = this.frameTops[depth + 1]!;
    this.depth = depth + 1;
    this.exec(func, depth + 1);
    const result = r0Value(r);
    for (let k = 0; k < 22; k++) r[k] = saved[at + k]!;
    this.depth = depth;
    this.prog = prog;
    this.insn = callerInsn;
    return result;
  }

  /** The packed words of `prog`: those of the program run last are at hand, without the WeakMap. */
  private wordsOf(prog: InsnArray): Int32Array {
    if (prog !== this.packedProg) {
      this.packedWords = packedOf(prog);
      this.packedProg = prog;
    }
    return this.packedWords;
  }

  /** The program being run; helpers are only called during a run. */
  private running(): InsnArray {
    if (!this.prog) throw new RuntimeError(this.insn, 'no program is running');
    return this.prog;
  }

  /**
   * Runs `this.prog` from `startPc` in frame `this.depth` until the frame at
   * `baseDepth` exits; returns the low 32 bits of R0. One flat switch over the
   * opcode byte, which V8 compiles to a jump table; operand decoding is the
   * decoder's, done once at load.
   */
  private exec(startPc: number, baseDepth: number): number {
    const prog = this.running();
    let words = this.wordsOf(prog);
    let imms = prog.imm;
    const r = this.regs;
    const mem = this.memory;
    const view = mem.view;
    const frames = this.frames;
    let depth = this.depth;
    let left = this.left;
    let pc = startPc;

    for (;;) {
      if (--left < 0) throw new RuntimeError(pc, `instruction budget of ${this.budget} exhausted`);
      const word = words[pc]!;
      const op = word & 0xff;
      const d = (word >> 7) & 0x1e;
      const s = (word >> 11) & 0x1e;
      const off = word >> 16;
      const imm = imms[pc]!;
      switch (op) {
        // ALU64: 64-bit operations; K operands are the sign-extended immediate.
        case 0x07:
        case 0x0f: {
          const blo = op & 8 ? r[s]! : imm;
          const bhi = op & 8 ? r[s + 1]! : imm >> 31;
          const lo = (r[d]! >>> 0) + (blo >>> 0);
          r[d] = lo;
          r[d + 1] = (r[d + 1]! + bhi + (lo > 0xffffffff ? 1 : 0)) | 0;
          break;
        }
        case 0x17:
        case 0x1f: {
          const blo = op & 8 ? r[s]! : imm;
          const bhi = op & 8 ? r[s + 1]! : imm >> 31;
          const lo = (r[d]! >>> 0) - (blo >>> 0);
          r[d] = lo;
          r[d + 1] = (r[d + 1]! - bhi - (lo < 0 ? 1 : 0)) | 0;
          break;
        }
        case 0x27:
        case 0x2f:
          mul64(r, d, r[d]!, r[d + 1]!, op & 8 ? r[s]! : imm, op & 8 ? r[s + 1]! : imm >> 31);
          break;
        case 0x37:
        case 0x3f:
        case 0x97:
        case 0x9f: {
          const blo = op & 8 ? r[s]! : imm;
          const bhi = op & 8 ? r[s + 1]! : imm >> 31;
          const isMod = op >= 0x97;
          if (blo === 0 && bhi === 0) {
            // x / 0 = 0 and x % 0 = x (RFC 9669, section 4.1).
            if (!isMod) r[d] = r[d + 1] = 0;
          } else if (off === 1) {
            sdivmod64(r, d, r[d]!, r[d + 1]!, blo, bhi, isMod);
          } else {
            udivmod64(r, d, r[d]!, r[d + 1]!, blo, bhi, isMod);
          }
          break;
        }
        case 0x47:
          r[d] |= imm;
          r[d + 1] |= imm >> 31;
          break;
        case 0x4f:
          r[d] |= r[s]!;
          r[d + 1] |= r[s + 1]!;
          break;
        case 0x57:
          r[d] &= imm;
          r[d + 1] &= imm >> 31;
          break;
        case 0x5f:
          r[d] &= r[s]!;
          r[d + 1] &= r[s + 1]!;
          break;
        case 0xa7:
          r[d] ^= imm;
          r[d + 1] ^= imm >> 31;
          break;
        case 0xaf:
          r[d] ^= r[s]!;
          r[d + 1] ^= r[s + 1]!;
          break;
        case 0x67:
        case 0x6f:
          lsh64(r, d, r[d]!, r[d + 1]!, (op & 8 ? r[s]! : imm) & 63);
          break;
        case 0x77:
        case 0x7f:
          rsh64(r, d, r[d]!, r[d + 1]!, (op & 8 ? r[s]! : imm) & 63);
          break;
        case 0xc7:
        case 0xcf:
          arsh64(r, d, r[d]!, r[d + 1]!, (op & 8 ? r[s]! : imm) & 63);
          break;
        case 0x87: {
          const lo = r[d]!;
          r[d] = -lo | 0;
          r[d + 1] = (~r[d + 1]! + (lo === 0 ? 1 : 0)) | 0;
          break;
        }
        case 0xb7:
          r[d] = imm;
          r[d + 1] = imm >> 31;
          break;
        case 0xbf: {
          if (off === 0) {
            r[d] = r[s]!;
            r[d + 1] = r[s + 1]!;
          } else {
            const v = off === 8 ? (r[s]! << 24) >> 24 : off === 16 ? (r[s]! << 16) >> 16 : r[s]!;
            r[d] = v;
            r[d + 1] = v >> 31;
          }
          break;
        }
        case 0xd7:
        case 0xdc:
          byteSwap(r, d, imm);
          break;

        // ALU: 32-bit operations; every result is zero-extended.
        case 0x04:
        case 0x0c:
          r[d] = (r[d]! + (op & 8 ? r[s]! : imm)) | 0;
          r[d + 1] = 0;
          break;
        case 0x14:
        case 0x1c:
          r[d] = (r[d]! - (op & 8 ? r[s]! : imm)) | 0;
          r[d + 1] = 0;
          break;
        case 0x24:
        case 0x2c:
          r[d] = Math.imul(r[d]!, op & 8 ? r[s]! : imm);
          r[d + 1] = 0;
          break;
        case 0x34:
        case 0x3c: {
          const b = op & 8 ? r[s]! : imm;
          r[d] = b === 0 ? 0 : off === 1 ? sdivmod32(r[d]!, b, false) : udivmod32(r[d]!, b, false);
          r[d + 1] = 0;
          break;
        }
        case 0x94:
        case 0x9c: {
          const b = op & 8 ? r[s]! : imm;
          if (b !== 0) r[d] = off === 1 ? sdivmod32(r[d]!, b, true) : udivmod32(r[d]!, b, true);
          r[d + 1] = 0;
          break;
        }
        case 0x44:
        case 0x4c:
          r[d] |= op & 8 ? r[s]! : imm;
          r[d + 1] = 0;
          break;
        case 0x54:
        case 0x5c:
          r[d] &= op & 8 ? r[s]! : imm;
          r[d + 1] = 0;
          break;
        case 0xa4:
        case 0xac:
          r[d] ^= op & 8 ? r[s]! : imm;
          r[d + 1] = 0;
          break;
        case 0x64:
        case 0x6c:
          r[d] <<= (op & 8 ? r[s]! : imm) & 31;
          r[d + 1] = 0;
          break;
        case 0x74:
        case 0x7c:
          r[d] = r[d]! >>> ((op & 8 ? r[s]! : imm) & 31);
          r[d + 1] = 0;
          break;
        case 0xc4:
        case 0xcc:
          r[d] >>= (op & 8 ? r[s]! : imm) & 31;
          r[d + 1] = 0;
          break;
        case 0x84:
          r[d] = -r[d]! | 0;
          r[d + 1] = 0;
          break;
        case 0xb4:
          r[d] = imm;
          r[d + 1] = 0;
          break;
        case 0xbc: {
          r[d] = off === 8 ? (r[s]! << 24) >> 24 : off === 16 ? (r[s]! << 16) >> 16 : r[s]!;
          r[d + 1] = 0;
          break;
        }
        case 0xd4:
          // To little-endian on a little-endian machine: truncate only.
          if (imm === 16) r[d] &= 0xffff;
          if (imm !== 64) r[d + 1] = 0;
          break;

        // JMP and JMP32.
        case 0x05:
          pc += off;
          break;
        case 0x06:
          pc += imm;
          break;
        case 0x15:
        case 0x1d:
        case 0x55:
        case 0x5d:
        case 0x45:
        case 0x4d:
        case 0x25:
        case 0x2d:
        case 0x35:
        case 0x3d:
        case 0xa5:
        case 0xad:
        case 0xb5:
        case 0xbd:
        case 0x65:
        case 0x6d:
        case 0x75:
        case 0x7d:
        case 0xc5:
        case 0xcd:
        case 0xd5:
        case 0xdd: {
          const alo = r[d]!;
          const ahi = r[d + 1]!;
          const blo = op & 8 ? r[s]! : imm;
          const bhi = op & 8 ? r[s + 1]! : imm >> 31;
          let taken: boolean;
          switch (op & 0xf0) {
            case 0x10:
              taken = alo === blo && ahi === bhi;
              break;
            case 0x50:
              taken = alo !== blo || ahi !== bhi;
              break;
            case 0x40:
              taken = (alo & blo) !== 0 || (ahi & bhi) !== 0;
              break;
            case 0x20:
              taken = ult64(blo, bhi, alo, ahi);
              break;
            case 0x30:
              taken = !ult64(alo, ahi, blo, bhi);
              break;
            case 0xa0:
              taken = ult64(alo, ahi, blo, bhi);
              break;
            case 0xb0:
              taken = !ult64(blo, bhi, alo, ahi);
              break;
            case 0x60:
              taken = slt64(blo, bhi, alo, ahi);
              break;
            case 0x70:
              taken = !slt64(alo, ahi, blo, bhi);
              break;
            case 0xc0:
              taken = slt64(alo, ahi, blo, bhi);
              break;
            default:
              taken = !slt64(blo, bhi, alo, ahi);
          }
          if (taken) pc += off;
          break;
        }
        case 0x16:
        case 0x1e:
        case 0x56:
        case 0x5e:
        case 0x46:
        case 0x4e:
        case 0x26:
        case 0x2e:
        case 0x36:
        case 0x3e:
        case 0xa6:
        case 0xae:
        case 0xb6:
        case 0xbe:
        case 0x66:
        case 0x6e:
        case 0x76:
        case 0x7e:
        case 0xc6:
        case 0xce:
        case 0xd6:
        case 0xde: {
          const a = r[d]!;
          const b = op & 8 ? r[s]! : imm;
          let taken: boolean;
          switch (op & 0xf0) {
            case 0x10:
              taken = a === b;
              break;
            case 0x50:
              taken = a !== b;
              break;
            case 0x40:
              taken = (a & b) !== 0;
              break;
            case 0x20:
              taken = a >>> 0 > b >>> 0;
              break;
            case 0x30:
              taken = a >>> 0 >= b >>> 0;
              break;
            case 0xa0:
              taken = a >>> 0 < b >>> 0;
              break;
            case 0xb0:
              taken = a >>> 0 <= b >>> 0;
              break;
            case 0x60:
              taken = a > b;
              break;
            case 0x70:
              taken = a >= b;
              break;
            case 0xc0:
              taken = a < b;
              break;
            default:
              taken = a <= b;
          }
          if (taken) pc += off;
          break;
        }
        case 0x85:
        case 0x8d: {
          if (op === 0x85 && s === BPF_PSEUDO_CALL << 1) {
            if (depth + 1 >= MAX_CALL_FRAMES) {
              throw new RuntimeError(pc, `the call stack of ${depth + 2} frames is too deep`);
            }
            const f = depth * FRAME_WORDS;
            frames[f] = pc + 1;
            for (let k = 0; k < 8; k++) frames[f + 1 + k] = r[12 + k]!;
            frames[f + 9] = r[20]!;
            this.frameProgs[depth] = this.prog!;
            depth++;
            r[20] = this.frameTops[depth]!;
            pc += imm + 1;
            continue;
          }
          const id = op === 0x8d ? r[d]! : imm;
          const helper = id >= 0 ? this.helperById[id] : undefined;
          if (!helper) throw new RuntimeError(pc, `call to unknown helper ${id}`);
          // The verifier's rule: while a lock is held, the only call is the one that releases it.
          if (this.heldLock !== 0 && id !== this.spinUnlock) throw new RuntimeError(pc, 'function calls are not allowed while holding a lock');
          this.insn = pc;
          this.depth = depth;
          this.left = left;
          const v = helper(this, r[2]!, r[4]!, r[6]!, r[8]!, r[10]!, r[3]!, r[5]!, r[7]!, r[9]!, r[11]!);
          // R0_PAIR (NaN) means setR0Pair has written both halves already.
          if (v === v) {
            r[0] = v | 0;
            r[1] = Math.floor(v / 4294967296) | 0;
          }
          left = this.left;
          if (this.pendingTail) {
            // bpf_tail_call: the target replaces this program in the same frame.
            this.prog = this.pendingTail;
            this.pendingTail = undefined;
            words = this.wordsOf(this.prog);
            imms = this.prog.imm;
            pc = 0;
            continue;
          }
          break;
        }
        case 0x95: {
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
            words = this.wordsOf(back);
            imms = back.imm;
          }
          continue;
        }
        case 0xe5:
          if (this.loops === 0) pc += off;
          else this.loops--;
          break;

        // Loads: LDX MEM zero-extends, LDX MEMSX sign-extends. One check for all sizes: the hot
        // loop has room to inline only so many calls, and the memory checks are the ones that count.
        case 0x71:
        case 0x91:
        case 0x69:
        case 0x89:
        case 0x61:
        case 0x81:
        case 0x79: {
          const a = address(r, s, off, pc);
          const size = ACCESS_BYTES[op >> 3]!;
          mem.check(a, size, false, pc);
          if (size === 4) {
            r[d] = view.getInt32(a, true);
            r[d + 1] = op === 0x61 ? 0 : r[d]! >> 31;
          } else if (size === 1) {
            r[d] = op === 0x71 ? view.getUint8(a) : view.getInt8(a);
            r[d + 1] = op === 0x71 ? 0 : r[d]! >> 31;
          } else if (size === 2) {
            r[d] = op === 0x69 ? view.getUint16(a, true) : view.getInt16(a, true);
            r[d + 1] = op === 0x69 ? 0 : r[d]! >> 31;
          } else {
            r[d] = view.getInt32(a, true);
            r[d + 1] = view.getInt32(a + 4, true);
          }
          break;
        }

        // Stores: ST takes the immediate, STX a register.
        case 0x72:
        case 0x73:
        case 0x6a:
        case 0x6b:
        case 0x62:
        case 0x63:
        case 0x7a:
        case 0x7b: {
          const a = address(r, d, off, pc);
          const size = ACCESS_BYTES[op >> 3]!;
          mem.check(a, size, true, pc);
          const lo = op & 1 ? r[s]! : imm;
          if (size === 4) {
            view.setInt32(a, lo, true);
          } else if (size === 1) {
            view.setUint8(a, lo & 0xff);
          } else if (size === 2) {
            view.setUint16(a, lo & 0xffff, true);
          } else {
            view.setInt32(a, lo, true);
            view.setInt32(a + 4, op & 1 ? r[s + 1]! : imm >> 31, true);
          }
          break;
        }

        // Atomics, and load-acquire (which reads through src into dst) / store-release.
        case 0xc3:
        case 0xdb:
        case 0xd3:
        case 0xcb: {
          const size = BPF_SIZE(op);
          if (imm === BPF_LOAD_ACQ) load(mem, view, r, d, address(r, s, off, pc), size, false, pc);
          else atomic(mem, view, r, s, address(r, d, off, pc), size, imm, pc, this.lockOwner);
          break;
        }

        case 0x18:
          r[d] = imm;
          r[d + 1] = imms[pc + 1]!;
          pc++;
          break;
        default:
          throw new RuntimeError(pc, `opcode ${op.toString(16).padStart(2, '0')} cannot run here`);
      }
      pc++;
    }
  }
}

/**
 * Bytes a load or store moves, by opcode >> 3: the size field (bits 3-4)
 * with the class's low bits above it, which the sizes do not depend on.
 */
const ACCESS_BYTES = Int8Array.from({ length: 32 }, (_, i) => [4, 2, 1, 8][i & 3]!);

/** R0 as a number: exact below 2^53, which covers the addresses and small results callbacks return. */
function r0Value(r: Int32Array): number {
  return (r[1]! >>> 0) * 4294967296 + (r[0]! >>> 0);
}

const PACKED = new WeakMap<InsnArray, Int32Array>();

/** The packed words of a program, built once per program. */
function packedOf(prog: InsnArray): Int32Array {
  let words = PACKED.get(prog);
  if (!words) {
    words = prog.packed();
    PACKED.set(prog, words);
  }
  return words;
}

/** The address base + off, or a fault when the 64-bit sum is not a small non-negative number. */
function address(r: Int32Array, base: number, off: number, pc: number): number {
  const addr = (r[base]! >>> 0) + off;
  if (r[base + 1] !== 0 || addr < 0) throw unmapped(r, base, off, pc);
  return addr;
}

/** The fault of an address past the flat memory, apart from `address` so that the hot loop inlines that small function. */
function unmapped(r: Int32Array, base: number, off: number, pc: number): RuntimeError {
  const full = toBigUint64(r[base]!, r[base + 1]!) + BigInt(off);
  return new RuntimeError(pc, `invalid memory access at 0x${BigInt.asUintN(64, full).toString(16)} (unmapped)`);
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
 * Locks of the 64-bit atomics: words of the NULL page, which no program can
 * reach and every thread shares, one per stripe of 8-byte addresses.
 */
const ATOMIC_LOCK_STRIPES = 256;

/**
 * Atomic read-modify-write, atomic across the threads that share the memory.
 * 32-bit forms are single Atomics operations; a 64-bit form runs under the
 * lock of its stripe, so every 64-bit atomic on a word sees a whole value.
 * The value semantics: FETCH forms return the old value in src, CMPXCHG
 * compares with and returns into R0, and the 32-bit forms zero-extend what
 * they return. An unaligned atomic faults, as the verifier refuses it.
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
  owner: number,
): void {
  if (imm === BPF_STORE_REL) {
    store(mem, view, addr, size, r[s]!, r[s + 1]!, pc);
    return;
  }
  const wide = size === BPF_DW;
  const bytes = wide ? 8 : 4;
  mem.check(addr, bytes, true, pc);
  if ((addr & (bytes - 1)) !== 0) throw new RuntimeError(pc, `misaligned atomic access of ${bytes} bytes at 0x${addr.toString(16)}`);
  const i32 = mem.i32;
  const w = addr >>> 2;
  if (!wide) {
    let old: number;
    switch (imm) {
      case BPF_CMPXCHG:
        old = Atomics.compareExchange(i32, w, r[0]!, r[s]!);
        r[0] = old;
        r[1] = 0;
        return;
      case BPF_XCHG:
        old = Atomics.exchange(i32, w, r[s]!);
        break;
      default:
        switch (imm & ~BPF_FETCH) {
          case BPF_ADD:
            old = Atomics.add(i32, w, r[s]!);
            break;
          case BPF_OR:
            old = Atomics.or(i32, w, r[s]!);
            break;
          case BPF_AND:
            old = Atomics.and(i32, w, r[s]!);
            break;
          default:
            old = Atomics.xor(i32, w, r[s]!);
        }
        if ((imm & BPF_FETCH) === 0) return;
    }
    r[s] = old;
    r[s + 1] = 0;
    return;
  }
  const stripe = (addr >>> 3) & (ATOMIC_LOCK_STRIPES - 1);
  lock(i32, stripe, owner);
  const oldLo = i32[w]!;
  const oldHi = i32[w + 1]!;
  const vlo = r[s]!;
  const vhi = r[s + 1]!;
  let newLo: number;
  let newHi: number;
  if (imm === BPF_CMPXCHG) {
    const equal = r[0] === oldLo && r[1] === oldHi;
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
  Atomics.store(i32, w, newLo);
  Atomics.store(i32, w + 1, newHi);
  unlock(i32, stripe);
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



