// The LPM trie wholly in the flat memory: three worker threads bind their own
// map objects over one SharedArrayBuffer (test/maps/lpm-shared.worker.mjs,
// which runs the built dist/) and insert, replace, look up and delete
// disjoint sets of nesting prefixes in the same trie, while this thread does
// the same through the user-space API. Updates and deletes exclude each
// other through the trie lock; lookups take none and must still find every
// present prefix with its value, whole, while nodes and value slots that
// other threads free are reused under them.
//
// A soak run: LPM_SHARED_ROUNDS=2000 npx vitest run test/maps/lpm-shared.test.ts
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createStandaloneMaps } from '../../src/maps/standalone.js';
import { BPF_EXIST, BPF_F_NO_PREALLOC, BPF_MAP_TYPE_LPM_TRIE, BPF_NOEXIST } from '../../src/uapi/bpf.js';
import { hex } from '../oracle/packets.js';
import { lpmKey, lpmTrieProblems, postorder, prefixOf, randomPrefixes, rng } from './lpm-support.js';
import { spec, u32 } from './support.js';

/** This thread and three workers: more threads than a CI machine's two cores, so walks are preempted midway. */
const THREADS = 4;
/** Rounds of insert, replace and delete in every thread. */
const ROUNDS = Number(process.env.LPM_SHARED_ROUNDS ?? 40);
const PER_THREAD = 400;
const SPEC = spec(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4096, BPF_F_NO_PREALLOC, 'lpm');

interface WorkerResult {
  errors: string[];
}

/** Prefix i of thread t as [prefixlen, address]. */
type Prefix = [number, number];

/**
 * The value thread t stores for its prefix i in a round, first inserted,
 * then replaced: whose, which round (mod 256), which prefix. The worker's
 * own copy of this must agree.
 */
function valueOf(t: number, round: number, i: number, replaced: boolean): number {
  return ((t << 24) | ((round & 0xff) << 16) | (replaced ? 0x8000 : 0) | i) >>> 0;
}

function runWorker(buffer: SharedArrayBuffer, start: SharedArrayBuffer, id: number, prefixes: Prefix[]): { ready: Promise<void>; done: Promise<WorkerResult> } {
  const worker = new Worker(new URL('./lpm-shared.worker.mjs', import.meta.url), {
    workerData: { buffer, spec: SPEC, threads: THREADS, id, prefixes, rounds: ROUNDS, start },
  });
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const done = new Promise<WorkerResult>((resolve, reject) => {
    worker.on('message', (m: 'ready' | WorkerResult) => (m === 'ready' ? ready() : resolve(m)));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker ${id} exited with ${code} before reporting`)));
  });
  return { ready: readyP, done };
}

describe('an LPM trie shared by threads through one SharedArrayBuffer', () => {
  it('three workers and this thread insert, replace, look up and delete disjoint prefixes at once; the trie ends exact and whole', async () => {
    // Distinct prefixes near a few bases, so the threads' prefixes nest in and part from each other's.
    const unique = new Map<string, Uint8Array>();
    for (const k of randomPrefixes(rng(0xc0ffee), 4 * THREADS * PER_THREAD)) unique.set(prefixOf(k), k);
    const all = [...unique.values()].slice(0, THREADS * PER_THREAD);
    expect(all).toHaveLength(THREADS * PER_THREAD);
    const sets: Prefix[][] = Array.from({ length: THREADS }, (_, t) =>
      all.filter((_, i) => i % THREADS === t).map((k) => {
        const v = new DataView(k.buffer);
        return [v.getUint32(0, true), v.getUint32(4, false)];
      }),
    );

    const regions = Array.from({ length: THREADS }, (_, t) => ({ name: `thread${t}`, size: 4096, writable: true }));
    const { maps, memory } = createStandaloneMaps([SPEC], 1, { before: regions });
    const map = maps[0]!;
    const start = new SharedArrayBuffer(4);
    const workers = Array.from({ length: THREADS - 1 }, (_, w) => w + 1).map((id) => runWorker(memory.buffer, start, id, sets[id]!));
    await Promise.all(workers.map((w) => w.ready));
    Atomics.store(new Int32Array(start), 0, 1);
    Atomics.notify(new Int32Array(start), 0);

    // This thread is thread 0, through lookupElem/updateElem/deleteElem.
    const mine = sets[0]!.map(([len, addr]) => lpmKey(len, addr));
    const errors: string[] = [];
    const expectValue = (round: number, i: number, want: number): void => {
      const got = map.lookupElem(mine[i]!);
      if (got === undefined || hex(got as Uint8Array) !== hex(u32(want))) errors.push(`round ${round}: prefix ${i} gave ${got && hex(got as Uint8Array)} while present`);
    };
    for (let round = 0; round < ROUNDS; round++) {
      const last = round === ROUNDS - 1;
      mine.forEach((k, i) => {
        map.updateElem(k, u32(valueOf(0, round, i, false)), BPF_NOEXIST);
        expectValue(round, i >> 1, valueOf(0, round, i >> 1, false));
      });
      mine.forEach((k, i) => {
        map.updateElem(k, u32(valueOf(0, round, i, true)), BPF_EXIST);
        expectValue(round, i, valueOf(0, round, i, true));
      });
      mine.forEach((k, i) => {
        if (last && i % 3 !== 0) return;
        map.deleteElem(k);
        const got = map.lookupElem(k);
        if (got && hex(got as Uint8Array) === hex(u32(valueOf(0, round, i, true)))) errors.push(`round ${round}: prefix ${i} after its delete`);
      });
    }
    const results = await Promise.all(workers.map((w) => w.done));
    expect([...errors, ...results.flatMap((r) => r.errors)].slice(0, 5)).toEqual([]);

    // What each thread left: its prefixes i with i % 3 !== 0, with the last round's values.
    const expected = new Map<string, string>();
    sets.forEach((set, t) =>
      set.forEach(([len, addr], i) => {
        if (i % 3 !== 0) expected.set(hex(lpmKey(len, addr)), hex(u32(valueOf(t, ROUNDS - 1, i, true))));
      }),
    );
    const entries = [...map.entries()].map(([k, v]) => [hex(k), hex(v as Uint8Array)] as const);
    expect(new Map(entries)).toEqual(expected);
    expect(entries).toHaveLength(expected.size);
    // get_next_key visits each element once, in the kernel's order.
    const keys = sets.flatMap((set) => set.filter((_, i) => i % 3 !== 0).map(([len, addr]) => lpmKey(len, addr)));
    expect(entries.map(([k]) => k)).toEqual(postorder(keys).map(hex));
    for (const k of keys) expect(hex(map.lookupElem(k) as Uint8Array)).toBe(expected.get(hex(k)));
    expect(lpmTrieProblems(memory, 'lpm', 8, SPEC.maxEntries)).toEqual([]);
  }, 60_000 + ROUNDS * 100);
});
