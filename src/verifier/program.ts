import type { InsnArray } from '../isa/instruction.js';
import { BPF_CALL, BPF_CLASS, BPF_JMP, BPF_LDDW, BPF_OP, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC } from '../isa/opcodes.js';
import { checkControlFlow, type ControlFlow, type ControlFlowOptions } from './cfg.js';
import { liveRegisters } from './liveness.js';
import { stackLiveness } from './stack-liveness.js';
import { successors } from './successors.js';
import type { Subprog, VerifierInput } from './env.js';
import { VerifierError } from './errors.js';
import { explore, type ProgramShape } from './explore.js';
import type { JitFacts } from './facts.js';
import type { OffloadHooks } from './offload.js';
import { checkRegisterInit } from './registers.js';
import { MAX_BPF_STACK } from './state.js';
import { BPF_FUNC_tail_call } from '../uapi/func-ids.js';
import { KERNEL_WALK, Verifier, type WalkOptions } from './verifier.js';

export interface ProgramCheckOptions extends ControlFlowOptions {
  /** Registers set before the program starts besides R10 (the kernel sets R1). */
  entryRegisters: readonly number[];
}

/**
 * The checks raw bytecode passes outside any program type (the conformance
 * suite's programs, whose input is plain memory): structure and control
 * flow, then register initialisation.
 */
export function checkProgram(prog: InsnArray, options: ProgramCheckOptions): ControlFlow {
  const flow = checkControlFlow(prog, options);
  checkRegisterInit(prog, options.entryRegisters);
  return flow;
}

/** An accepted program: the kernel's statistics line, and the log. */
export interface Verified {
  processed: number;
  totalStates: number;
  peakStates: number;
  /** Stack bytes each subprogram uses, by its first instruction. */
  stackDepth: ReadonlyMap<number, number>;
  /** Whether some path reaches an instruction; the kernel replaces the others (sanitize_dead_code). */
  reached: (insn: number) => boolean;
  log: string[];
}

/** A refused program carries the log written up to the refusal. */
export class RefusedProgram extends VerifierError {
  constructor(
    cause: VerifierError,
    readonly log: readonly string[],
  ) {
    super(cause.insn, cause.reason, cause.errno);
  }
}

/**
 * The kernel's verifier for an XDP program (bpf_check): the structural
 * pass, then every path explored with abstract register and stack states,
 * then the combined stack of every call chain. Throws RefusedProgram with
 * the kernel's reason.
 *
 * A level-1 log keeps only the path walked last (each path taken up cuts it
 * back to where the path began), and of an accepted program only the
 * statistics: written as the walk goes, nearly all of it is thrown away. So
 * the program is walked without a log first, and walked again with it only
 * if it is refused. The log does not steer the walk, so both walks decide alike.
 */
export function verifyXdp(input: VerifierInput): Verified {
  if (input.logLevel !== 1) return verified(input);
  try {
    const quiet = verified({ ...input, logLevel: 0 });
    return { ...quiet, log: quiet.log.slice(-1) };
  } catch (e) {
    if (!(e instanceof RefusedProgram)) throw e;
    return verified(input);
  }
}

/** The kernel's walk at the input's log level, as verifyXdp reports it. */
function verified(input: VerifierInput): Verified {
  const { processed, totalStates, peakStates, stackDepth, facts, log } = check(input, KERNEL_WALK);
  return { processed, totalStates, peakStates, stackDepth, reached: (i) => facts.reached(i), log };
}

/**
 * What the verifier proves of an accepted program at each instruction, for
 * the JIT. The kernel's walk stops a path where a walked state covers the
 * values some check needs exact, so a number nobody checks (a counter, a
 * flag) may differ on the paths it pruned: what it saw of such scalars
 * holds only on the paths it walked. The facts come from a walk that
 * compares every scalar (loops converging as in the kernel's walk, see
 * WalkOptions), allowed a few times the kernel's instructions; where that
 * is not enough (paths that values nothing checks keep apart), from the
 * kernel's walk without facts about scalars. Throws RefusedProgram for a
 * refused program.
 */
export function jitFacts(input: VerifierInput): JitFacts {
  const quiet = { ...input, logLevel: 0 as const };
  const kernel = check(quiet, KERNEL_WALK);
  try {
    return check(quiet, { exactScalars: { kernelPrecise: kernel.precise }, insnLimit: kernel.processed * EXACT_WALK_FACTOR + EXACT_WALK_SLACK }).facts;
  } catch (e) {
    if (!(e instanceof RefusedProgram)) throw e;
  }
  return kernel.facts.withoutScalars();
}

/** How much further than the kernel's the walk for facts may go: exact scalars may keep more paths apart. */
const EXACT_WALK_FACTOR = 4;
const EXACT_WALK_SLACK = 10_000;

function check(input: VerifierInput, walk: WalkOptions): Omit<Verified, 'reached'> & { facts: JitFacts; precise: Uint8Array } {
  let precise: Uint8Array | undefined;
  // What every walk of the program sees alike, found on the first.
  let flow: ControlFlow | undefined;
  let shape: ProgramShape | undefined;
  for (;;) {
    const v = new Verifier(input, precise, walk);
    try {
      // Calls, legacy packet loads and instruction fields are checked on the walk, where it reaches them.
      flow ??= checkControlFlow(input.insns, { refuseLegacyPacketLoads: false, allowCallx: false });
      if (!shape) {
        const succ = successors(input.insns);
        shape = { succ, live: liveRegisters(input.insns, succ), stackLive: stackLiveness(input.insns, succ) };
      }
      const names = new Map((input.subprogNames ?? []).map((s) => [s.start, s]));
      const subprogs: Subprog[] = flow.subprogs.map((start) => names.get(start) ?? { start, name: '', global: false });
      const hooks = input.offload ? input.offloadHooks : undefined;
      // Each walk is the driver's first: what it noted of an earlier one is dropped.
      hooks?.prepare?.(input.insns);
      const result = explore(v, subprogs, shape);
      // Pruning trusted values this walk found it needs exact: walk again knowing them. A
      // refusal needs no second walk: every path walked is one the program can take.
      if (v.newlyPrecise) {
        precise = v.precise;
        continue;
      }
      if (hooks?.finalize) finalizeOffload(v, hooks, flow.subprogs, result.stackDepth);
      checkMaxStackDepth(v, flow.subprogs, result.stackDepth, result.asyncCallbacks);
      // A level-1 log of an accepted program is its statistics alone, as the kernel's.
      if (input.logLevel === 1) v.log.length = 0;
      v.log.push(statsLine(v));
      return { ...result, log: v.log, precise: v.precise };
    } catch (e) {
      if (e instanceof VerifierError) {
        if (!e.logged || !input.logLevel) v.log.push(e.reason);
        if (input.logLevel) v.log.push(statsLine(v));
        throw new RefusedProgram(e, v.log);
      }
      throw e;
    }
  }
}

/**
 * bpf_prog_offload_finalize: the driver's last word, once every path is
 * verified and before the kernel's own stack check, on each subprogram's
 * stack depth (env->subprog_info). Its refusal names no instruction: it is
 * reported at the program's first.
 */
function finalizeOffload(v: Verifier, hooks: OffloadHooks, starts: readonly number[], depth: ReadonlyMap<number, number>): void {
  const level = v.input.logLevel ?? 0;
  const refusal = hooks.finalize!({
    subprogs: starts.map((start) => ({ start, stackDepth: depth.get(start) ?? 0 })),
    log: (line) => {
      if (level > 0) v.log.push(line);
    },
  });
  if (refusal) {
    v.insn = 0;
    v.fail(refusal.reason, refusal.errno);
  }
}

/**
 * check_max_stack_depth: along every chain of calls (function references
 * count, as callbacks run on the caller's stack) the frames' stacks,
 * each rounded up as the JIT lays them out, fit in 512 bytes. A timer's
 * callback runs later on a stack of its own: it starts a chain, and adds
 * nothing to the chain of the code that armed it.
 */
function checkMaxStackDepth(v: Verifier, starts: readonly number[], depth: ReadonlyMap<number, number>, asyncCallbacks: ReadonlySet<number>): void {
  const insns = v.insns;
  const round = (n: number): number => Math.ceil(n / 16) * 16;
  const callees = starts.map(() => new Set<number>());
  const tailCalls = starts.map(() => false);
  starts.forEach((start, k) => {
    const end = starts[k + 1] ?? insns.length;
    for (let i = start; i < end; i += insns.width(i)) {
      const code = insns.code[i]!;
      if (BPF_CLASS(code) === BPF_JMP && BPF_OP(code) === BPF_CALL && insns.src[i] === 0 && insns.imm[i] === BPF_FUNC_tail_call) tailCalls[k] = true;
      const call = BPF_CLASS(code) === BPF_JMP && BPF_OP(code) === BPF_CALL && insns.src[i] === BPF_PSEUDO_CALL;
      const ref = code === BPF_LDDW && insns.src[i] === BPF_PSEUDO_FUNC;
      if (call || ref) callees[k]!.add(starts.indexOf(i + insns.imm[i]! + 1));
    }
  });
  const walk = (k: number, total: number, frames: number, onPath: Set<number>): void => {
    // A tail call leaves its caller's frames on the stack, up to 33 times over: they may hold 256 bytes at most.
    if (k !== 0 && tailCalls[k] && total >= 256) {
      v.insn = starts[k]!;
      v.fail(`tail_calls are not allowed when call stack of previous frames is ${total} bytes. Too large`);
    }
    const sum = total + round(depth.get(starts[k]!) ?? 0);
    if (sum > MAX_BPF_STACK) {
      v.insn = starts[k]!;
      v.fail(`combined stack size of ${frames} calls is ${sum}. Too large`);
    }
    for (const c of callees[k]!) {
      if (c < 0 || onPath.has(c) || asyncCallbacks.has(c)) continue;
      onPath.add(c);
      walk(c, sum, frames + 1, onPath);
      onPath.delete(c);
    }
  };
  for (const root of [0, ...asyncCallbacks]) walk(root, 0, 1, new Set([root]));
}

/** print_verification_stats at log level 1 and 2, after an accepted program's log or a refusal's message. */
function statsLine(v: Verifier): string {
  const { processed, totalStates, peakStates } = v.stats;
  return `processed ${processed} insns (limit 1000000) max_states_per_insn 0 total_states ${totalStates} peak_states ${peakStates} mark_read 0`;
}
