import type { MapDef } from '../elf/types.js';
import type { MapSpec } from '../maps/types.js';
import { BPF_MAP_TYPE_PERF_EVENT_ARRAY } from '../uapi/bpf.js';

/**
 * A map definition as libbpf hands it to the kernel. A perf event array
 * declared without max_entries gets one entry per possible CPU
 * (map_set_def_max_entries), as the kernel itself refuses 0.
 */
export function mapSpec(def: MapDef, cpus: number): MapSpec {
  return {
    name: def.name,
    type: def.type,
    keySize: def.keySize,
    valueSize: def.valueSize,
    maxEntries: def.type === BPF_MAP_TYPE_PERF_EVENT_ARRAY && def.maxEntries === 0 ? cpus : def.maxEntries,
    flags: def.mapFlags,
    ...(def.inner && { inner: mapSpec(def.inner, cpus) }),
  };
}
