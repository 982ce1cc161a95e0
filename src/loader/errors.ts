import { XdpsimError } from '../errors/index.js';

/** An object that cannot be loaded: the reason, in the kernel's or libbpf's words where they have one. */
export class LoadError extends XdpsimError {
  override readonly code = 'LOAD';

  constructor(message: string) {
    super(message);
    this.name = 'LoadError';
  }
}

/**
 * One program of the object the kernel or libbpf would not load. An object
 * loads whole (libbpf's bpf_object__load), so this stops every program of
 * it; `stops`, when set, names the program the caller asked for, which is not
 * the one at fault, so the message does not look like that program's own.
 */
export class ProgramLoadError extends LoadError {
  constructor(
    readonly program: string,
    readonly reason: string,
    readonly stops?: string,
  ) {
    super(`program '${program}'${stops === undefined ? '' : ` (the object is loaded whole, so this also stops '${stops}')`}: ${reason}`);
    this.name = 'ProgramLoadError';
  }
}
