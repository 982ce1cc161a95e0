import type { InsnArray } from '../isa/instruction.js';
import type { VerifierInput, VerifierMap } from './env.js';
import { VerifierError, type VerifierErrno } from './errors.js';
import type { RegState } from './reg.js';
import type { VerifierState } from './state.js';

/** Operands of an instruction whose value some path needed exact (Verifier.precise). */
export const PRECISE_DST = 1;
export const PRECISE_SRC = 2;
/** A helper call whose map key, a constant spilled on the stack, decided the result (get_constant_map_key). */
export const PRECISE_KEY = 4;

/** Instructions the kernel processes before it gives up (BPF_COMPLEXITY_LIMIT_INSNS). */
export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** How a walk compares scalars where it prunes, and how far it may go. */
export interface WalkOptions {
  /** Instructions processed before the walk gives up with E2BIG. */
  readonly insnLimit: number;
  /**
   * Every scalar compared exactly where paths are pruned (everyScalarPrecise),
   * as the walk for JIT facts needs. At the head of a loop, the scalars the
   * kernel's walk found nothing needs exact (`kernelPrecise`, that walk's
   * Verifier.precise) are widened to unknown, so that loops converge as
   * they did there.
   */
  readonly exactScalars?: { readonly kernelPrecise: Uint8Array };
}

/** The kernel's walk. */
export const KERNEL_WALK: WalkOptions = { insnLimit: BPF_COMPLEXITY_LIMIT_INSNS };

/** Pending branches the kernel keeps before it gives up (BPF_COMPLEXITY_LIMIT_JMP_SEQ). */
export const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
/** Largest variable offset a pointer may carry (BPF_MAX_VAR_OFF). */
export const BPF_MAX_VAR_OFF = 2 ** 29;
/** Largest size a helper may be passed (BPF_MAX_VAR_SIZ). */
export const BPF_MAX_VAR_SIZ = 2 ** 29;
/** Largest packet offset the verifier reasons about (MAX_PACKET_OFF). */
export const MAX_PACKET_OFF = 0xffff;

/**
 * One verification: the program, what the kernel knows about its maps, the
 * log being written and the counters the kernel keeps (ids for pointer
 * copies, processed instructions). The checks in the other files of this
 * folder take it as their first argument.
 */
export class Verifier {
  readonly insns: InsnArray;
  readonly log: string[] = [];
  private idGen = 0;
  /** The instruction being checked, for messages that do not name one. */
  insn = 0;
  /** Which subprogram (by index) starts at a slot; set once the subprograms are known. */
  subprogIndex: (start: number) => number = () => 0;

  /**
   * Per instruction, the operands (PRECISE_DST, PRECISE_SRC) some path needed
   * exact, as the kernel's mark_chain_precision asks: the scalars of a jump
   * decided from their bounds, the scalar added to or taken from a pointer.
   * Where states are pruned, what feeds them must be exact.
   */
  readonly precise: Uint8Array;
  /** Whether this walk needed an operand exact that no earlier walk had: pruning trusted it, so walk again. */
  newlyPrecise = false;
  /** The walk's counts, as the kernel's statistics line gives them, once it has ended. */
  stats = { processed: 0, totalStates: 0, peakStates: 0 };

  constructor(
    readonly input: VerifierInput,
    precise?: Uint8Array,
    readonly walk: WalkOptions = KERNEL_WALK,
  ) {
    this.insns = input.insns;
    this.precise = precise ?? new Uint8Array(input.insns.length);
  }

  /** Notes that the operands `which` (PRECISE_DST, PRECISE_SRC) of the current instruction must be exact. */
  needsPrecise(which: number): void {
    const i = this.insn;
    if (this.walk.exactScalars !== undefined || (this.precise[i]! & which) === which) return;
    this.precise[i]! |= which;
    this.newlyPrecise = true;
  }

  /** A fresh id for a pointer or scalar whose copies must stay linked (++env->id_gen). */
  newId(): number {
    return ++this.idGen;
  }

  /** Refuses the program at the current instruction. */
  fail(reason: string, errno: VerifierErrno = 'EACCES'): never {
    throw new VerifierError(this.insn, reason, errno);
  }

  /** Refuses the program with the message and then `details` in the log, as the kernel writes some refusals. */
  failWith(reason: string, errno: VerifierErrno, details: readonly string[]): never {
    if (this.input.logLevel) this.log.push(reason, ...details);
    throw new VerifierError(this.insn, reason, errno, true);
  }

  /** The map an `lddw` at `insn` refers to, if any. */
  mapOf(insn: number): { map: VerifierMap; kind: 'map' | 'map_value'; offset: number } | undefined {
    const ref = this.input.mapRefs.get(insn);
    if (!ref) return undefined;
    const map = this.input.maps[ref.map];
    if (!map) return undefined;
    return { map, kind: ref.kind, offset: ref.kind === 'map_value' ? ref.offset : 0 };
  }

  /** Every register (and spilled register) of the state, for the passes that rewrite all copies of a value. */
  *everyReg(st: VerifierState): Generator<RegState> {
    yield* st.allRegs();
  }
}
