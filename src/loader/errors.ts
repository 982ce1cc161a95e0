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

  /** The same refusal, reported as also stopping the program `wanted`. */
  stopping(wanted: string): ProgramLoadError {
    return new ProgramLoadError(this.program, this.reason, wanted);
  }
}

/**
 * A program the verifier refuses, as libbpf reports a failed BPF_PROG_LOAD:
 * the instruction, the kernel's reason and the C source line in the
 * message, with the errno and the verifier log beside it.
 */
export class VerifierRefusal extends ProgramLoadError {
  constructor(
    program: string,
    readonly insn: number | undefined,
    readonly error: string,
    readonly errno: string | undefined,
    readonly log: string,
    readonly source?: string,
    stops?: string,
  ) {
    const at = insn === undefined ? '' : `insn ${insn}: `;
    super(program, `${at}${error}${source === undefined ? '' : ` (${source})`}`, stops);
    this.name = 'VerifierRefusal';
  }

  override stopping(wanted: string): VerifierRefusal {
    return new VerifierRefusal(this.program, this.insn, this.error, this.errno, this.log, this.source, wanted);
  }
}
