import type { InsnArray } from '../isa/instruction.js';
import {
  BPF_ABS,
  BPF_CALL,
  BPF_CLASS,
  BPF_EXIT,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDDW,
  BPF_MODE,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_SRC,
  BPF_X,
} from '../isa/opcodes.js';
import { VerifierError } from './errors.js';

export interface ControlFlowOptions {
  /**
   * Why a call to helper `id` is refused, in the kernel's words; undefined
   * when it is allowed. Without it, calls are left to the walk, as the
   * kernel's verifier checks them (a call no path reaches is never refused).
   */
  helperRefusal?: (id: number) => string | undefined;
  /**
   * Refuse legacy packet loads here: only socket filters and TC may use
   * them. The XDP verifier leaves them to its walk, which refuses them where
   * it reaches them, as the kernel's does.
   */
  refuseLegacyPacketLoads: boolean;
  /** `callx` (helper id in a register): uBPF and the conformance suite only. */
  allowCallx: boolean;
}

/** Where each jump, call and code reference leads, and where subprograms start. */
export interface ControlFlow {
  /** Slot indices where subprograms start, ascending; 0 is the main program. */
  subprogs: number[];
}

/**
 * The structural checks the kernel makes before it simulates anything
 * (`check_subprogs`, `check_cfg`, `resolve_pseudo_ldimm64`): every jump and call
 * lands on an instruction inside the program and not inside an `lddw`, control
 * never falls off the end of a subprogram, jumps do not cross into another
 * subprogram, and every helper or instruction is available to the program type.
 */
export function checkControlFlow(prog: InsnArray, options: ControlFlowOptions): ControlFlow {
  const n = prog.length;
  const secondHalf = new Uint8Array(n);
  for (let i = 0; i < n; i += prog.width(i)) if (prog.code[i] === BPF_LDDW) secondHalf[i + 1] = 1;

  const target = (from: number, to: number): number => {
    if (to < 0 || to >= n) throw new VerifierError(from, `jump out of range from insn ${from} to ${to}`, 'EINVAL');
    if (secondHalf[to]) throw new VerifierError(from, `jump into the middle of ldimm64 insn ${to - 1}`, 'EINVAL');
    return to;
  };

  const starts = new Set<number>([0]);
  for (let i = 0; i < n; i += prog.width(i)) {
    const code = prog.code[i]!;
    const cls = BPF_CLASS(code);
    if (code === BPF_LDDW && prog.src[i] === BPF_PSEUDO_FUNC) starts.add(target(i, i + prog.imm[i]! + 1));
    if (cls === BPF_LD && (BPF_MODE(code) === BPF_ABS || BPF_MODE(code) === BPF_IND) && options.refuseLegacyPacketLoads) {
      throw new VerifierError(i, 'BPF_LD_[ABS|IND] instructions not allowed for this program type', 'EINVAL');
    }
    if (code !== (BPF_JMP | BPF_CALL) && code !== (BPF_JMP | BPF_CALL | BPF_X)) continue;
    if (BPF_SRC(code) === BPF_X) {
      // The kernel's instruction table has no callx: an unknown opcode, before anything is walked.
      if (!options.allowCallx) throw new VerifierError(i, `unknown opcode ${code.toString(16)}`, 'EINVAL');
    } else if (prog.src[i] === BPF_PSEUDO_CALL) {
      starts.add(target(i, i + prog.imm[i]! + 1));
    } else if (prog.src[i] === BPF_PSEUDO_KFUNC_CALL) {
      throw new VerifierError(i, `calling kernel function (btf_id ${prog.imm[i]}) is not supported here`, 'EINVAL');
    } else {
      const refusal = options.helperRefusal?.(prog.imm[i]!);
      if (refusal !== undefined) throw new VerifierError(i, refusal, 'EINVAL');
    }
  }
  const subprogs = [...starts].sort((a, b) => a - b);

  // Within each subprogram: jumps stay inside, and the last instruction does not fall through.
  for (let s = 0; s < subprogs.length; s++) {
    const start = subprogs[s]!;
    const end = subprogs[s + 1] ?? n;
    let last = start;
    for (let i = start; i < end; i += prog.width(i)) {
      last = i;
      const code = prog.code[i]!;
      const cls = BPF_CLASS(code);
      if (cls !== BPF_JMP && cls !== BPF_JMP32) continue;
      const op = BPF_OP(code);
      if (op === BPF_CALL || op === BPF_EXIT) continue;
      const rel = op === BPF_JA && cls === BPF_JMP32 ? prog.imm[i]! : prog.off[i]!;
      const to = target(i, i + rel + 1);
      if (to < start || to >= end) throw new VerifierError(i, `jump out of range from insn ${i} to ${to}`, 'EINVAL');
    }
    const code = prog.code[last]!;
    const fallsThrough = !(code === (BPF_JMP | BPF_EXIT) || code === (BPF_JMP | BPF_JA) || code === (BPF_JMP32 | BPF_JA));
    if (fallsThrough) {
      throw new VerifierError(last, end === n ? 'last insn is not an exit or jmp' : 'jump out of range: subprog falls through to the next', 'EINVAL');
    }
  }
  // check_subprogs runs before check_cfg, so a bad jump is reported before dead code.
  checkReachable(prog, secondHalf);
  return { subprogs };
}

/**
 * check_cfg's depth-first walk from the entry: following fall-through,
 * jumps, calls and function references, every instruction is reached;
 * one that is not is refused as the kernel refuses dead code.
 */
function checkReachable(prog: InsnArray, secondHalf: Uint8Array): void {
  const n = prog.length;
  const seen = new Uint8Array(n);
  const work = [0];
  seen[0] = 1;
  const go = (to: number): void => {
    if (to >= 0 && to < n && !seen[to]) {
      seen[to] = 1;
      work.push(to);
    }
  };
  while (work.length > 0) {
    const i = work.pop()!;
    const code = prog.code[i]!;
    const cls = BPF_CLASS(code);
    if (code === BPF_LDDW) {
      if (prog.src[i] === BPF_PSEUDO_FUNC) go(i + prog.imm[i]! + 1);
      go(i + 2);
      continue;
    }
    if (cls !== BPF_JMP && cls !== BPF_JMP32) {
      go(i + 1);
      continue;
    }
    const op = BPF_OP(code);
    if (op === BPF_EXIT) continue;
    if (op === BPF_CALL) {
      if (prog.src[i] === BPF_PSEUDO_CALL && BPF_SRC(code) !== BPF_X) go(i + prog.imm[i]! + 1);
      go(i + 1);
      continue;
    }
    const rel = op === BPF_JA && cls === BPF_JMP32 ? prog.imm[i]! : prog.off[i]!;
    go(i + rel + 1);
    if (op !== BPF_JA) go(i + 1);
  }
  for (let i = 0; i < n; i++) if (!seen[i] && !secondHalf[i]) throw new VerifierError(i, `unreachable insn ${i}`, 'EINVAL');
}
