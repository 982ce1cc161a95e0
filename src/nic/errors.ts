import { XdpsimError } from '../errors/index.js';

/** A virtual NIC, its queues or its RSS settings that cannot be used. */
export class NicConfigError extends XdpsimError {
  readonly code = 'NIC_CONFIG';
}
