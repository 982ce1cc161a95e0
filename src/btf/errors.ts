/** Raised for malformed or unusable BTF / BTF.ext data; the message names the type id or offset at fault. */
export class BtfError extends Error {
  override readonly name = 'BtfError';
}
