import type { InsnArray } from '../isa/instruction.js';
import type { Memory } from './memory.js';

/**
 * What a helper sees when a program calls it besides its arguments: the
 * memory, the calling instruction for error messages, the lock held, and the
 * ways back into the program. The interpreter and the JIT hand helpers this
 * same object, so a helper is written once; neither keeps a register file
 * for it.
 */
export interface HelperCall {
  readonly memory: Memory;
  /** Index of the `call` instruction being executed. */
  insn: number;
  /**
   * Who holds a lock this run takes (src/vm/lock.ts): an id, at least 1,
   * of the execution context running the program, unique among the threads
   * that share the memory.
   */
  readonly lockOwner: number;
  /**
   * The int32 index + 1 of the `struct bpf_spin_lock` word this run holds,
   * 0 when none: the kernel lets a program hold one at a time, and the
   * engine lets it go if the run ends holding it.
   */
  heldLock: number;
  /**
   * Runs the BPF function starting at slot `func` of the running program in a
   * new frame, with R1-R5 = `r1`..`r5` (32-bit values: indexes and addresses,
   * zero-extended), and returns its R0 (exact below 2^53). Registers are
   * restored afterwards, so a callback helper (bpf_loop,
   * bpf_for_each_map_elem) sees no change but R0. Allocates nothing.
   */
  invoke(func: number, r1: number, r2: number, r3?: number, r4?: number, r5?: number): number;
  /** Schedules `target` to replace the running program when the helper returns; false past 33 tail calls. */
  tailCall(target: InsnArray): boolean;
  /**
   * The BPF function at slot `func` of the running program, to be run later
   * and on its own, outside this run: what a timer keeps to call its
   * callback from the timer softirq.
   */
  callback(func: number): BpfCallback;
  /**
   * Sets R0 to the 64-bit value with int32 halves `lo` and `hi`, for a result
   * that may not fit in a number exactly; returns R0_PAIR, which the helper
   * returns.
   */
  setR0Pair(lo: number, hi: number): number;
}

/**
 * A BPF function run as a run of its own, with R1-R5 = `args` (32-bit
 * values: addresses), from a fresh stack and instruction budget; returns
 * its R0 (exact below 2^53).
 */
export type BpfCallback = (args: readonly number[]) => number;

/**
 * A helper: R1-R5 as numbers, R0 returned. rN is the low 32 bits of register N
 * as an int32 (what pointers, int/u32 arguments and most flags need); hN its
 * high 32 bits, for the few 64-bit arguments. The result is R0, exact for
 * integers in [-2^53, 2^53] (addresses, errnos, u32, small u64); a helper
 * whose result can be wider sets both halves with `call.setR0Pair(lo, hi)`
 * and returns R0_PAIR. Passing numbers lets the JIT keep registers in locals.
 */
export type Helper = (call: HelperCall, r1: number, r2: number, r3: number, r4: number, r5: number,
                      h1: number, h2: number, h3: number, h4: number, h5: number) => number;

/**
 * What a helper returns after `call.setR0Pair`: NaN, the one number no
 * integer result can be, told apart with a single `v !== v`. Returned with
 * no pair set, it leaves R0 as it was, which only bpf_tail_call does.
 */
export const R0_PAIR = NaN;

/** Helpers by id, as `BPF_FUNC_*` numbers them in linux/bpf.h. */
export type HelperTable = ReadonlyMap<number, Helper>;
