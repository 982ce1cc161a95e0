import type { InsnArray } from '../isa/instruction.js';
import type { Memory } from './memory.js';

/**
 * What a helper sees when a program calls it: the register file (arguments in
 * R1-R5, result into R0, as int32 pairs: low half of Rn at 2n, high at 2n+1),
 * the memory, and the calling instruction for error messages. The interpreter
 * and the JIT hand helpers this same object, so a helper is written once.
 */
export interface HelperCall {
  readonly regs: Int32Array;
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
}

/**
 * A BPF function run as a run of its own, with R1-R5 = `args` (32-bit
 * values: addresses), from a fresh stack and instruction budget; returns
 * its R0 (exact below 2^53).
 */
export type BpfCallback = (args: readonly number[]) => number;

/** A helper function; it must set R0 (both halves). */
export type Helper = (call: HelperCall) => void;

/** Helpers by id, as `BPF_FUNC_*` numbers them in linux/bpf.h. */
export type HelperTable = ReadonlyMap<number, Helper>;

/** Sets R0 from an unsigned or signed number that fits in 53 bits. */
export function setR0(regs: Int32Array, value: number): void {
  regs[0] = value | 0;
  regs[1] = Math.floor(value / 4294967296) | 0;
}
