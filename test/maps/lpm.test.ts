// The LPM trie against the kernel: lookups with prefix lengths beyond the
// trie's width, and get_next_key order, compared without sorting (the oracle
// dumps maps in get_next_key order).
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dumpMapsHex } from '../../src/maps/dump.js';
import { createStandaloneMap } from '../../src/maps/standalone.js';
import { BPF_F_NO_PREALLOC, BPF_MAP_TYPE_LPM_TRIE } from '../../src/uapi/bpf.js';
import { concat, hex } from '../oracle/packets.js';
import { ran, skipWithoutKernel } from '../oracle/support.js';
import type { FrameResult, MapUpdate } from '../oracle/kernel.js';
import { agree, fixture } from '../helpers/agreement.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { runsHere } from '../support/skip.js';
import { bpftoolBatch, bytesOf, lpmKey, postorder, prefixOf, randomPrefixes, rng, spaced } from './lpm-support.js';
import { spec, u32 } from './support.js';

skipWithoutKernel();

const OBJ = fixture('lpm_ops');
const LOOKUP = 0;
const DELETE = 1;
const UPDATE = 2;

const ip = (text: string): number => text.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);

/** A request frame for lpm_ops: op, update flags, the key, the result slot, and the value to store in byte 63. */
function request(op: number, key: Uint8Array, flags = 0, value = 0): Uint8Array {
  const frame = concat(new Uint8Array(14), Uint8Array.of(op, flags, 0, 0, 0, 0), key, new Uint8Array(36));
  frame[63] = value;
  return frame;
}

/** The result slot of every frame the kernel returned. */
function results(frames: readonly FrameResult[]): bigint[] {
  return frames.map((f) => Buffer.from(ran(f).out, 'hex').readBigInt64LE(32));
}

const setupOf = (keys: readonly Uint8Array[]): MapUpdate[] => keys.map((key, i) => ({ map: 'lpm', key, value: u32(i + 1) }));

describe('LPM trie against the kernel', () => {
  it('a lookup key with a prefixlen beyond the width finds nothing', () => {
    const setup = setupOf([lpmKey(8, ip('10.0.0.0')), lpmKey(32, ip('10.1.2.3'))]);
    const frames = [0xffffffff, 33, 32, 31, 0, 64, 0x80000008].map((len) => request(LOOKUP, lpmKey(len, ip('10.1.2.3'))));
    const { kernel } = agree(OBJ, 'lpm_ops', frames, setup);
    expect(results(kernel.frames)).toEqual([-1n, -1n, 2n, 1n, -1n, -1n, -1n]);
  });

  it('get_next_key walks more specific prefixes before the prefixes containing them', () => {
    const keys = [
      lpmKey(16, ip('192.168.0.0')),
      lpmKey(24, ip('192.168.0.0')),
      lpmKey(24, ip('192.168.1.0')),
      lpmKey(8, ip('10.0.0.0')),
      lpmKey(32, ip('10.1.2.3')),
    ];
    const { kernel, obj } = agree(OBJ, 'lpm_ops', [request(LOOKUP, lpmKey(32, ip('192.168.1.7')))], setupOf(keys));
    expect(results(kernel.frames)).toEqual([3n]);
    expect(kernel.maps.lpm!.map(([k]) => k)).toEqual([keys[4], keys[3], keys[1], keys[2], keys[0]].map(hex));
    expect(dumpMapsHex(obj.maps).lpm).toEqual(kernel.maps.lpm);
  });

  it('get_next_key order of a random trie is the postorder, with the bytes as last stored', () => {
    const keys = randomPrefixes(rng(0x1badb002), 300);
    const { kernel, obj } = agree(OBJ, 'lpm_ops', [request(LOOKUP, lpmKey(0, 0))], setupOf(keys));
    expect(kernel.maps.lpm!.map(([k]) => k)).toEqual(postorder(keys).map(hex));
    expect(dumpMapsHex(obj.maps).lpm).toEqual(kernel.maps.lpm);
  });

  it('random lookups, deletes and updates: the same answers and the same order after', () => {
    const next = rng(0xfeedf00d);
    const keys = randomPrefixes(next, 250);
    const probes = randomPrefixes(next, 400);
    const frames = probes.map((key, i) => {
      const r = next() % 16;
      if (r < 6) return request(LOOKUP, key);
      if (r < 8) return request(LOOKUP, lpmKey([33, 40, 0xffffffff][next() % 3]!, next()));
      if (r < 11) return request(DELETE, keys[next() % keys.length]!);
      if (r < 12) return request(DELETE, lpmKey(33, next()));
      return request(UPDATE, r < 15 ? key : keys[next() % keys.length]!, next() % 4, i & 0xff);
    });
    const { kernel, obj } = agree(OBJ, 'lpm_ops', frames, setupOf(keys));
    // Misses, -ENOENT, -EEXIST and -EINVAL all came up.
    expect(new Set(results(kernel.frames).filter((r) => r < 0n))).toEqual(new Set([-22n, -17n, -2n, -1n]));
    expect(dumpMapsHex(obj.maps).lpm).toEqual(kernel.maps.lpm);
  });
});

describe.runIf(runsHere(bpftoolMissing()))('LPM trie user-space calls against bpftool', () => {
  it('get_next_key for no key, absent keys, out-of-range prefixlens and every key; lookups', () => {
    const pin = `/sys/fs/bpf/xdpsim-lpm-test-${process.pid}`;
    const next = rng(0x600dcafe);
    const keys = [lpmKey(0, 0), ...randomPrefixes(next, 40)];
    const ours = createStandaloneMap(spec(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 64, BPF_F_NO_PREALLOC, 'lpm'), 2);
    keys.forEach((k, i) => ours.updateElem(k, u32(i)));
    const inOrder = [...ours.entries()].map(([k]) => k);
    const absent = randomPrefixes(next, 10).filter((k) => !inOrder.some((o) => prefixOf(o) === prefixOf(k)));
    expect(absent.length).toBeGreaterThan(3);
    const queries: Array<Uint8Array | undefined> = [
      undefined,
      ...absent,
      lpmKey(33, next()),
      lpmKey(0xffffffff, next()),
      ...inOrder, // the last one ends the batch: no key after it
    ];
    const lookups = randomPrefixes(next, 10);
    execFileSync('bpftool', ['map', 'create', pin, 'type', 'lpm_trie', 'key', '8', 'value', '4', 'entries', '64', 'flags', '1', 'name', 'lpm']);
    try {
      const outputs = bpftoolBatch([
        ...keys.map((k, i) => `map update pinned ${pin} key hex ${spaced(k)} value hex ${spaced(u32(i))}`),
        ...lookups.map((k) => `map lookup pinned ${pin} key hex ${spaced(k)}`),
        ...queries.map((k) => `map getnext pinned ${pin}${k ? ` key hex ${spaced(k)}` : ''}`),
      ]).slice(keys.length);
      const looked = outputs.slice(0, lookups.length) as Array<{ value: string[] }>;
      // With 0/0 in the trie every lookup matches something.
      expect(looked.map((o) => bytesOf(o.value))).toEqual(lookups.map((k) => hex(ours.lookupElem(k) as Uint8Array)));
      const nexts = outputs.slice(lookups.length) as Array<{ next_key?: string[]; error?: string }>;
      expect(nexts).toHaveLength(queries.length);
      expect(nexts[nexts.length - 1]!.error).toMatch(/No such file or directory/);
      expect(nexts.map((o) => (o.next_key ? bytesOf(o.next_key) : undefined))).toEqual(queries.map((k) => {
        const n = ours.nextKeyElem(k);
        return n && hex(n);
      }));
      for (const len of [33, 0xffffffff]) {
        const miss = spawnSync('bpftool', ['map', 'lookup', 'pinned', pin, 'key', 'hex', ...spaced(lpmKey(len, 0)).split(' ')]);
        expect(miss.status).not.toBe(0);
        expect(ours.lookupElem(lpmKey(len, 0))).toBeUndefined();
      }
    } finally {
      rmSync(pin, { force: true });
    }
  });
});
