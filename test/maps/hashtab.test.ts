// The hash table under every hashed map, kept in the flat memory: the
// kernel's bucket and chain order, a free list that always accounts for
// every element, walks that edit the table visiting each element once, an
// LRU, and state that a second map object over the same buffer shares.
import { describe, expect, it } from 'vitest';
import { HashMap } from '../../src/maps/hash.js';
import { jhash } from '../../src/maps/hashtab.js';
import type { BpfMap } from '../../src/maps/map.js';
import { createStandaloneMaps } from '../../src/maps/standalone.js';
import {
  BPF_F_RDONLY_PROG,
  BPF_F_ZERO_SEED,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_PERCPU_HASH,
} from '../../src/uapi/bpf.js';
import { E2BIG } from '../../src/uapi/errno.js';
import type { MapSpec } from '../../src/maps/types.js';
import { MemoryAccessError } from '../../src/vm/memory.js';
import { CPUS, errnoOf, layout, spec, u32 } from './support.js';

/** One hash map laid out alone, with a 4 KiB scratch region for program-side keys. */
function hashMap(s: MapSpec): { map: HashMap; key: (k: number) => number; keyOf: (at: number) => number; memory: ReturnType<typeof layout>['memory'] } {
  const { maps, memory, scratch } = layout([s]);
  const map = maps[0];
  if (!(map instanceof HashMap)) throw new Error('not a HashMap');
  return {
    map,
    memory,
    key: (k) => {
      memory.view.setUint32(scratch, k >>> 0, true);
      return scratch;
    },
    keyOf: (at) => memory.view.getUint32(at, true),
  };
}

const keysOf = (map: BpfMap): number[] => [...map.entries()].map(([k]) => new DataView(k.buffer).getUint32(0, true));
const value8 = new Uint8Array(8);

describe('HashTable', () => {
  it('hashes with the kernel jhash (seed 0)', () => {
    const u8 = new Uint8Array(16);
    u8.set(u32(1));
    expect(jhash(u8, 0, 4, 0) >>> 0).toBe(0x72a82a9b);
    u8.set(u32(3));
    expect(jhash(u8, 0, 4, 0) >>> 0).toBe(0x9917754f);
    // No bytes: the initial value, untouched by the final mix.
    expect(jhash(u8, 0, 0, 0) >>> 0).toBe(0xdeadbeef);
  });

  it('orders keys by bucket, newest first in a chain, and moves an updated key to its chain head', () => {
    const { map } = hashMap(spec(BPF_MAP_TYPE_HASH, 4, 4, 8, BPF_F_ZERO_SEED));
    for (let k = 1; k <= 8; k++) map.updateElem(u32(k), u32(k));
    // What `bpftool map dump` prints for the same map in the kernel (test/maps/hash-order.test.ts checks it there).
    expect(keysOf(map)).toEqual([4, 7, 2, 1, 8, 6, 5, 3]);
    // 7 and 2 share bucket 2, 7 (the newer) first; 7 is at its head already, 2 moves there.
    map.updateElem(u32(7), u32(100));
    expect(keysOf(map)).toEqual([4, 7, 2, 1, 8, 6, 5, 3]);
    map.updateElem(u32(2), u32(101));
    expect(keysOf(map)).toEqual([4, 2, 7, 1, 8, 6, 5, 3]);
    expect(map.lookupElem(u32(2))).toEqual(u32(101));
  });

  it('updates a per-CPU element in place: its chain order stays', () => {
    const { map } = hashMap(spec(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 8));
    for (let k = 1; k <= 8; k++) map.updateElem(u32(k), u32(k));
    const before = keysOf(map);
    for (let k = 1; k <= 8; k++) map.updateElem(u32(k), u32(k + 10));
    expect(keysOf(map)).toEqual(before);
  });

  it('gives the first key for a key not in the table, as the kernel restarts', () => {
    const { map } = hashMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 16));
    for (let k = 1; k <= 5; k++) map.updateElem(u32(k), value8);
    expect(map.nextKeyElem(u32(99))).toEqual(map.nextKeyElem(undefined));
  });

  it('accounts for every element under churn: count + free list = max_entries, misses stay misses', () => {
    const { map } = hashMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 1024));
    const table = map.index;
    // A sliding window of 512 live keys: every insert is matched by a delete.
    for (let k = 0; k < 200_000; k++) {
      map.updateElem(u32(k), value8);
      if (k >= 512) map.deleteElem(u32(k - 512));
    }
    expect(table.count).toBe(512);
    expect(table.count + table.freeCount()).toBe(1024);
    for (let k = 200_000 - 512; k < 200_000; k++) expect(map.lookupElem(u32(k))).toBeDefined();
    for (let k = 0; k < 1000; k++) expect(map.lookupElem(u32(k))).toBeUndefined();
    expect(new Set(keysOf(map)).size).toBe(512);
  });

  it('refuses a new key with E2BIG when full, and takes it once one is deleted', () => {
    const { map } = hashMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 3));
    for (let k = 0; k < 3; k++) map.updateElem(u32(k), value8);
    expect(errnoOf(() => map.updateElem(u32(9), value8))).toBe(E2BIG);
    map.updateElem(u32(1), value8.fill(1));
    map.deleteElem(u32(0));
    map.updateElem(u32(9), value8);
    expect(keysOf(map).sort()).toEqual([1, 2, 9]);
    expect(map.index.freeCount()).toBe(0);
  });

  it('a walk deleting every element visits each once', () => {
    const { map, key, keyOf } = hashMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 1024));
    for (let k = 0; k < 20_000; k++) {
      map.updateElem(u32(k), value8);
      if (k >= 1000) map.deleteElem(u32(k - 1000));
    }
    const seen: number[] = [];
    const visited = map.forEachElem(0, (at) => {
      const k = keyOf(at);
      seen.push(k);
      expect(map.delete(key(k))).toBe(0);
      return false;
    });
    expect(visited).toBe(1000);
    expect(new Set(seen).size).toBe(1000);
    expect(map.index.count).toBe(0);
    expect(map.index.freeCount()).toBe(1024);
  });

  it('a walk replacing, updating and re-inserting keys sees no element twice', () => {
    const { map, key, keyOf } = hashMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 1024));
    for (let k = 0; k < 6000; k++) {
      map.updateElem(u32(k), value8);
      if (k >= 500) map.deleteElem(u32(k - 500));
    }
    const seen: number[] = [];
    const value = key(0) + 64;
    map.forEachElem(0, (at) => {
      const k = keyOf(at);
      seen.push(k);
      if (k % 3 === 0) {
        // Delete and re-insert the current key: it goes back to the head of the same chain.
        expect(map.delete(key(k))).toBe(0);
        expect(map.update(key(k), value, 0, 0)).toBe(0);
      } else if (k % 3 === 1) {
        // Update in place: the element moves to its chain head.
        expect(map.update(key(k), value, 0, 0)).toBe(0);
      } else if (k < 1_000_000) {
        expect(map.delete(key(k))).toBe(0);
        expect(map.update(key(k + 1_000_000), value, 0, 0)).toBe(0);
      }
      return false;
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((k) => k < 1_000_000)).toHaveLength(500);
    expect(map.index.count).toBe(500);
  });
});

describe('LRU hash', () => {
  it('keeps the used keys and only recent ones under churn, every element accounted for', () => {
    const { map, key } = hashMap(spec(BPF_MAP_TYPE_LRU_HASH, 4, 8, 1000));
    /** A program's lookup, which is what marks an element used (a syscall lookup does not). */
    const use = (k: number): number => map.lookup(key(k), 0);
    const hot = [7, 77, 777];
    for (const k of hot) map.updateElem(u32(k), value8);
    // 200k new keys, each insert evicting; the hot keys are used all along.
    for (let k = 1_000_000; k < 1_200_000; k++) {
      map.updateElem(u32(k), value8);
      if (k % 100 === 0) for (const h of hot) expect(use(h)).not.toBe(0);
    }
    const keys = keysOf(map);
    for (const h of hot) expect(keys).toContain(h);
    // As the kernel's LRU, a CPU keeps a batch of free elements of its own (up to half its share of the
    // map), so the map holds fewer than max_entries keys: the latest ones, and none older than 1,000 inserts.
    expect(keys.length).toBeGreaterThan(500);
    expect(keys.length).toBeLessThanOrEqual(1000);
    for (const k of keys) if (!hot.includes(k)) expect(k).toBeGreaterThanOrEqual(1_200_000 - 1000);
    expect(map.index.count + map.index.freeCount()).toBe(1000);
    expect(map.index.lruOrder()).toHaveLength(keys.length);
  });

  it('evicts the least recently used: a syscall lookup is no use, a program lookup and an update are', () => {
    const { map, key } = hashMap(spec(BPF_MAP_TYPE_LRU_HASH, 4, 8, 3));
    for (const k of [1, 2, 3]) map.updateElem(u32(k), value8);
    map.lookupElem(u32(1));
    map.updateElem(u32(4), value8);
    expect(keysOf(map).sort()).toEqual([2, 3, 4]);
    map.lookup(key(2), 0);
    map.updateElem(u32(3), value8);
    map.updateElem(u32(5), value8);
    expect(keysOf(map).sort()).toEqual([2, 3, 5]);
    map.deleteElem(u32(3));
    map.updateElem(u32(6), value8);
    expect(keysOf(map).sort()).toEqual([2, 5, 6]);
    expect(map.index.count + map.index.freeCount()).toBe(3);
  });
});

describe('hash maps in the flat memory', () => {
  it('a second map object bound over the same buffer works on the same map, without init', () => {
    const specs = [spec(BPF_MAP_TYPE_HASH, 4, 8, 64, 0, 'h'), spec(BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, 0, 'l'), spec(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 8, 0, 'p')];
    const { maps: a, memory } = createStandaloneMaps(specs, CPUS);
    const { maps: b } = createStandaloneMaps(specs, CPUS, { shared: memory.buffer });
    for (let k = 0; k < 40; k++) a[0]!.updateElem(u32(k), new Uint8Array(8).fill(k));
    for (let k = 0; k < 40; k += 2) b[0]!.deleteElem(u32(k));
    expect(keysOf(a[0]!)).toEqual(keysOf(b[0]!));
    expect(keysOf(a[0]!)).toHaveLength(20);
    expect(b[0]!.lookupElem(u32(7))).toEqual(new Uint8Array(8).fill(7));
    for (let k = 0; k < 6; k++) (k % 2 ? a : b)[1]!.updateElem(u32(k), value8);
    expect(keysOf(a[1]!).sort()).toEqual([2, 3, 4, 5]);
    b[2]!.updateElem(u32(1), [u32s8(1), u32s8(2)]);
    expect(a[2]!.lookupElem(u32(1))).toEqual([u32s8(1), u32s8(2)]);
  });

  it('keeps the index out of programs reach, keys read-only, values as the access flags say', () => {
    const { maps, memory } = layout([spec(BPF_MAP_TYPE_HASH, 4, 8, 4, 0, 'rw'), spec(BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_RDONLY_PROG, 'ro')]);
    maps[0]!.updateElem(u32(1), value8);
    const region = (name: string) => memory.region(name).start;
    expect(() => memory.check(region('map:rw:htab'), 4, false, 0)).toThrow(/internal/);
    expect(() => memory.check(region('map:rw:htab'), 4, true, 0)).toThrow(MemoryAccessError);
    memory.check(region('map:rw:keys'), 4, false, 0);
    expect(() => memory.check(region('map:rw:keys'), 4, true, 0)).toThrow(/read-only/);
    memory.check(region('map:rw:values'), 8, true, 0);
    expect(() => memory.check(region('map:ro:values'), 8, true, 0)).toThrow(/read-only/);
  });
});

function u32s8(v: number): Uint8Array {
  const b = new Uint8Array(8);
  b.set(u32(v));
  return b;
}
