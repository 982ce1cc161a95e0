import type { BpfProgram } from '../elf/types.js';
import type { InsnArray } from '../isa/instruction.js';
import type { ExecutionContext } from './context.js';
import { InterpretedProgram } from './interp.js';

/** The engines a program can be compiled for. The JIT joins this list when it lands. */
export const ENGINES = ['interp'] as const;

export type EngineName = (typeof ENGINES)[number];

/**
 * One program ready to run on any execution context of its object. Both
 * entry points run frames already loaded into the context's frame arena,
 * edit them in place, and leave in each slot where the frame lies and where
 * it was redirected; neither allocates for a linear frame.
 */
export interface Executable {
  readonly engine: EngineName;
  readonly program: BpfProgram;
  /**
   * Runs the frame in arena slot `slot` as received on `ifindex`, RX queue
   * `queue` (and, for a devmap entry's program, about to leave by
   * `egressIfindex`); returns R0 as the kernel reads it (the raw u32, not
   * clamped to an action). A program fault throws a RuntimeError naming the C line.
   */
  run(context: ExecutionContext, slot: number, ifindex: number, queue: number, egressIfindex?: number): number;
  /**
   * Runs slots `first` .. `first + count - 1` in order, as a driver's NAPI
   * poll runs a batch of up to 64 frames, writing each R0 into `verdicts`
   * at the slot's index. A fault stops the batch: the error's `slot` says
   * which frame it was, and the slots before it have run.
   */
  runBatch(context: ExecutionContext, first: number, count: number, ifindex: number, queue: number, verdicts: Uint32Array): void;
}

/** Prepares a program, its subprograms appended, checked and relocated, for `engine`. */
export function compile(program: BpfProgram, insns: InsnArray, engine: EngineName): Executable {
  switch (engine) {
    case 'interp':
      return new InterpretedProgram(program, insns);
  }
}
