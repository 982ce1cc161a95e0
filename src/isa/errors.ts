import { XdpsimError } from '../errors/index.js';

/**
 * A malformed instruction. `index` is the instruction slot, as the kernel's
 * verifier numbers instructions, so messages line up with `bpftool prog dump`.
 */
export class InvalidInstructionError extends XdpsimError {
  override readonly code = 'INSN';

  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`insn ${index}: ${reason}`);
    this.name = 'InvalidInstructionError';
  }
}
