import { parseObject, selectProgram, sourceLine, type ProgramSelector } from '../elf/index.js';
import type { BpfProgram, ObjectFile } from '../elf/types.js';
import { decode } from '../isa/decode.js';
import type { InsnArray } from '../isa/instruction.js';
import { InvalidInstructionError } from '../isa/errors.js';
import { createMap } from '../maps/create.js';
import type { MapSpec } from '../maps/types.js';
import { jitFacts, RefusedProgram, verifyXdp, type JitFacts, type OffloadHooks, type OffloadRefusal, type VerifierErrno } from '../verifier/index.js';
import { possibleCpus } from './cpus.js';
import { mapSpec } from './map-spec.js';
import { verifierInput } from './verifier-input.js';

/** Which attach mode the program is verified for: offload adds the NIC's own checks. */
export type VerifyMode = 'native' | 'generic' | 'offload';

/**
 * An offloading device as loading a program bound to it (prog_ifindex)
 * meets it: its checks of the program and its maps before the verifier runs,
 * then its driver's hooks in the verifier. xdpsim's is nfp's (src/nic).
 */
export interface OffloadDevice {
  /**
   * What the device refuses before the program is verified: each map the
   * program uses, created on the device (libbpf creates maps first, with
   * map_ifindex), then the program's flags (bpf_prog_dev_bound_init).
   * `maps` are the object's, in its order.
   */
  bind(program: BpfProgram, maps: readonly MapSpec[]): OffloadRefusal | undefined;
  /** The driver's hooks for one verification (bpf_prog_offload_ops). */
  hooks(): OffloadHooks;
}

export interface VerifyOptions {
  select?: ProgramSelector;
  mode?: VerifyMode;
  /** The device an offloaded program is loaded for (mode 'offload'); without one, the verifier's own offload rules alone. */
  device?: OffloadDevice;
  /** 0: no log; 1: the log of a refusal; 2: every instruction's state as well (the kernel's log_level). */
  logLevel?: 0 | 1 | 2;
  fileName?: string;
}

/** The verifier's decision on one program, as `bpftool prog load` would report it. */
export interface VerifyOutcome {
  program: string;
  section: string;
  accepted: boolean;
  /** Where it was refused. */
  insn?: number;
  /** The kernel's error line (the last line of its log before the statistics). */
  error?: string;
  /** The errno BPF_PROG_LOAD returns with the refusal. */
  errno?: VerifierErrno;
  /** Refused by the offloading device before the verifier ran (its maps, the program's flags): `insn` is then undefined. */
  device?: boolean;
  /** The C source line of `insn`, from BTF line info, when the object has it. */
  source?: string;
  /** Instructions processed, as the kernel's statistics line counts them. */
  processed?: number;
  /** The verifier log. */
  log: string;
  /** For an accepted program: the instructions no path reaches, which the kernel replaces before the program runs (sanitize_dead_code). */
  unreached?: readonly number[];
}

/**
 * What the kernel's verifier says of the program `options.select` names (or
 * of the object's only program): accepted, or refused with its reason. The
 * object is parsed as loadObject parses it, but nothing is laid out or run.
 */
export function verifyObject(bytes: Uint8Array, options: VerifyOptions = {}): VerifyOutcome {
  const object = parseObject(bytes, { ...(options.fileName !== undefined && { fileName: options.fileName }) });
  return verifyProgram(object, selectProgram(object, options.select ?? {}), options);
}

function verifyProgram(object: ObjectFile, prog: BpfProgram, options: VerifyOptions): VerifyOutcome {
  let insns;
  try {
    insns = decode(prog.insns, { deferWalkChecks: true });
  } catch (e) {
    // The kernel's structural checks refuse such an instruction with EINVAL, before any state is explored.
    if (e instanceof InvalidInstructionError) {
      return { program: prog.name, section: prog.sectionName, accepted: false, insn: e.index, error: e.reason, errno: 'EINVAL', log: `${e.reason}\n` };
    }
    throw e;
  }
  const cpus = possibleCpus();
  const specs = object.maps.map((def) => mapSpec(def, cpus));
  for (const spec of specs) createMap(spec, cpus);
  return verifyDecoded(object, prog, insns, specs, options);
}

/**
 * The verifier's decision on `prog`, decoded as `insns` and not yet
 * relocated, over the object's maps as created (`specs`): what
 * verifyObject reports, and what loadObject refuses a program for.
 */
export function verifyDecoded(object: ObjectFile, prog: BpfProgram, insns: InsnArray, specs: readonly MapSpec[], options: VerifyOptions): VerifyOutcome {
  const base = { program: prog.name, section: prog.sectionName };
  const offload = options.mode === 'offload';
  const device = offload ? options.device : undefined;
  const bound = device?.bind(prog, specs);
  if (bound) return { ...base, accepted: false, device: true, error: bound.reason, errno: bound.errno, log: `${bound.reason}\n` };
  const input = verifierInput(object, prog, insns, specs, { offload, ...(device && { offloadHooks: device.hooks() }), logLevel: options.logLevel ?? 1 });
  try {
    const verified = verifyXdp(input);
    return { ...base, accepted: true, processed: verified.processed, log: `${verified.log.join('\n')}\n`, unreached: unreachedSlots(insns, verified.reached) };
  } catch (e) {
    if (!(e instanceof RefusedProgram)) throw e;
    const line = sourceLine(prog, e.insn);
    const source = line && `${line.file.replace(/^\.\//, '')}:${line.line}: ${line.text.trim()}`;
    return { ...base, accepted: false, insn: e.insn, error: e.reason, errno: e.errno, ...(source && { source }), log: `${e.log.join('\n')}\n` };
  }
}

/** What the verifier proves at each instruction of `prog`, which it accepts, for a JIT (see the verifier's jitFacts). */
export function factsOf(object: ObjectFile, prog: BpfProgram, insns: InsnArray, specs: readonly MapSpec[]): JitFacts {
  return jitFacts(verifierInput(object, prog, insns, specs, { offload: false, logLevel: 0 }));
}

/** The slots of the instructions no path reaches: not the second halves of reached lddws, which are their immediates. */
function unreachedSlots(insns: InsnArray, reached: (insn: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < insns.length; i++) {
    if (reached(i)) {
      i += insns.width(i) - 1;
      continue;
    }
    out.push(i);
  }
  return out;
}
