// The hash table reads aligned keys as int32 words (hash, compare, copy) and
// others byte by byte: both must give the kernel's jhash and find the same
// element. Values without special fields copy by words too.
import { describe, expect, it } from 'vitest';
import { HashMap } from '../../src/maps/hash.js';
import { jhash, jhashWords } from '../../src/maps/hashtab.js';
import { BPF_ANY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_PERCPU_HASH } from '../../src/uapi/bpf.js';
import { layout, spec } from './support.js';

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

describe('jhash over int32 words', () => {
  it('equals jhash over the same bytes, for every key length that is whole words, and any seed', () => {
    const next = random(99);
    const u8 = new Uint8Array(256);
    const i32 = new Int32Array(u8.buffer);
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < u8.length; i++) u8[i] = next() & 0xff;
      for (let length = 4; length <= 64; length += 4) {
        const at = 4 * (next() % 16);
        const seed = round % 2 === 0 ? 0 : next() | 0;
        expect(jhashWords(i32, at >> 2, length, seed)).toBe(jhash(u8, at, length, seed));
      }
    }
  });

  it('a known value: jhash2 of the u32 1 with seed 0, as htab_map_hash computes it', () => {
    const i32 = Int32Array.of(1);
    expect(jhashWords(i32, 0, 4, 0) >>> 0).toBe(0x72a82a9b);
  });
});

describe('hashed maps with keys aligned or not', () => {
  for (const type of [BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_PERCPU_HASH]) {
    it(`map type ${type}: a key at an odd address finds, updates and deletes what the same key at an aligned one stored`, () => {
      const { maps, memory, scratch } = layout([spec(type, 12, 8, 64)]);
      const map = maps[0] as HashMap;
      const aligned = scratch;
      const odd = scratch + 101;
      const value = scratch + 256;
      const next = random(5);
      for (let k = 0; k < 40; k++) {
        const key = Array.from({ length: 12 }, () => next() & 0xff);
        memory.u8.set(key, aligned);
        memory.u8.set(key, odd);
        expect(map.index.hash(odd)).toBe(map.index.hash(aligned));
        memory.view.setUint32(value, k, true);
        expect(map.update(aligned, value, BPF_ANY, 0)).toBe(0);
        const at = map.lookup(odd, 0);
        expect(at).not.toBe(0);
        expect(memory.view.getUint32(at, true)).toBe(k);
        // Stored from the odd address, the key is the same element.
        memory.view.setUint32(value, k + 1000, true);
        expect(map.update(odd, value, BPF_ANY, 0)).toBe(0);
        expect(memory.view.getUint32(map.lookup(aligned, 0), true)).toBe(k + 1000);
        if (k % 2 === 0) {
          expect(map.delete(odd)).toBe(0);
          expect(map.lookup(aligned, 0)).toBe(0);
        }
      }
      expect(map.index.count).toBe(20);
    });
  }

  it('a value written by words reads back whole, and one overlapping its own slot copies as memmove', () => {
    const { maps, memory, scratch } = layout([spec(BPF_MAP_TYPE_HASH, 4, 16, 8)]);
    const map = maps[0] as HashMap;
    memory.view.setUint32(scratch, 7, true);
    const value = scratch + 64;
    memory.u8.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], value);
    map.update(scratch, value, BPF_ANY, 0);
    const at = map.lookup(scratch, 0);
    expect([...memory.u8.subarray(at, at + 16)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    // The value's own bytes from 4 bytes before it: the copy must read them before it writes.
    map.update(scratch, at - 4, BPF_ANY, 0);
    expect([...memory.u8.subarray(at + 4, at + 16)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});
