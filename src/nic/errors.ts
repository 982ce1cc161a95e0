import { XdpsimError } from '../errors/index.js';
import { ERRNO_NAMES } from '../uapi/errno.js';

/** A virtual NIC, its queues or its RSS settings that cannot be used. */
export class NicConfigError extends XdpsimError {
  readonly code = 'NIC_CONFIG';
}

/**
 * An XDP attach, replace or detach the kernel refuses: its errno, and the
 * extack message when the kernel sets one (some refusals, like HW mode on a
 * driver without offload, come with the errno alone; `ip` then prints
 * "RTNETLINK answers: Invalid argument").
 */
export class XdpAttachError extends XdpsimError {
  readonly code = 'XDP_ATTACH';

  constructor(
    readonly errno: number,
    readonly extack?: string,
  ) {
    const name = ERRNO_NAMES[errno] ?? `errno ${errno}`;
    super(extack === undefined ? name : `${extack}: ${name}`);
    this.name = 'XdpAttachError';
  }
}
