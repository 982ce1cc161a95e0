import type { InsnArray } from '../isa/instruction.js';
import { checkControlFlow, type ControlFlow, type ControlFlowOptions } from './cfg.js';
import { checkRegisterInit } from './registers.js';

export interface ProgramCheckOptions extends ControlFlowOptions {
  /** Registers set before the program starts besides R10 (the kernel sets R1). */
  entryRegisters: readonly number[];
}

/**
 * The checks every program passes before it may run: structure and control
 * flow, then register initialisation. The full abstract interpretation of
 * types and ranges builds on the facts these produce.
 */
export function checkProgram(prog: InsnArray, options: ProgramCheckOptions): ControlFlow {
  const flow = checkControlFlow(prog, options);
  checkRegisterInit(prog, options.entryRegisters);
  return flow;
}
