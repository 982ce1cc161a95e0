import { XdpsimError } from '../errors/index.js';

/** A program the kernel's verifier would refuse; `insn` is where, `reason` in the kernel's words. */
export class VerifierError extends XdpsimError {
  override readonly code = 'VERIFIER';

  constructor(
    readonly insn: number,
    readonly reason: string,
  ) {
    super(`insn ${insn}: ${reason}`);
    this.name = 'VerifierError';
  }
}
