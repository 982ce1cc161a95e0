import { XdpsimError } from '../errors/index.js';

/** A frame the kernel would not run (BPF_PROG_TEST_RUN refuses it with `errno`). */
export class FrameError extends XdpsimError {
  override readonly code = 'FRAME';

  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}
