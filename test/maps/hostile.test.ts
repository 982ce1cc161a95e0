// Random map definitions and random user-space calls on every map type:
// every one either works or is refused with a MapError, nothing allocates
// past the size bound, and what works pins and reads back as it was.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMap } from '../../src/maps/create.js';
import type { BpfMap, MapValue } from '../../src/maps/map.js';
import { openPinned, PinError, pinMap } from '../../src/maps/pin.js';
import { createStandaloneMaps, type StandaloneMaps } from '../../src/maps/standalone.js';
import { MAP_TYPE_NAMES } from '../../src/uapi/bpf.js';
import { E2BIG } from '../../src/uapi/errno.js';
import { MapError, type MapSpec } from '../../src/maps/types.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { errnoOf } from './support.js';

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

/** A dump, of maps small enough: walking the million empty slots of an fd array twenty times over costs seconds. */
function dump(map: BpfMap): number {
  return map.spec.maxEntries <= 4096 ? map.entryCount() : 0;
}

const pins = mkdtempSync(join(tmpdir(), 'xdpsim-hostile-'));
afterAll(() => rmSync(pins, { recursive: true, force: true }));

/** Pins `map` and reads it back: the same entries (the pin of a map of references keeps none), or a refusal. */
function roundTrip(map: BpfMap, path: string): void {
  pinMap(map, path);
  try {
    const back = [...openPinned(path).entries()];
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    const sorted = (entries: Array<[Uint8Array, MapValue]>): string[] => entries.map(([k, v]) => `${hex(k)} ${Array.isArray(v) ? v.map(hex).join(' ') : hex(v)}`).sort();
    if (![3, 4, 12, 13, 17].includes(map.spec.type)) expect(sorted(back)).toEqual(sorted([...map.entries()]));
  } catch (e) {
    // A type whose user-space updates need the object (devmap programs, perf events) refuses with its errno.
    if (!(e instanceof MapError || e instanceof PinError)) throw e;
  }
}

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
      let made: StandaloneMaps;
      try {
        made = createStandaloneMaps([spec], 2, { limit: LIMIT });
      } catch (e) {
        expect(e).toBeInstanceOf(MapError);
        continue;
      }
      const map = made.maps[0]!;
      expect(made.memory.buffer.byteLength).toBeLessThan(2 * LIMIT);
      created++;
      for (let k = 0; k < 20; k++) {
        const key = Uint8Array.from({ length: spec.keySize > 64 ? 4 : spec.keySize }, () => next() & 0xff);
        const value = Uint8Array.from({ length: spec.valueSize > 64 ? 4 : spec.valueSize }, () => next() & 0xff);
        for (const op of [() => map.updateElem(key, value, next() % 5), () => map.lookupElem(key), () => map.deleteElem(key), () => map.nextKeyElem(key), () => dump(map)]) {
          try {
            op();
          } catch (e) {
            expect(e).toBeInstanceOf(MapError);
          }
        }
      }
      if (spec.maxEntries <= 4096) roundTrip(map, join(pins, `m${n}`));
    }
    expect(created).toBeGreaterThan(50);
  });
});

describe('data maps with random contents', () => {
  it('pin and read back as they were', () => {
    const next = rng(0x51ed270b);
    const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
    let pinned = 0;
    for (let n = 0; n < 300; n++) {
      const type = pick([1, 2, 5, 6, 9, 10, 11]);
      const spec: MapSpec = { name: `d${n}`, type, keySize: type === 2 || type === 6 ? 4 : type === 11 ? pick([5, 8, 20]) : pick([1, 4, 13]), valueSize: pick([1, 8, 33, 4096]), maxEntries: pick([1, 3, 64]), flags: type === 11 ? 1 : 0 };
      const map = createStandaloneMaps([spec], 2, { limit: LIMIT }).maps[0]!;
      for (let k = 0; k < 40; k++) {
        const key = Uint8Array.from({ length: spec.keySize }, () => next() & 0xff);
        if (type === 11) key[0] = next() % (8 * spec.keySize - 31);
        try {
          map.updateElem(key, Uint8Array.from({ length: spec.valueSize }, () => next() & 0xff));
        } catch (e) {
          expect(e).toBeInstanceOf(MapError);
        }
      }
      roundTrip(map, join(pins, spec.name));
      pinned++;
    }
    expect(pinned).toBe(300);
  });
});

describe('per-CPU values', () => {
  // PCPU_MIN_UNIT_SIZE: the kernel's array_map_alloc_check and htab_map_alloc_check refuse more with E2BIG.
  const cases: Array<[string, number, number]> = [];
  for (const type of [5, 6, 10]) for (const [size, errno] of [[32768, 0], [32761, 0], [32769, E2BIG], [40000, E2BIG]] as const) cases.push([MAP_TYPE_NAMES[type]!, size, errno]);
  const kernel = bpftoolMissing() === undefined;

  it.each(cases)('%s with value_size %i: errno %i, as the kernel', (name, valueSize, errno) => {
    const type = Number(Object.keys(MAP_TYPE_NAMES).find((t) => MAP_TYPE_NAMES[Number(t)] === name));
    expect(errnoOf(() => createMap({ name: 'x', type, keySize: 4, valueSize, maxEntries: 1, flags: 0 }, 2, LIMIT))).toBe(errno);
    if (!kernel) return;
    const pin = `/sys/fs/bpf/xdpsim_pcpu_${process.pid}`;
    const r = spawnSync('bpftool', ['map', 'create', pin, 'type', name, 'key', '4', 'value', String(valueSize), 'entries', '1', 'name', 'x'], { encoding: 'utf8' });
    rmSync(pin, { force: true });
    expect(r.status === 0 ? 0 : r.stderr.includes('Argument list too long') ? E2BIG : r.stderr).toBe(errno);
  });
});
