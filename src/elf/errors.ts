/**
 * Raised for any object file we cannot use: a malformed ELF container, an
 * object that is not a BPF relocatable, or BPF content libbpf would refuse.
 * The message names the section, symbol or program at fault.
 */
export class ElfError extends Error {
  override readonly name = 'ElfError';
}
