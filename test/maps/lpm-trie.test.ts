// The LPM trie's own rules, as kernel/bpf/lpm_trie.c has them: error codes
// of trie_update_elem and trie_delete_elem, intermediate nodes, longest-prefix
// matches and get_next_key order for every data width (checked against a
// brute-force search), the trie's invariants in memory, and what programs may
// touch of it.
import { describe, expect, it } from 'vitest';
import {
  BPF_ANY,
  BPF_EXIST,
  BPF_F_NO_PREALLOC,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY_PROG,
  BPF_MAP_TYPE_LPM_TRIE,
  BPF_NOEXIST,
} from '../../src/uapi/bpf.js';
import { EEXIST, EINVAL, ENOENT, ENOSPC } from '../../src/uapi/errno.js';
import { hex } from '../oracle/packets.js';
import { lpmKey, lpmTrieProblems, rng } from './lpm-support.js';
import { errnoOf, layout, spec, u32 } from './support.js';

const ip = (text: string): number => text.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);

function trie(keySize: number, maxEntries: number, flags = 0) {
  const { maps, memory } = layout([spec(BPF_MAP_TYPE_LPM_TRIE, keySize, 4, maxEntries, BPF_F_NO_PREALLOC | flags)]);
  return { m: maps[0]!, memory, problems: () => lpmTrieProblems(memory, 'm', keySize, maxEntries) };
}

/** A key of `dataSize` bytes: prefixlen, then the data. */
function key(prefixlen: number, data: Uint8Array): Uint8Array {
  const k = new Uint8Array(4 + data.length);
  new DataView(k.buffer).setUint32(0, prefixlen >>> 0, true);
  k.set(data, 4);
  return k;
}

const bitOf = (data: Uint8Array, i: number): number => (data[i >>> 3]! >>> (7 - (i & 7))) & 1;

/** Whether the first `bits` bits of a and b agree. */
function agree(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) if (bitOf(a, i) !== bitOf(b, i)) return false;
  return true;
}

describe('LPM trie update and delete errors, as the kernel returns them', () => {
  it('refuses flags past BPF_EXIST and prefixlens past the width with EINVAL', () => {
    const { m } = trie(8, 4);
    expect(errnoOf(() => m.updateElem(lpmKey(33, 0), u32(1)))).toBe(EINVAL);
    expect(errnoOf(() => m.updateElem(lpmKey(8, 0), u32(1), 4))).toBe(EINVAL);
    expect(errnoOf(() => m.deleteElem(lpmKey(33, 0)))).toBe(EINVAL);
    expect(errnoOf(() => m.deleteElem(lpmKey(8, 0)))).toBe(ENOENT);
  });

  it('BPF_NOEXIST gives EEXIST on a present prefix, whatever bits follow it; BPF_EXIST gives ENOENT on an absent one', () => {
    const { m } = trie(8, 4);
    m.updateElem(lpmKey(16, ip('10.1.0.0')), u32(1), BPF_NOEXIST);
    expect(errnoOf(() => m.updateElem(lpmKey(16, ip('10.1.99.99')), u32(2), BPF_NOEXIST))).toBe(EEXIST);
    expect(errnoOf(() => m.updateElem(lpmKey(24, ip('10.1.0.0')), u32(2), BPF_EXIST))).toBe(ENOENT);
    expect(errnoOf(() => m.updateElem(lpmKey(8, ip('10.0.0.0')), u32(2), BPF_EXIST))).toBe(ENOENT);
    m.updateElem(lpmKey(16, ip('10.1.7.7')), u32(3), BPF_EXIST);
    expect(m.lookupElem(lpmKey(32, ip('10.1.2.3')))).toEqual(u32(3));
  });

  it('an intermediate node is no element: BPF_EXIST and delete give ENOENT, BPF_NOEXIST makes it one', () => {
    const { m, problems } = trie(8, 4);
    m.updateElem(lpmKey(24, ip('192.168.0.0')), u32(1));
    m.updateElem(lpmKey(24, ip('192.168.1.0')), u32(2));
    // 192.168.0.0/23 now parts them.
    expect(m.lookupElem(lpmKey(23, ip('192.168.0.0')))).toBeUndefined();
    expect(errnoOf(() => m.updateElem(lpmKey(23, ip('192.168.0.0')), u32(3), BPF_EXIST))).toBe(ENOENT);
    expect(errnoOf(() => m.deleteElem(lpmKey(23, ip('192.168.0.0'))))).toBe(ENOENT);
    m.updateElem(lpmKey(23, ip('192.168.0.0')), u32(3), BPF_NOEXIST);
    expect(m.lookupElem(lpmKey(32, ip('192.168.1.9')))).toEqual(u32(2));
    expect(m.lookupElem(lpmKey(23, ip('192.168.1.9')))).toEqual(u32(3));
    expect(problems()).toEqual([]);
    // With two children it becomes intermediate again, its children kept.
    m.deleteElem(lpmKey(23, ip('192.168.0.0')));
    expect(m.lookupElem(lpmKey(23, ip('192.168.1.9')))).toBeUndefined();
    expect(m.lookupElem(lpmKey(32, ip('192.168.0.9')))).toEqual(u32(1));
    expect(problems()).toEqual([]);
  });

  it('ENOSPC for a new element past max_entries, but not for replacing one; an intermediate node counts as new', () => {
    const { m, problems } = trie(8, 2);
    m.updateElem(lpmKey(24, ip('192.168.0.0')), u32(1));
    m.updateElem(lpmKey(24, ip('192.168.1.0')), u32(2));
    expect(errnoOf(() => m.updateElem(lpmKey(8, ip('10.0.0.0')), u32(3)))).toBe(ENOSPC);
    expect(errnoOf(() => m.updateElem(lpmKey(23, ip('192.168.0.0')), u32(3)))).toBe(ENOSPC);
    expect(errnoOf(() => m.updateElem(lpmKey(8, ip('10.0.0.0')), u32(3), BPF_EXIST))).toBe(ENOENT);
    m.updateElem(lpmKey(24, ip('192.168.0.0')), u32(9), BPF_ANY);
    expect(m.lookupElem(lpmKey(32, ip('192.168.0.1')))).toEqual(u32(9));
    m.deleteElem(lpmKey(24, ip('192.168.1.0')));
    m.updateElem(lpmKey(8, ip('10.0.0.0')), u32(3));
    expect(problems()).toEqual([]);
  });

  it('reuses the nodes deletes free, forever, within the preallocated ones', () => {
    const { m, problems } = trie(8, 16);
    const next = rng(7);
    for (let round = 0; round < 200; round++) {
      const keys = Array.from({ length: 16 }, () => lpmKey(next() % 33, next()));
      for (const k of keys) m.updateElem(k, u32(round));
      for (const k of keys) errnoOf(() => m.deleteElem(k));
      expect([...m.entries()]).toEqual([]);
    }
    expect(problems()).toEqual([]);
  });
});

describe('LPM trie of every width against a brute-force search', () => {
  for (const keySize of [5, 6, 7, 8, 9, 12, 20, 36]) {
    it(`key_size ${keySize}: lookups, get_next_key order and invariants through random updates and deletes`, () => {
      const dataSize = keySize - 4;
      const width = dataSize * 8;
      const next = rng(0x1000 + keySize);
      const maxEntries = 300;
      const { m, problems } = trie(keySize, maxEntries);
      const bases = Array.from({ length: 4 }, () => Uint8Array.from({ length: dataSize }, () => next() & 0xff));
      const randomData = (): Uint8Array => {
        const d = bases[next() % bases.length]!.slice();
        for (let flips = next() % 4; flips > 0; flips--) d[next() % dataSize]! ^= 1 << next() % 8;
        return d;
      };
      /** Live elements by prefix: the key as last stored, and its value. */
      const live = new Map<string, { key: Uint8Array; value: number }>();
      const prefixId = (len: number, data: Uint8Array): string => `${len}:${Array.from({ length: len }, (_, i) => bitOf(data, i)).join('')}`;
      for (let step = 0; step < 1500; step++) {
        const len = next() % (width + 1);
        const data = randomData();
        const k = key(len, data);
        const id = prefixId(len, data);
        if (next() % 3 === 0) {
          expect(errnoOf(() => m.deleteElem(k))).toBe(live.delete(id) ? 0 : ENOENT);
        } else {
          const errno = errnoOf(() => m.updateElem(k, u32(step)));
          expect(errno).toBe(live.has(id) || live.size < maxEntries ? 0 : ENOSPC);
          if (errno === 0) live.set(id, { key: k, value: step });
        }
        if (step % 50 !== 0) continue;
        for (let probe = 0; probe < 40; probe++) {
          const want = next() % (width + 1);
          const data = randomData();
          let best: { key: Uint8Array; value: number } | undefined;
          let bestLen = -1;
          for (const e of live.values()) {
            const el = new DataView(e.key.buffer).getUint32(0, true);
            if (el <= want && el > bestLen && agree(e.key.subarray(4), data, el)) [best, bestLen] = [e, el];
          }
          const got = m.lookupElem(key(want, data));
          expect(got && hex(got as Uint8Array)).toEqual(best && hex(u32(best.value)));
        }
        const expected = [...live.values()].map((e) => e.key).sort(postorderCompare);
        expect([...m.entries()].map(([k]) => hex(k))).toEqual(expected.map(hex));
        expect(problems()).toEqual([]);
      }
    });
  }
});

/**
 * The kernel trie's postorder: the first bit where two prefixes differ,
 * within the shorter, decides (0 first); when one contains the other, the
 * longer comes first.
 */
function postorderCompare(a: Uint8Array, b: Uint8Array): number {
  const la = new DataView(a.buffer, a.byteOffset).getUint32(0, true);
  const lb = new DataView(b.buffer, b.byteOffset).getUint32(0, true);
  for (let i = 0; i < Math.min(la, lb); i++) {
    const d = bitOf(a.subarray(4), i) - bitOf(b.subarray(4), i);
    if (d !== 0) return d;
  }
  return lb - la;
}

describe('LPM trie memory as programs see it', () => {
  it('values are readable and writable by programs unless the map says otherwise; nodes and indexes are internal', () => {
    for (const [flags, read, write] of [
      [0, true, true],
      [BPF_F_RDONLY_PROG, true, false],
      [BPF_F_WRONLY_PROG, false, true],
    ] as const) {
      const { m, memory } = trie(8, 4, flags);
      const values = memory.region('map:m:values');
      expect([values.readable !== false, values.writable]).toEqual([read, write]);
      for (const internal of ['map:m:trie', 'map:m:nodes']) {
        const r = memory.region(internal);
        expect([r.readable, r.writable]).toEqual([false, false]);
      }
      m.updateElem(lpmKey(8, ip('10.0.0.0')), u32(5));
      expect(m.lookupElem(lpmKey(32, ip('10.0.0.1')))).toEqual(u32(5));
    }
  });
});
