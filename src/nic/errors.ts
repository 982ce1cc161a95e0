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

/**
 * A program the offloading NIC will not take (drivers/net/ethernet/netronome/nfp/bpf,
 * kernel/bpf/offload.c): the errno, and what the kernel logs when it says
 * anything (the verifier log's `[nfp] ...` lines, the driver's map messages).
 * `insn` is the instruction the verifier stopped at, when it is one.
 */
export class OffloadError extends XdpsimError {
  readonly code = 'XDP_OFFLOAD';

  constructor(
    readonly errno: number,
    readonly log: string,
    readonly insn?: number,
    /** The verifier's log up to the refusal, when the verifier ran. */
    readonly verifierLog?: string,
  ) {
    const name = ERRNO_NAMES[errno] ?? `errno ${errno}`;
    super(`${insn === undefined ? '' : `insn ${insn}: `}${log}: ${name}`);
    this.name = 'OffloadError';
  }
}
