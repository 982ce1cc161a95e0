// Maps laid out in one memory of their own, as the loader lays out an
// object's, with that memory at hand for the test.
import type { BpfMap } from '../../src/maps/map.js';
import { createStandaloneMaps } from '../../src/maps/standalone.js';
import type { MapSpec } from '../../src/maps/types.js';
import type { Memory } from '../../src/vm/memory.js';

export const CPUS = 2;

export function spec(type: number, keySize: number, valueSize: number, maxEntries: number, flags = 0, name = 'm'): MapSpec {
  return { name, type, keySize, valueSize, maxEntries, flags };
}

/** Creates the maps and lays them out in one memory, after a scratch region of 4 KiB. */
export function layout(specs: readonly MapSpec[]): { maps: BpfMap[]; memory: Memory; scratch: number } {
  const { maps, memory, starts } = createStandaloneMaps(specs, CPUS, { before: [{ name: 'test-scratch', size: 4096, writable: true }] });
  return { maps, memory, scratch: starts[0]! };
}

export const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};

export const u32s = (...vs: number[]): Uint8Array => {
  const b = new Uint8Array(4 * vs.length);
  vs.forEach((v, i) => new DataView(b.buffer).setUint32(4 * i, v >>> 0, true));
  return b;
};

/** The errno a call throws as a MapError, or 0 when it does not throw. */
export function errnoOf(f: () => unknown): number {
  try {
    f();
    return 0;
  } catch (e) {
    const errno = (e as { errno?: unknown }).errno;
    if (typeof errno !== 'number') throw e;
    return errno;
  }
}
