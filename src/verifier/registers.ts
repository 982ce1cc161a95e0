import type { InsnArray } from '../isa/instruction.js';
import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDDW,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_MODE,
  BPF_MOV,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_REG_FP,
  BPF_SRC,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_X,
  BPF_XCHG,
} from '../isa/opcodes.js';
import { BPF_JCOND } from '../isa/decode.js';
import { VerifierError } from './errors.js';

const bit = (r: number): number => 1 << r;
const R0 = bit(0);
/** R1-R5: arguments, clobbered by every call. */
const ARGS = 0b111110;
const ALL = (1 << 11) - 1;

/**
 * Refuses a read of a register no path has written (the kernel's `R%d !read_ok`)
 * and any write to the frame pointer. A must-analysis over the control-flow
 * graph: a register counts as written at an instruction only if it is written
 * on every path there. At a BPF-to-BPF call the callee starts with the caller's
 * R1-R5 and R10; after any call R1-R5 are clobbered and R0 holds the result.
 * `entry` lists the registers the caller sets before the program starts (the
 * kernel sets R1, the context, and R10).
 */
export function checkRegisterInit(prog: InsnArray, entry: readonly number[]): void {
  const n = prog.length;
  // Unvisited slots hold ALL, the identity of the meet (intersection).
  const state = new Uint16Array(n).fill(ALL);
  const visited = new Uint8Array(n);
  const work: number[] = [];
  const flow = (to: number, regs: number): void => {
    const merged = state[to]! & regs;
    if (!visited[to] || merged !== state[to]) {
      visited[to] = 1;
      state[to] = merged;
      work.push(to);
    }
  };
  flow(0, entry.reduce((m, r) => m | bit(r), bit(BPF_REG_FP)));

  while (work.length > 0) {
    const i = work.pop()!;
    let regs = state[i]!;
    const code = prog.code[i]!;
    const dst = prog.dst[i]!;
    const src = prog.src[i]!;
    const need = (r: number): void => {
      if ((regs & bit(r)) === 0) throw new VerifierError(i, `R${r} !read_ok`);
    };
    const write = (r: number): void => {
      if (r === BPF_REG_FP) throw new VerifierError(i, 'frame pointer is read only');
      regs |= bit(r);
    };
    const cls = BPF_CLASS(code);
    const op = BPF_OP(code);

    if (cls === BPF_ALU || cls === BPF_ALU64) {
      if (BPF_SRC(code) === BPF_X && op !== 0xd0) need(src);
      if (op !== BPF_MOV) need(dst);
      write(dst);
      flow(i + 1, regs);
      continue;
    }
    if (cls === BPF_JMP || cls === BPF_JMP32) {
      if (op === BPF_EXIT) {
        need(0);
        continue;
      }
      if (op === BPF_CALL) {
        if (BPF_SRC(code) === BPF_X) need(dst);
        if (src === BPF_PSEUDO_CALL && BPF_SRC(code) !== BPF_X) {
          flow(i + prog.imm[i]! + 1, (regs & ARGS) | bit(BPF_REG_FP));
        }
        flow(i + 1, (regs & ~ARGS) | R0);
        continue;
      }
      if (op === BPF_JA) {
        flow(i + (cls === BPF_JMP32 ? prog.imm[i]! : prog.off[i]!) + 1, regs);
        continue;
      }
      if (op !== BPF_JCOND) {
        need(dst);
        if (BPF_SRC(code) === BPF_X) need(src);
      }
      flow(i + prog.off[i]! + 1, regs);
      flow(i + 1, regs);
      continue;
    }
    if (cls === BPF_LDX) {
      need(src);
      write(dst);
    } else if (cls === BPF_ST) {
      need(dst);
    } else if (cls === BPF_STX) {
      const imm = prog.imm[i]!;
      if (BPF_MODE(code) === BPF_ATOMIC && imm === BPF_LOAD_ACQ) {
        need(src);
        write(dst);
      } else {
        need(dst);
        need(src);
        if (BPF_MODE(code) === BPF_ATOMIC && imm !== BPF_STORE_REL) {
          if (imm === BPF_CMPXCHG) {
            need(0);
            write(0);
          } else if (imm & BPF_FETCH || imm === BPF_XCHG) {
            write(src);
          }
        }
      }
    } else if (code === BPF_LDDW) {
      write(dst);
      flow(i + 2, regs);
      continue;
    } else if (cls === BPF_LD && (BPF_MODE(code) === BPF_ABS || BPF_MODE(code) === BPF_IND)) {
      // Legacy packet loads read the context from R6 and clobber R1-R5 like a call.
      need(6);
      if (BPF_MODE(code) === BPF_IND) need(src);
      regs = (regs & ~ARGS) | R0;
    }
    flow(i + 1, regs);
  }
}
