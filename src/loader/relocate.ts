import type { BpfProgram } from '../elf/types.js';
import type { InsnArray } from '../isa/instruction.js';
import { BPF_LDDW, BPF_PSEUDO_FUNC } from '../isa/opcodes.js';
import type { BpfMap } from '../maps/map.js';
import { ProgramLoadError } from './errors.js';

/**
 * Resolves a program's data references (its subprograms appended) to addresses in the flat memory,
 * as the kernel's resolve_pseudo_ldimm64 turns map fds into map pointers: a map
 * reference becomes the map's descriptor address, a global-data reference the
 * address of its variable, a function reference the slot where it starts. The
 * lddw then loads a plain 64-bit immediate. Run the program checks first: they
 * read the pseudo sources this rewrites.
 */
export function relocate(prog: BpfProgram, insns: InsnArray, maps: readonly BpfMap[]): void {
  // A function reference (callback for bpf_loop and friends) becomes its absolute slot.
  for (let i = 0; i < insns.length; i += insns.width(i)) {
    if (insns.code[i] === BPF_LDDW && insns.src[i] === BPF_PSEUDO_FUNC) insns.imm[i] = i + insns.imm[i]! + 1;
  }
  for (const relo of prog.relocations) {
    const i = relo.insnIndex;
    if (relo.kind !== 'map' && relo.kind !== 'map_value') {
      throw new ProgramLoadError(prog.name, `extern symbol '${relo.name}' (ksym or kconfig) cannot be resolved outside the kernel`);
    }
    const map = maps[relo.mapIndex];
    if (!map) throw new ProgramLoadError(prog.name, `insn ${i} refers to missing map #${relo.mapIndex}`);
    const address = relo.kind === 'map' ? map.address : map.directValueAddress() + relo.offset;
    insns.src[i] = 0;
    insns.imm[i] = address;
    insns.imm[i + 1] = 0;
  }
}
