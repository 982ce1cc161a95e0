// LPM trie get_next_key and lookups from user space, by the kernel's rules
// (trie_get_next_key, trie_lookup_elem), checked against a plain binary trie
// walked in postorder. lpm.test.ts asks the kernel itself.
import { describe, expect, it } from 'vitest';
import type { BpfMap } from '../../src/maps/map.js';
import { createStandaloneMap } from '../../src/maps/standalone.js';
import { BPF_F_NO_PREALLOC, BPF_MAP_TYPE_LPM_TRIE } from '../../src/uapi/bpf.js';
import { hex } from '../oracle/packets.js';
import { lpmKey, lpmTrieProblems, postorder, prefixOf, randomPrefixes, rng } from './lpm-support.js';
import { layout, spec, u32 } from './support.js';

const ip = (text: string): number => text.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);

const trie = (maxEntries = 4096): BpfMap => createStandaloneMap(spec(BPF_MAP_TYPE_LPM_TRIE, 8, 4, maxEntries, BPF_F_NO_PREALLOC), 2);

const order = (m: BpfMap): string[] => [...m.entries()].map(([k]) => hex(k));

describe('LPM trie get_next_key', () => {
  const keys = [lpmKey(16, ip('192.168.0.0')), lpmKey(24, ip('192.168.0.0')), lpmKey(24, ip('192.168.1.0')), lpmKey(8, ip('10.0.0.0')), lpmKey(32, ip('10.1.2.3'))];
  const filled = (): BpfMap => {
    const m = trie();
    keys.forEach((k, i) => m.updateElem(k, u32(i)));
    return m;
  };

  it('starts at the leftmost, most specific prefix for no key, a key not in the trie, or a prefixlen beyond the width', () => {
    const m = filled();
    const first = hex(keys[4]!);
    expect(hex(m.nextKeyElem(undefined)!)).toBe(first);
    expect(hex(m.nextKeyElem(lpmKey(32, ip('10.1.2.4')))!)).toBe(first);
    expect(hex(m.nextKeyElem(lpmKey(20, ip('192.168.0.0')))!)).toBe(first);
    expect(hex(m.nextKeyElem(lpmKey(33, ip('192.168.0.0')))!)).toBe(first);
    expect(hex(m.nextKeyElem(lpmKey(0xffffffff, ip('10.1.2.3')))!)).toBe(first);
  });

  it('continues after a present key, whatever bits it has past its prefix, and ends after the last', () => {
    const m = filled();
    expect(hex(m.nextKeyElem(lpmKey(8, ip('10.99.99.99')))!)).toBe(hex(keys[1]!));
    expect(hex(m.nextKeyElem(keys[1])!)).toBe(hex(keys[2]!));
    expect(m.nextKeyElem(keys[0])).toBeUndefined();
    expect(trie().nextKeyElem(undefined)).toBeUndefined();
  });

  it('returns the key bytes as last stored, bits past the prefix included', () => {
    const m = trie();
    m.updateElem(lpmKey(8, ip('10.1.1.1')), u32(1));
    m.updateElem(lpmKey(8, ip('10.9.9.9')), u32(2));
    expect([...m.entries()].map(([k, v]) => [hex(k), hex(v as Uint8Array)])).toEqual([[hex(lpmKey(8, ip('10.9.9.9'))), hex(u32(2))]]);
  });

  it('follows the postorder through inserts and deletes of thousands of random prefixes', () => {
    const next = rng(0x5eed1234);
    const { maps, memory } = layout([spec(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4096, BPF_F_NO_PREALLOC)]);
    const m = maps[0]!;
    const live = new Map<string, Uint8Array>();
    for (let round = 0; round < 4; round++) {
      for (const k of randomPrefixes(next, 800)) {
        m.updateElem(k, u32(round));
        live.set(prefixOf(k), k);
      }
      const doomed = [...live.keys()].filter(() => next() % 3 === 0);
      for (const id of doomed) {
        m.deleteElem(live.get(id)!);
        live.delete(id);
      }
      expect(order(m)).toEqual(postorder([...live.values()]).map(hex));
      expect(lpmTrieProblems(memory, 'm', 8, 4096)).toEqual([]);
    }
  });

  it('a walk that deletes each key it is given restarts at the first remaining key, as the kernel does', () => {
    const m = trie();
    const keysIn = randomPrefixes(rng(42), 500);
    keysIn.forEach((k) => m.updateElem(k, u32(0)));
    const expected = order(m);
    const seen: string[] = [];
    for (let k = m.nextKeyElem(undefined); k; k = m.nextKeyElem(k)) {
      seen.push(hex(k));
      m.deleteElem(k);
    }
    expect(seen).toEqual(expected);
    expect([...m.entries()]).toEqual([]);
  });
});

describe('LPM trie lookups from user space', () => {
  it('match the longest prefix, as the syscall does, and nothing beyond the width', () => {
    const m = trie();
    m.updateElem(lpmKey(8, ip('10.0.0.0')), u32(1));
    m.updateElem(lpmKey(24, ip('10.1.2.0')), u32(2));
    expect(m.lookupElem(lpmKey(32, ip('10.1.2.3')))).toEqual(u32(2));
    expect(m.lookupElem(lpmKey(32, ip('10.1.3.3')))).toEqual(u32(1));
    expect(m.lookupElem(lpmKey(16, ip('10.1.2.3')))).toEqual(u32(1));
    expect(m.lookupElem(lpmKey(32, ip('11.0.0.0')))).toBeUndefined();
    expect(m.lookupElem(lpmKey(33, ip('10.1.2.3')))).toBeUndefined();
    expect(m.lookupElem(lpmKey(0xffffffff, ip('10.1.2.3')))).toBeUndefined();
  });
});
