// The LRU hash's policy, as the kernel's common LRU (bpf_lru_list.c): a use
// (a program's lookup, an update) only sets the element's reference bit,
// taking no lock and leaving the lists as they are; shrinking the inactive
// list spares a referenced element (it goes to the active list), and when
// nothing can be freed one element is taken whatever its bit. The expected
// keys are the kernel's (6.18, bpftool prog run on CPU 0; see
// lru-kernel.test.ts for the live comparison).
import { describe, expect, it } from 'vitest';
import { HashMap } from '../../src/maps/hash.js';
import { BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH } from '../../src/uapi/bpf.js';
import { layout, spec, u32 } from './support.js';

const value8 = new Uint8Array(8);

function lru(type: number, maxEntries: number): { map: HashMap; use: (k: number) => number; order: () => number[]; keys: () => number[] } {
  const { maps, memory, scratch } = layout([spec(type, 4, 8, maxEntries)]);
  const map = maps[0] as HashMap;
  const keyOf = (elem: number): number => memory.view.getUint32(map.index.keyAddress(elem), true);
  return {
    map,
    use: (k) => {
      memory.view.setUint32(scratch, k, true);
      return map.lookup(scratch, 0);
    },
    order: () => map.index.lruOrder().map(keyOf),
    keys: () => [...map.entries()].map(([k]) => new DataView(k.buffer).getUint32(0, true)).sort((a, b) => a - b),
  };
}

describe('LRU hash: reference marks and second chances', () => {
  for (const type of [BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH]) {
    it(`map type ${type}: a lookup leaves the list as it is; eviction spares a marked element`, () => {
      const { map, use, order, keys } = lru(type, 4);
      for (const k of [1, 2, 3, 4]) map.updateElem(u32(k), value8);
      expect(order()).toEqual([4, 3, 2, 1]);
      expect(use(1)).not.toBe(0);
      expect(use(2)).not.toBe(0);
      expect(order()).toEqual([4, 3, 2, 1]);
      // 1 and 2 are marked: each moves to the head with its mark cleared, and 3, the oldest unmarked, goes.
      map.updateElem(u32(5), value8);
      expect(keys()).toEqual([1, 2, 4, 5]);
      expect(order()).toEqual([5, 2, 1, 4]);
      map.updateElem(u32(6), value8);
      expect(keys()).toEqual([1, 2, 5, 6]);
      // 1 and 2 went to the active list when they were spared; the inactive ones go first.
      map.updateElem(u32(7), value8);
      map.updateElem(u32(8), value8);
      expect(keys()).toEqual([1, 2, 7, 8]);
    });

    it(`map type ${type}: an update of a present key is a use; a syscall lookup is not`, () => {
      const { map, keys } = lru(type, 3);
      for (const k of [1, 2, 3]) map.updateElem(u32(k), value8);
      map.updateElem(u32(1), value8);
      map.lookupElem(u32(2));
      map.updateElem(u32(4), value8);
      expect(keys()).toEqual([1, 3, 4]);
    });

    it(`map type ${type}: when every element is marked, eviction still takes one (the kernel's forced shrink)`, () => {
      const { map, use, keys } = lru(type, 3);
      for (const k of [1, 2, 3]) map.updateElem(u32(k), value8);
      for (const k of [1, 2, 3]) use(k);
      map.updateElem(u32(4), value8);
      expect(keys()).toEqual([1, 2, 4]);
      expect(map.index.count + map.index.freeCount()).toBe(3);
    });
  }

  it('frees the special fields (a timer) of every element an eviction takes out, when it takes it out', () => {
    // 512 entries on 2 CPUs: a CPU refills its free list 128 elements at a time, so one insert past
    // the top evicts many; each must lose its timer then, as htab_lru_map_delete_node frees its fields.
    const { map } = lru(BPF_MAP_TYPE_LRU_HASH, 512);
    const freed = new Set<number>();
    map.record = { spinLockOff: -1, timerOff: 0, fieldOffs: [[0, 16]], freeFields: (value) => freed.add(value) };
    for (let k = 0; k < 512; k++) map.updateElem(u32(k), value8);
    freed.clear();
    map.updateElem(u32(512), value8);
    const gone = 513 - map.index.count;
    expect(gone).toBeGreaterThan(1);
    // Every element no longer in the map had its fields freed (the one the new key took, too).
    expect(freed.size).toBeGreaterThanOrEqual(gone);
  });
});

