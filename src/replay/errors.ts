import { XdpsimError } from '../errors/index.js';

/** A replay's settings that cannot be used: its speed, loops, devices, workers. */
export class ReplayError extends XdpsimError {
  override readonly code = 'REPLAY';
}
