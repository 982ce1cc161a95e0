import { BPF_CORE_RELO_KINDS } from '../btf/index.js';
import type { BpfProgram } from '../elf/types.js';
import { ProgramLoadError } from './errors.js';
import { whereInSource } from '../elf/index.js';

/**
 * CO-RE relocations whose compiled answer is already right here. clang fills
 * each one in from the object's own BTF; for field offsets, sizes and shifts
 * and for local type ids that answer is the kernel's whenever the kernel lays
 * the type out the same way, as it does for the packet headers an XDP program
 * reads.
 */
const ANSWERED_LOCALLY = new Set(['field_byte_offset', 'field_byte_size', 'field_signed', 'field_lshift_u64', 'field_rshift_u64', 'local_type_id']);

/**
 * Refuses a program with a CO-RE relocation that asks about the target kernel
 * (does a type, field or enum value exist there, what is its size or id):
 * libbpf answers those from the running kernel's BTF, and leaving clang's
 * local answer in place would silently differ from it.
 */
export function checkCoreRelocations(prog: BpfProgram): void {
  for (const relo of prog.coreRelos) {
    const kind = BPF_CORE_RELO_KINDS[relo.kind] ?? `kind ${relo.kind}`;
    if (ANSWERED_LOCALLY.has(kind)) continue;
    throw new ProgramLoadError(
      prog.name,
      `insn ${relo.insnIndex}: CO-RE relocation ${kind} (${relo.accessStr}) asks about the target ` +
        `kernel's types, which xdpsim does not read; libbpf answers it from /sys/kernel/btf/vmlinux${whereInSource(prog, relo.insnIndex)}`,
    );
  }
}
