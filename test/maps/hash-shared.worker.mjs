// A CPU for test/maps/hash-shared.test.ts: repeats the test's layout over the
// SharedArrayBuffer it is handed, binds its own map objects (no init), and
// works on the same hash maps through the program-side calls, as a program
// on CPU `id - 1` would. Workers cannot load .ts, so this runs the built
// dist/ (npm run build). It reports what it did, for the test's totals.
import { parentPort, workerData } from 'node:worker_threads';
import { createStandaloneMaps } from '../../dist/maps/standalone.js';

const BPF_NOEXIST = 1;
const BPF_EXIST = 2;

const { buffer, specs, cpus, threads, id, rounds, ranges } = workerData;
const regions = Array.from({ length: threads }, (_, t) => ({ name: `thread${t}`, size: 4096, writable: true }));
const { maps, memory, starts: own } = createStandaloneMaps(specs, cpus, { before: regions, shared: buffer });
const [hash, lru, percpu] = maps;
const view = memory.view;
const base = own[id];
const cpu = id - 1;
const key = base;
const value = base + 8;
const errors = [];
const fail = (what) => {
  if (errors.length < 20) errors.push(`worker ${id}: ${what}`);
};

const setKey = (k) => {
  view.setUint32(key, k, true);
  return key;
};
/** A value names its key in its low word, so a value found under another key shows. */
const setValue = (k, tag) => {
  view.setUint32(value, k, true);
  view.setUint32(value + 4, tag, true);
  return value;
};

// HASH, this thread's own keys: every update is checked by a lookup, which
// only this thread can change; the others churn their keys in the same buckets.
const first = ranges.own * id;
const shared = { inserted: 0, deleted: 0 };
for (let r = 0; r < rounds.hash; r++) {
  for (let i = 0; i < rounds.ownKeys; i++) {
    const k = first + i;
    const present = hash.lookup(setKey(k), cpu) !== 0;
    if ((i + r) % 3 === 0) {
      const err = hash.delete(setKey(k));
      if (err !== (present ? 0 : -2)) fail(`delete ${k} (present ${present}) gave ${err}`);
      if (hash.lookup(setKey(k), cpu) !== 0) fail(`${k} still there after its delete`);
    } else {
      const err = hash.update(setKey(k), setValue(k, r), present ? BPF_EXIST : BPF_NOEXIST, cpu);
      if (err !== 0) fail(`update ${k} (present ${present}) gave ${err}`);
      const at = hash.lookup(setKey(k), cpu);
      if (at === 0) fail(`${k} missing after its update`);
      else if (view.getUint32(at, true) !== k || view.getUint32(at + 4, true) !== r) fail(`${k} reads ${view.getUint32(at, true)}/${view.getUint32(at + 4, true)}`);
    }
    // Keys every thread inserts and deletes: only NOEXIST inserts and deletes, counted when they succeed.
    const s = ranges.shared + ((i * 7 + r + id) % rounds.sharedKeys);
    if ((i + id) % 2 === 0) {
      if (hash.update(setKey(s), setValue(s, id), BPF_NOEXIST, cpu) === 0) shared.inserted++;
    } else if (hash.delete(setKey(s)) === 0) shared.deleted++;
  }
}
// The end state of this thread's keys: those with i % 2 === 0 present, with tag `id`.
for (let i = 0; i < rounds.ownKeys; i++) {
  const k = first + i;
  if (i % 2 === 0) hash.update(setKey(k), setValue(k, id), 0, cpu);
  else hash.delete(setKey(k));
}

// LRU_HASH under churn: many more keys than it holds, with lookups of recent ones.
for (let i = 0; i < rounds.lru; i++) {
  const k = first + (i % ranges.own);
  const err = lru.update(setKey(k), setValue(k, i), 0, cpu);
  if (err !== 0) fail(`lru update ${k} gave ${err}`);
  const back = first + (Math.max(0, i - 3) % ranges.own);
  const at = lru.lookup(setKey(back), cpu);
  // Another thread may evict the element and reuse it at once, as the kernel's preallocated elements are:
  // a value of another key is only wrong while the element still holds this key (written before the value).
  if (at !== 0 && view.getUint32(at, true) !== back && view.getUint32(lru.keyOfValue(at), true) === back) {
    fail(`lru ${back} reads ${view.getUint32(at, true)}`);
  }
}

// PERCPU_HASH: this CPU's slot of every key, counted up without atomics: no other thread writes it.
for (let r = 0; r < rounds.percpu; r++) {
  for (let k = 0; k < rounds.percpuKeys; k++) {
    const at = percpu.lookup(setKey(k), cpu);
    if (at === 0) {
      fail(`percpu ${k} missing`);
      continue;
    }
    if (r % 2 === 0) view.setUint32(at, view.getUint32(at, true) + 1, true);
    else {
      view.setUint32(value, view.getUint32(at, true) + 1, true);
      view.setUint32(value + 4, 0, true);
      const err = percpu.update(setKey(k), value, BPF_EXIST, cpu);
      if (err !== 0) fail(`percpu update ${k} gave ${err}`);
    }
  }
}

parentPort.postMessage({ errors, shared });
