import type { InsnArray } from '../isa/instruction.js';
import { BPF_CALL, BPF_CLASS, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_OP } from '../isa/opcodes.js';

/** Per instruction, where control may go next. */
export type Successors = readonly (readonly number[])[];

/**
 * The instructions control may go to from each one, within its function: a
 * call returns to the next instruction, an exit goes nowhere. The passes
 * before the walk (register and stack liveness, precision) follow these
 * edges; verifyXdp builds them once.
 */
export function successors(insns: InsnArray): Successors {
  const n = insns.length;
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i += insns.width(i)) {
    const code = insns.code[i]!;
    const cls = BPF_CLASS(code);
    const op = BPF_OP(code);
    const next = i + insns.width(i);
    if (cls === BPF_JMP || cls === BPF_JMP32) {
      if (op === BPF_EXIT) continue;
      if (op === BPF_JA) succ[i]!.push(i + (cls === BPF_JMP32 ? insns.imm[i]! : insns.off[i]!) + 1);
      else if (op === BPF_CALL) succ[i]!.push(next);
      else succ[i]!.push(next, i + insns.off[i]! + 1);
    } else {
      succ[i]!.push(next);
    }
  }
  return succ;
}
