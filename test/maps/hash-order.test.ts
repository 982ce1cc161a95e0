// Hash map iteration order against the kernel: with BPF_F_ZERO_SEED the
// kernel hashes with jhash and seed 0, as xdpsim always does, so the same
// inserts, deletes and updates must give the same get_next_key order
// (buckets in index order, each chain newest first, an updated element of
// a plain or LRU hash moved to its chain head, a per-CPU one left in place),
// and the same restart at the first key for a key that is not there.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createStandaloneMap } from '../../src/maps/standalone.js';
import { BPF_F_ZERO_SEED, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_PERCPU_HASH } from '../../src/uapi/bpf.js';
import { hex } from '../oracle/packets.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { runsHere } from '../support/skip.js';
import { bpftoolBatch, bytesOf, spaced } from './lpm-support.js';
import { spec } from './support.js';

const TYPES: Record<number, string> = { [BPF_MAP_TYPE_HASH]: 'hash', [BPF_MAP_TYPE_LRU_HASH]: 'lru_hash', [BPF_MAP_TYPE_PERCPU_HASH]: 'percpu_hash' };

type Op = { op: 'update'; key: Uint8Array; value: number } | { op: 'delete'; key: Uint8Array };

/** A deterministic stream of 32-bit numbers (an LCG). */
function numbers(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/**
 * `count` distinct keys, then deletes of every fourth, updates of every
 * third survivor (moving it, in a plain or LRU hash), and as many new keys
 * as were deleted, which reuse the freed elements.
 */
function script(keySize: number, count: number, seed: number): { ops: Op[]; absent: Uint8Array } {
  const next = numbers(seed);
  const fresh = (): Uint8Array => Uint8Array.from({ length: keySize }, () => next() >>> 24);
  const keys = Array.from({ length: count + count / 4 + 1 }, fresh);
  const ops: Op[] = keys.slice(0, count).map((key, i) => ({ op: 'update', key, value: i }));
  const deleted = keys.slice(0, count).filter((_, i) => i % 4 === 1);
  ops.push(...deleted.map((key): Op => ({ op: 'delete', key })));
  ops.push(...keys.slice(0, count).filter((_, i) => i % 3 === 0 && i % 4 !== 1).map((key, i): Op => ({ op: 'update', key, value: 1000 + i })));
  ops.push(...keys.slice(count, count + deleted.length).map((key, i): Op => ({ op: 'update', key, value: 2000 + i })));
  return { ops, absent: keys[keys.length - 1]! };
}

const u32 = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);

describe.runIf(runsHere(bpftoolMissing()))('hash map order against the kernel (BPF_F_ZERO_SEED)', () => {
  const cases: Array<[type: number, keySize: number, maxEntries: number, count: number]> = [
    [BPF_MAP_TYPE_HASH, 4, 8, 8],
    [BPF_MAP_TYPE_HASH, 4, 13, 12],
    [BPF_MAP_TYPE_HASH, 5, 64, 60],
    [BPF_MAP_TYPE_HASH, 12, 32, 32],
    [BPF_MAP_TYPE_HASH, 13, 100, 96],
    [BPF_MAP_TYPE_HASH, 16, 256, 200],
    [BPF_MAP_TYPE_HASH, 40, 64, 64],
    // Far from full: the kernel's LRU may evict before max_entries once its per-CPU free lists hold nodes.
    [BPF_MAP_TYPE_LRU_HASH, 4, 1024, 400],
    [BPF_MAP_TYPE_PERCPU_HASH, 6, 64, 48],
  ];
  for (const [type, keySize, maxEntries, count] of cases) {
    it(`${TYPES[type]}, key ${keySize}, ${maxEntries} entries`, () => {
      const { ops, absent } = script(keySize, count, keySize * 7919 + maxEntries);
      const ours = createStandaloneMap(spec(type, keySize, 4, maxEntries, BPF_F_ZERO_SEED), 2);
      for (const o of ops) {
        if (o.op === 'update') ours.updateElem(o.key, type === BPF_MAP_TYPE_PERCPU_HASH ? [u32(o.value), u32(o.value)] : u32(o.value));
        else ours.deleteElem(o.key);
      }
      const order = [...ours.entries()].map(([k]) => hex(k));
      expect(order).toHaveLength(count);
      const pin = `/sys/fs/bpf/xdpsim_hash_order_${process.pid}`;
      const name = 'order';
      execFileSync('bpftool', ['map', 'create', pin, 'type', TYPES[type]!, 'key', String(keySize), 'value', '4', 'entries', String(maxEntries), 'name', name, 'flags', String(BPF_F_ZERO_SEED)]);
      try {
        const probes = [absent, ...order.slice(0, 5).map((h) => Uint8Array.from(Buffer.from(h, 'hex')))];
        const outputs = bpftoolBatch([
          ...ops.map((o) => (o.op === 'update' ? `map update pinned ${pin} key hex ${spaced(o.key)} value hex ${spaced(u32(o.value))}` : `map delete pinned ${pin} key hex ${spaced(o.key)}`)),
          `map dump pinned ${pin}`,
          ...probes.map((k) => `map getnext pinned ${pin} key hex ${spaced(k)}`),
        ]).slice(ops.length);
        const dump = outputs[0] as Array<{ key: string[] }>;
        expect(dump.map((e) => bytesOf(e.key))).toEqual(order);
        const nexts = (outputs.slice(1) as Array<{ next_key?: string[] }>).map((o) => (o.next_key ? bytesOf(o.next_key) : undefined));
        expect(nexts).toEqual(probes.map((k) => {
          const n = ours.nextKeyElem(k);
          return n && hex(n);
        }));
      } finally {
        rmSync(pin, { force: true });
      }
    });
  }
});
