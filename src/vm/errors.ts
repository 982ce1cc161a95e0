import { XdpsimError } from '../errors/index.js';

/** A fault while a program runs, tied to the instruction that caused it. */
export class RuntimeError extends XdpsimError {
  override readonly code = 'RUNTIME';

  constructor(
    readonly insn: number,
    readonly reason: string,
  ) {
    super(`insn ${insn}: ${reason}`);
    this.name = 'RuntimeError';
  }
}
