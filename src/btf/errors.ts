import { XdpsimError } from '../errors/index.js';

/** Raised for malformed or unusable BTF / BTF.ext data; the message names the type id or offset at fault. */
export class BtfError extends XdpsimError {
  override readonly name = 'BtfError';
  override readonly code = 'BTF';
}
