import { RuntimeError } from '../vm/errors.js';

/** A program fault in the middle of a batch: which slot it was, and the fault itself. */
export class BatchFault extends RuntimeError {
  constructor(
    readonly slot: number,
    readonly fault: RuntimeError,
  ) {
    super(fault.insn, fault.reason);
    this.name = 'BatchFault';
  }
}
