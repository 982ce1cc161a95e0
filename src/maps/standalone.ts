import { MemoryLayout } from '../vm/memory.js';
import { createMap, layoutMaps } from './create.js';
import type { BpfMap } from './map.js';
import type { MapSpec } from './types.js';

/** A map in a memory of its own, for user-space work with no program loaded (e.g. a pinned map). */
export function createStandaloneMap(spec: MapSpec, cpus: number): BpfMap {
  const map = createMap(spec, cpus);
  layoutMaps(new MemoryLayout(), [map]);
  return map;
}
