import type { ObjectFile } from '../elf/types.js';
import { BPF_F_XDP_HAS_FRAGS, BPF_MAP_TYPE_CPUMAP, BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH, BPF_MAP_TYPE_PROG_ARRAY } from '../uapi/bpf.js';
import { ProgramLoadError } from './errors.js';

/** Maps that hold programs (map_type_contains_progs): a program array's, a device or CPU map's entry programs. */
const HOLDS_PROGRAMS: ReadonlySet<number> = new Set([BPF_MAP_TYPE_PROG_ARRAY, BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH, BPF_MAP_TYPE_CPUMAP]);

/**
 * bpf_check_tail_call, as each program of the object loads in turn: a map
 * that holds programs is owned by the first program that uses it, and every
 * later one must be like it, frags-aware (BPF_F_XDP_HAS_FRAGS) or not, since
 * the programs the map holds run on the frames of any of them. The kernel
 * refuses the load with EINVAL and no verifier message.
 */
export function checkProgMapOwners(object: ObjectFile): void {
  const owners = new Map<number, { program: string; frags: boolean }>();
  for (const prog of object.programs) {
    const frags = ((prog.sectionDef?.progFlags ?? 0) & BPF_F_XDP_HAS_FRAGS) !== 0;
    for (const r of prog.relocations) {
      if (r.kind !== 'map' || !HOLDS_PROGRAMS.has(object.maps[r.mapIndex]!.type)) continue;
      const owner = owners.get(r.mapIndex);
      if (owner === undefined) {
        owners.set(r.mapIndex, { program: prog.name, frags });
        continue;
      }
      if (owner.frags === frags) continue;
      const aware = (f: boolean): string => (f ? 'frags-aware' : 'not frags-aware');
      throw new ProgramLoadError(
        prog.name,
        `map '${object.maps[r.mapIndex]!.name}' holds programs for '${owner.program}', which is ${aware(owner.frags)}, and this program is ${aware(frags)}: the kernel refuses the load (EINVAL)`,
      );
    }
  }
}
