/** An object that cannot be loaded: the reason, in the kernel's or libbpf's words where they have one. */
export class LoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadError';
  }
}
