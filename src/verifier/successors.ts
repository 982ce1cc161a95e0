import type { InsnArray } from '../isa/instruction.js';
import { BPF_CALL, BPF_CLASS, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_OP } from '../isa/opcodes.js';

/**
 * Per instruction, where control may go next: the successors of instruction
 * i are to[from[i]] up to to[from[i + 1] - 1]. Two typed arrays rather than
 * an array per instruction, which the passes' data outlived the young
 * generation with.
 */
export interface Successors {
  readonly from: Int32Array;
  readonly to: Int32Array;
}

/**
 * The instructions control may go to from each one, within its function: a
 * call returns to the next instruction, an exit goes nowhere. The passes
 * before the walk (register and stack liveness, precision) follow these
 * edges; verifyXdp builds them once.
 */
export function successors(insns: InsnArray): Successors {
  const n = insns.length;
  const from = new Int32Array(n + 1);
  const to = new Int32Array(2 * n);
  let e = 0;
  // The second slot of an lddw is no instruction: it has no successors.
  for (let i = 0, start = 0; i < n; i++) {
    from[i] = e;
    if (i !== start) continue;
    start = i + insns.width(i);
    const code = insns.code[i]!;
    const cls = BPF_CLASS(code);
    const op = BPF_OP(code);
    if (cls === BPF_JMP || cls === BPF_JMP32) {
      if (op === BPF_EXIT) continue;
      if (op === BPF_JA) to[e++] = i + (cls === BPF_JMP32 ? insns.imm[i]! : insns.off[i]!) + 1;
      else if (op === BPF_CALL) to[e++] = start;
      else {
        to[e++] = start;
        to[e++] = i + insns.off[i]! + 1;
      }
    } else {
      to[e++] = start;
    }
  }
  from[n] = e;
  return { from, to: to.subarray(0, e) };
}
