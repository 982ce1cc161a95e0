// A second CPU for test/maps/lpm-shared.test.ts: repeats the test's layout
// over the SharedArrayBuffer it is handed, binds its own LPM trie object, and
// inserts, looks up and deletes its own prefixes while other threads change
// the same trie. Workers cannot load .ts, so this runs the built dist/.
import { parentPort, workerData } from 'node:worker_threads';
import { createStandaloneMaps } from '../../dist/maps/standalone.js';

const { buffer, spec, threads, id, prefixes, rounds, start } = workerData;
const regions = Array.from({ length: threads }, (_, t) => ({ name: `thread${t}`, size: 4096, writable: true }));
const { maps: [map], memory, starts: own } = createStandaloneMaps([spec], 1, { before: regions, shared: buffer });
const view = memory.view;
const key = own[id];
const value = key + 64;
const errors = [];

const put = (i) => {
  view.setUint32(key, prefixes[i][0], true);
  view.setUint32(key + 4, prefixes[i][1], false);
};
/** The value this thread stores for its prefix i in a round: whose, which round, which prefix. */
const valueOf = (round, i) => ((id << 24) | (round << 16) | i) >>> 0;

/** Looks up prefix i by itself: while it is in the trie nothing can match longer, so the answer is its own value. */
const check = (round, i, present) => {
  put(i);
  const at = map.lookup(key, 0);
  const got = at === 0 ? undefined : view.getUint32(at, true);
  if (present && got !== valueOf(round, i)) errors.push(`thread ${id} round ${round}: prefix ${i} gave ${got} while present`);
  if (!present && got === valueOf(round, i)) errors.push(`thread ${id} round ${round}: prefix ${i} still found after its delete`);
};

const go = new Int32Array(start);
parentPort.postMessage('ready');
Atomics.wait(go, 0, 0);
for (let round = 0; round < rounds; round++) {
  const last = round === rounds - 1;
  for (let i = 0; i < prefixes.length; i++) {
    put(i);
    view.setUint32(value, valueOf(round, i), true);
    const err = map.update(key, value, 1 /* BPF_NOEXIST */, -1);
    if (err !== 0) errors.push(`thread ${id} round ${round}: insert ${i} gave ${err}`);
    check(round, i >> 1, true);
  }
  for (let i = 0; i < prefixes.length; i++) {
    if (last && i % 3 !== 0) continue;
    put(i);
    const err = map.delete(key);
    if (err !== 0) errors.push(`thread ${id} round ${round}: delete ${i} gave ${err}`);
    check(round, i, false);
    if (i + 1 < prefixes.length && !(last && (i + 1) % 3 === 0)) check(round, i + 1, true);
  }
}
parentPort.postMessage({ errors });
