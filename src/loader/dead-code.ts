import type { InsnArray } from '../isa/instruction.js';
import { BPF_JA, BPF_JMP } from '../isa/opcodes.js';

/**
 * sanitize_dead_code: what no path of an accepted program reaches becomes a
 * jump to itself before the program runs, as the kernel rewrites it. The
 * verifier never checked those instructions (the kernel only refuses an
 * unused helper or a malformed field where its walk reaches it), so nothing
 * of them may reach the engine.
 */
export function sanitizeDeadCode(insns: InsnArray, unreached: readonly number[]): void {
  for (const i of unreached) {
    insns.code[i] = BPF_JMP | BPF_JA;
    insns.dst[i] = 0;
    insns.src[i] = 0;
    insns.off[i] = -1;
    insns.imm[i] = 0;
  }
}
