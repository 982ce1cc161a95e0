import { MemoryLayout, type Memory, type RegionSpec } from '../vm/memory.js';
import { createMap, layoutMaps } from './create.js';
import type { BpfMap } from './map.js';
import type { MapSpec } from './types.js';

/** Maps in a memory of their own, and where the regions laid out before them start. */
export interface StandaloneMaps {
  maps: BpfMap[];
  memory: Memory;
  /** The start of each of `options.before`'s regions, in order. */
  starts: number[];
}

export interface StandaloneOptions {
  /** Regions laid out before the maps (a scratch area, one region per thread). */
  before?: readonly RegionSpec[];
  /**
   * A memory another thread laid out the same way: the maps attach to the
   * state already in it (nothing is initialised), as a second CPU sees the
   * maps the first one created.
   */
  shared?: SharedArrayBuffer;
  /** The most bytes the memory may take (default: createMap's); a map past it is refused with ENOMEM. */
  limit?: number;
}

/**
 * Creates maps with no program loaded, for user-space work (a pinned map) and
 * for threads that share them: lays out `before` and the maps in one memory,
 * then binds and initialises the maps, or attaches them to `shared`. Every
 * thread that passes the same specs and regions gets the same addresses.
 */
export function createStandaloneMaps(specs: readonly MapSpec[], cpus: number, options: StandaloneOptions = {}): StandaloneMaps {
  const layout = new MemoryLayout();
  const before = (options.before ?? []).map((r) => layout.add(r));
  const maps = specs.map((s) => createMap(s, cpus, options.limit));
  const memory = layoutMaps(layout, maps, options.limit, options.shared);
  return { maps, memory, starts: before.map((r) => memory.regions[r]!.start) };
}

/** One map in a memory of its own. */
export function createStandaloneMap(spec: MapSpec, cpus: number): BpfMap {
  return createStandaloneMaps([spec], cpus).maps[0]!;
}
