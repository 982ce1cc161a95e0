// Random map definitions and random user-space calls on the new map types:
// every one either works or is refused with a MapError, and nothing
// allocates past the size bound.
import { describe, expect, it } from 'vitest';
import { createMap } from '../../src/maps/create.js';
import type { BpfMap } from '../../src/maps/map.js';
import { MapError, type MapSpec } from '../../src/maps/types.js';
import { MemoryLayout } from '../../src/vm/memory.js';

const TYPES = [3, 4, 12, 13, 14, 16, 17, 22, 23, 25, 27];
const SIZES = [0, 0, 4, 4, 4, 8, 8, 1, 6, 12, 4096, 0xffffffff];
const ENTRIES = [1, 2, 4, 4096, 4096, 0, 3, 12288, 2 ** 20, 2 ** 31, 0xffffffff];

/** xorshift32: the same sequence on every run. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

const LIMIT = 16 << 20;

describe('hostile map definitions and calls', () => {
  it('are refused with MapError or work', () => {
    const next = rng(0x9e3779b9);
    const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
    let created = 0;
    for (let n = 0; n < 4000; n++) {
      const spec: MapSpec = {
        name: `m${n}`,
        type: pick(TYPES),
        keySize: pick(SIZES),
        valueSize: pick(SIZES),
        maxEntries: pick(ENTRIES),
        flags: next() % 4 === 0 ? next() & 0x1fff : 0,
      };
      if (next() % 2 === 0) spec.inner = { name: 'inner', type: pick([1, 2, 3, 12, 22, 27]), keySize: 4, valueSize: pick([0, 4, 8]), maxEntries: pick(ENTRIES), flags: 0 };
      let map: BpfMap;
      try {
        map = createMap(spec, 2, LIMIT);
      } catch (e) {
        expect(e).toBeInstanceOf(MapError);
        continue;
      }
      const layout = new MemoryLayout();
      const indexes = map.regions().map((r) => layout.add(r));
      const memory = layout.build();
      expect(memory.buffer.byteLength).toBeLessThan(2 * LIMIT);
      map.bind(memory, indexes.map((i) => memory.regions[i]!));
      created++;
      for (let k = 0; k < 20; k++) {
        const key = Uint8Array.from({ length: spec.keySize > 64 ? 4 : spec.keySize }, () => next() & 0xff);
        const value = Uint8Array.from({ length: spec.valueSize > 64 ? 4 : spec.valueSize }, () => next() & 0xff);
        for (const op of [() => map.updateElem(key, value, next() % 5), () => map.lookupElem(key), () => map.deleteElem(key), () => map.nextKeyElem(key), () => map.entries()]) {
          try {
            op();
          } catch (e) {
            expect(e).toBeInstanceOf(MapError);
          }
        }
      }
    }
    expect(created).toBeGreaterThan(50);
  });
});
