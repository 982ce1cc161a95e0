import { MemoryLayout } from '../vm/memory.js';
import { createMap } from './create.js';
import type { BpfMap } from './map.js';
import type { MapSpec } from './types.js';

/** A map in a memory of its own, for user-space work with no program loaded (e.g. a pinned map). */
export function createStandaloneMap(spec: MapSpec, cpus: number): BpfMap {
  const map = createMap(spec, cpus);
  const layout = new MemoryLayout();
  const indexes = map.regions().map((r) => layout.add(r));
  const memory = layout.build();
  map.bind(memory, indexes.map((i) => memory.regions[i]!));
  return map;
}
