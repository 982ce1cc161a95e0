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
 * order; with neither, the object must hold just one. Errors carry
 * iproute2's exact wording where it has one.
 */
export function selectProgram(obj: ObjectFile, selector: ProgramSelector = {}): BpfProgram {
  if (selector.program !== undefined) {
    const p = obj.programs.find((x) => x.name === selector.program);
    if (p === undefined) throw new ElfError(`object file doesn't contain prog ${selector.program}`);
    return p;
  }
  if (selector.section === undefined) {
    if (obj.programs.length !== 1) throw new ElfError(`object has ${obj.programs.length} programs; name one by section or by program`);
    return obj.programs[0]!;
  }
  const p = obj.programs.find((x) => x.sectionName === selector.section);
  if (p === undefined) throw new ElfError(`object file doesn't contain sec ${selector.section}`);
  return p;
}
