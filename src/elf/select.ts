import { ElfError } from './errors.js';
import type { BpfProgram, ObjectFile } from './types.js';

/** How a loader names the program it wants, as iproute2's `sec NAME` / `program NAME`. */
export interface ProgramSelector {
  section?: string;
  program?: string;
}

/**
 * Picks one program like iproute2 does with libbpf: `program` (a function
 * name) wins over `section`; a section selects its first program in file
 * order. Errors carry iproute2's exact wording.
 */
export function selectProgram(obj: ObjectFile, selector: ProgramSelector): BpfProgram {
  if (selector.program !== undefined) {
    const p = obj.programs.find((x) => x.name === selector.program);
    if (p === undefined) throw new ElfError(`object file doesn't contain prog ${selector.program}`);
    return p;
  }
  if (selector.section === undefined) throw new ElfError('no section or program name given');
  const p = obj.programs.find((x) => x.sectionName === selector.section);
  if (p === undefined) throw new ElfError(`object file doesn't contain sec ${selector.section}`);
  return p;
}
