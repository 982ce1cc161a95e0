import { XdpsimError } from '../errors/index.js';

/**
 * The errno the kernel's BPF_PROG_LOAD returns with a refusal; an offloading
 * device's driver adds EOPNOTSUPP, and ENOMEM when a map cannot be created on it.
 */
export type VerifierErrno = 'EACCES' | 'EINVAL' | 'E2BIG' | 'EFAULT' | 'ENOTSUPP' | 'EOPNOTSUPP' | 'ENOMEM';

/** A program the kernel's verifier would refuse; `insn` is where, `reason` in the kernel's words. */
export class VerifierError extends XdpsimError {
  override readonly code = 'VERIFIER';

  constructor(
    readonly insn: number,
    readonly reason: string,
    readonly errno: VerifierErrno = 'EACCES',
    /** The log has the message already, with what the kernel prints after it (the states of an infinite loop). */
    readonly logged = false,
  ) {
    super(`insn ${insn}: ${reason}`);
    this.name = 'VerifierError';
  }
}
