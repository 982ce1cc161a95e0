/** A program the kernel's verifier would refuse; `insn` is where, `reason` in the kernel's words. */
export class VerifierError extends Error {
  constructor(
    readonly insn: number,
    readonly reason: string,
  ) {
    super(`insn ${insn}: ${reason}`);
    this.name = 'VerifierError';
  }
}
