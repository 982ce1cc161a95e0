// Hash maps shared by threads: two workers (test/maps/hash-shared.worker.mjs,
// which runs the built dist/) bind their own map objects over this thread's
// SharedArrayBuffer and, as two CPUs running programs, insert, update and
// delete in one HASH (their own keys and keys all threads fight over), churn
// one LRU_HASH, and count up their own CPU's slots of a PERCPU_HASH, while
// this thread works on the same maps through the user-space API. The totals
// must come out exact: no key lost or doubled, every element either linked
// or free, each CPU's counts whole.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { HashMap } from '../../src/maps/hash.js';
import { createStandaloneMaps } from '../../src/maps/standalone.js';
import { BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_PERCPU_HASH } from '../../src/uapi/bpf.js';
import { EEXIST, ENOENT } from '../../src/uapi/errno.js';
import type { MapSpec } from '../../src/maps/types.js';
import { errnoOf, spec } from './support.js';

const CPUS = 2;
const THREADS = 3;
const ROUNDS = { hash: 40, ownKeys: 500, sharedKeys: 64, lru: 60_000, percpu: 2000, percpuKeys: 64 };
/** Keys: thread t owns [t * own, (t + 1) * own); the shared ones start at `shared`. */
const RANGES = { own: 1_000_000, shared: 3_000_000 };

const SPECS: MapSpec[] = [
  spec(BPF_MAP_TYPE_HASH, 4, 8, 2048, 0, 'hash'),
  spec(BPF_MAP_TYPE_LRU_HASH, 4, 8, 256, 0, 'lru'),
  spec(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 2 * ROUNDS.percpuKeys, 0, 'percpu'),
];

interface WorkerResult {
  errors: string[];
  shared: { inserted: number; deleted: number };
}

function runWorker(buffer: SharedArrayBuffer, id: number): Promise<WorkerResult> {
  const worker = new Worker(new URL('./hash-shared.worker.mjs', import.meta.url), {
    workerData: { buffer, specs: SPECS, cpus: CPUS, threads: THREADS, id, rounds: ROUNDS, ranges: RANGES },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: WorkerResult) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker ${id} exited with ${code} before reporting`)));
  });
}

const u32 = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
/** A value names its key in its low word, as the workers write them. */
const tagged = (k: number, tag: number): Uint8Array => Uint8Array.of(...u32(k), ...u32(tag));
const word = (b: Uint8Array, at = 0): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

describe('hash maps shared by threads through one SharedArrayBuffer', () => {
  it('two workers and this thread hammer a HASH, an LRU_HASH and a PERCPU_HASH; the totals come out exact', async () => {
    expect(existsSync(new URL('../../dist/maps/hashtab.js', import.meta.url)), 'the workers run dist/: npm run build first').toBe(true);
    const regions = Array.from({ length: THREADS }, (_, t) => ({ name: `thread${t}`, size: 4096, writable: true }));
    const { maps, memory } = createStandaloneMaps(SPECS, CPUS, { before: regions });
    const [hash, lru, percpu] = maps as [HashMap, HashMap, HashMap];
    const zero = new Uint8Array(8);
    for (let k = 0; k < ROUNDS.percpuKeys; k++) percpu.updateElem(u32(k), [zero, zero]);

    const done = Promise.all([runWorker(memory.buffer, 1), runWorker(memory.buffer, 2)]);
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => {});

    // This thread, through the user-space API, until the workers are done (and at least one pass).
    // While they run, a value read may already belong to the key its element was reused for (the
    // kernel's preallocated elements are reused at once too): it must be some thread's key, no garbage.
    const validKey = (k: number): boolean => k % RANGES.own < ROUNDS.lru || (k >= RANGES.shared && k < RANGES.shared + ROUNDS.sharedKeys);
    const problems: string[] = [];
    const problem = (what: string): void => void (problems.length < 20 && problems.push(what));
    const shared = { inserted: 0, deleted: 0 };
    let round = 0;
    do {
      for (let i = 0; i < ROUNDS.ownKeys; i++) {
        const k = i;
        if ((i + round) % 3 === 0) errnoOf(() => hash.deleteElem(u32(k)));
        else hash.updateElem(u32(k), tagged(k, round));
        const s = RANGES.shared + ((i * 5 + round) % ROUNDS.sharedKeys);
        if (i % 2 === 0) {
          const err = errnoOf(() => hash.updateElem(u32(s), tagged(s, 0), 1));
          if (err === 0) shared.inserted++;
          else if (err !== EEXIST) problem(`shared insert ${s}: errno ${err}`);
        } else {
          const err = errnoOf(() => hash.deleteElem(u32(s)));
          if (err === 0) shared.deleted++;
          else if (err !== ENOENT) problem(`shared delete ${s}: errno ${err}`);
        }
      }
      for (const [key, value] of hash.entries()) if (!validKey(word(value as Uint8Array))) problem(`hash ${word(key)} holds ${word(value as Uint8Array)}`);
      for (let i = 0; i < 200; i++) lru.updateElem(u32(i + round * 200), tagged(i + round * 200, 0));
      for (const [key, value] of lru.entries()) if (!validKey(word(value as Uint8Array))) problem(`lru ${word(key)} holds ${word(value as Uint8Array)}`);
      for (let k = ROUNDS.percpuKeys; k < 2 * ROUNDS.percpuKeys; k++) {
        if ((k + round) % 2 === 0) errnoOf(() => percpu.deleteElem(u32(k)));
        else percpu.updateElem(u32(k), [tagged(k, round), tagged(k, round + 1)]);
      }
      round++;
      await new Promise((r) => setImmediate(r));
    } while (!finished);
    const results = await done;
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(problems).toEqual([]);
    // This thread's end state, as the workers leave theirs: even keys present, odd ones gone.
    for (let k = 0; k < ROUNDS.ownKeys; k++) {
      if (k % 2 === 0) hash.updateElem(u32(k), tagged(k, 0));
      else errnoOf(() => hash.deleteElem(u32(k)));
    }

    // HASH: each key once; every element linked or free; the threads' own keys exactly as they left them.
    const table = hash.index;
    const entries = [...hash.entries()].map(([k, v]) => [word(k), word(v as Uint8Array), word(v as Uint8Array, 4)] as const);
    expect(new Set(entries.map(([k]) => k)).size).toBe(entries.length);
    expect(table.count).toBe(entries.length);
    expect(table.count + table.freeCount()).toBe(2048);
    const sharedPresent = entries.filter(([k]) => k >= RANGES.shared);
    for (let t = 0; t < THREADS; t++) {
      const ownEntries = entries.filter(([k]) => k >= t * RANGES.own && k < (t + 1) * RANGES.own);
      expect(ownEntries.map(([k]) => k - t * RANGES.own).sort((a, b) => a - b)).toEqual(Array.from({ length: ROUNDS.ownKeys / 2 }, (_, i) => 2 * i));
      for (const [k, v, tag] of ownEntries) expect([k, tag]).toEqual([v, t]);
    }
    expect(sharedPresent.every(([k]) => k < RANGES.shared + ROUNDS.sharedKeys)).toBe(true);
    const inserted = shared.inserted + results.reduce((n, r) => n + r.shared.inserted, 0);
    const deleted = shared.deleted + results.reduce((n, r) => n + r.shared.deleted, 0);
    expect(inserted - deleted).toBe(sharedPresent.length);
    expect(entries.length).toBe(3 * (ROUNDS.ownKeys / 2) + sharedPresent.length);

    // LRU_HASH: never past max_entries, only keys some thread wrote, each with its own value, and the LRU list is the table.
    const lruEntries = [...lru.entries()].map(([k, v]) => [word(k), word(v as Uint8Array)] as const);
    expect(lruEntries.length).toBeLessThanOrEqual(256);
    expect(lru.index.count).toBe(lruEntries.length);
    expect(lru.index.count + lru.index.freeCount()).toBe(256);
    expect(new Set(lruEntries.map(([k]) => k)).size).toBe(lruEntries.length);
    for (const [k, v] of lruEntries) expect(v).toBe(k);
    const lruKeys = lru.index.lruOrder().map((e) => word(memory.u8.subarray(lru.index.keyAddress(e))));
    expect(new Set(lruKeys)).toEqual(new Set(lruEntries.map(([k]) => k)));
    // The lists came through whole: 256 new keys all go in, evicting as they must, and every element is
    // still either in the table (its list order too) or free (the workers' CPUs keep batches of free
    // elements of their own, as the kernel's LRU does, so older keys may stay).
    const fresh = Array.from({ length: 256 }, (_, i) => RANGES.own - 1 - i);
    for (const k of fresh) lru.updateElem(u32(k), tagged(k, 0));
    const left = [...lru.entries()].map(([k]) => word(k));
    expect(left).toContain(fresh[fresh.length - 1]);
    expect(lru.index.count + lru.index.freeCount()).toBe(256);
    expect(lru.index.lruOrder()).toHaveLength(left.length);

    // PERCPU_HASH: each CPU's slot counted up by its own worker alone, the other CPU's untouched by it.
    for (let k = 0; k < ROUNDS.percpuKeys; k++) {
      expect((percpu.lookupElem(u32(k)) as Uint8Array[]).map((b) => word(b))).toEqual([ROUNDS.percpu, ROUNDS.percpu]);
    }
    const last = round - 1;
    for (let k = ROUNDS.percpuKeys; k < 2 * ROUNDS.percpuKeys; k++) {
      const v = percpu.lookupElem(u32(k)) as Uint8Array[] | undefined;
      expect(v?.map((b) => word(b, 4))).toEqual((k + last) % 2 === 0 ? undefined : [last, last + 1]);
    }
    expect(percpu.index.count + percpu.index.freeCount()).toBe(2 * ROUNDS.percpuKeys);
  }, 20_000);
});
