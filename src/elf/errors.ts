import { XdpsimError } from '../errors/index.js';

/**
 * Raised for any object file we cannot use: a malformed ELF container, an
 * object that is not a BPF relocatable, or BPF content libbpf would refuse.
 * The message names the section, symbol or program at fault.
 */
export class ElfError extends XdpsimError {
  override readonly name = 'ElfError';
  override readonly code = 'ELF';
}
