// The hash table under every hashed map: costs stay bounded under churn
// (counted in slots examined, not timed), a full walk is linear, iteration
// is deterministic, and walks that edit the table visit each entry once.
import { describe, expect, it } from 'vitest';
import { HashMap } from '../../src/maps/hash.js';
import { HashTable } from '../../src/maps/hashtab.js';
import { BPF_MAP_TYPE_LRU_HASH } from '../../src/maps/types.js';
import { layout, spec, u32 } from './support.js';

interface Table {
  t: HashTable;
  /** Writes `k` to the scratch key at address 0 and returns that address. */
  key: (k: number) => number;
  /** The key of an entry. */
  keyOf: (entry: number) => number;
}

/** A table of 4-byte keys over its own bytes. */
function table(capacity: number): Table {
  const u8 = new Uint8Array(8 + capacity * 8);
  const view = new DataView(u8.buffer);
  const t = new HashTable(u8, 8, 4, 8, capacity);
  return {
    t,
    key: (k) => {
      view.setUint32(0, k >>> 0, true);
      return 0;
    },
    keyOf: (entry) => view.getUint32(t.keyAddress(entry), true),
  };
}

/** Average slots examined by `n` lookups of keys never inserted. */
function missCost({ t, key }: Table, n = 1000): number {
  const before = t.probes;
  for (let i = 0; i < n; i++) expect(t.find(key(0xdead0000 + i))).toBe(-1);
  return (t.probes - before) / n;
}

describe('HashTable', () => {
  it('keeps misses cheap after millions of inserts and deletes', () => {
    const tab = table(1024);
    const { t, key } = tab;
    const fresh = missCost(tab);
    // A sliding window of 512 live keys: every insert is matched by a delete.
    for (let k = 0; k < 2_000_000; k++) {
      t.insert(key(k));
      if (k >= 512) t.remove(key(k - 512));
    }
    expect(t.count).toBe(512);
    for (let k = 2_000_000 - 512; k < 2_000_000; k++) expect(t.find(key(k))).toBeGreaterThanOrEqual(0);
    // Tombstones are bounded by the rebuilds: a miss stays a short scan, not a
    // pass over the 2048 slots.
    expect(fresh).toBeLessThan(2);
    expect(missCost(tab)).toBeLessThan(12);
  });

  it('costs O(1) amortised per insert and delete under churn, rebuilds included', () => {
    const { t, key } = table(4096);
    const ops = 400_000;
    for (let k = 0; k < ops; k++) {
      t.insert(key(k));
      if (k >= 3000) t.remove(key(k - 3000));
    }
    expect(t.probes / ops).toBeLessThan(24);
  });

  it('walks 64k entries with get_next_key in linear steps', () => {
    const n = 65536;
    const { t, key } = table(n);
    for (let i = 0; i < n; i++) t.insert(key(Math.imul(i, 2654435761)));
    const before = t.probes;
    let seen = 0;
    for (let e = t.next(0); e >= 0; e = t.next(t.keyAddress(e))) seen++;
    expect(seen).toBe(n);
    // A find per step plus one pass over the slots.
    expect(t.probes - before).toBeLessThan(3 * n + t.size);
  });

  it('gives the first entry for a key not in the table, as the kernel restarts', () => {
    const { t, key } = table(16);
    for (let k = 1; k <= 5; k++) t.insert(key(k));
    const first = t.next(0);
    expect(t.next(key(99))).toBe(first);
  });

  it('iterates in the same order for the same operations', () => {
    const order = (): number[] => {
      const { t, key, keyOf } = table(256);
      for (let i = 0; i < 5000; i++) {
        t.insert(key(i));
        t.remove(key(i - 200));
      }
      const out: number[] = [];
      t.walk((e) => {
        out.push(keyOf(e));
        return false;
      });
      return out;
    };
    const a = order();
    expect(a).toHaveLength(200);
    expect(order()).toEqual(a);
  });

  it('a walk deleting every entry visits each once, with tombstones at the rebuild threshold', () => {
    const { t, key, keyOf } = table(1024);
    for (let k = 0; k < 20_000; k++) {
      t.insert(key(k));
      t.remove(key(k - 1000));
    }
    const seen: number[] = [];
    const visited = t.walk((e) => {
      const k = keyOf(e);
      seen.push(k);
      t.remove(key(k));
      return false;
    });
    expect(visited).toBe(1000);
    expect(new Set(seen).size).toBe(1000);
    expect(t.count).toBe(0);
  });

  it('a walk inserting new entries never rebuilds under itself: no entry is seen twice', () => {
    const { t, key, keyOf } = table(1024);
    for (let k = 0; k < 6000; k++) {
      t.insert(key(k));
      t.remove(key(k - 500));
    }
    const seen: number[] = [];
    t.walk((e) => {
      const k = keyOf(e);
      seen.push(k);
      // Replace each old key by a new one: enough inserts to cross the rebuild threshold.
      if (k < 1_000_000) {
        t.remove(key(k));
        t.insert(key(k + 1_000_000));
      }
      return false;
    });
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((k) => k < 1_000_000)).toHaveLength(500);
    expect(t.count).toBe(500);
  });
});

describe('LRU hash under churn', () => {
  it('keeps exactly the most recently used keys and cheap misses', () => {
    const { maps, memory, scratch } = layout([spec(BPF_MAP_TYPE_LRU_HASH, 4, 8, 1000)]);
    const map = maps[0]!;
    if (!(map instanceof HashMap)) throw new Error('an LRU hash is a HashMap');
    /** A program's lookup, which is what marks an element used (a syscall lookup does not). */
    const use = (k: number): number => {
      memory.view.setUint32(scratch, k, true);
      return map.lookup(scratch, 0);
    };
    const value = new Uint8Array(8);
    const hot = [7, 77, 777];
    for (const k of hot) map.updateElem(u32(k), value);
    // 200k new keys, each insert evicting; the hot keys are used all along.
    for (let k = 1_000_000; k < 1_200_000; k++) {
      map.updateElem(u32(k), value);
      if (k % 100 === 0) for (const h of hot) expect(use(h)).not.toBe(0);
    }
    const keys = [...map.entries()].map(([k]) => new DataView(k.buffer).getUint32(0, true));
    expect(keys).toHaveLength(1000);
    const expected = new Set([...hot, ...Array.from({ length: 997 }, (_, i) => 1_200_000 - 997 + i)]);
    expect(new Set(keys)).toEqual(expected);
    const before = map.probes;
    for (let i = 0; i < 1000; i++) expect(map.lookupElem(u32(0xdead0000 + i))).toBeUndefined();
    expect((map.probes - before) / 1000).toBeLessThan(12);
  });
});
