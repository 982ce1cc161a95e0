// A second CPU for test/maps/lpm-shared.test.ts: repeats the test's layout
// over the SharedArrayBuffer it is handed, binds its own LPM trie object, and
// inserts, replaces, looks up and deletes its own prefixes while other
// threads change the same trie. Workers cannot load .ts, so this runs the
// built dist/.
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
/** The value this thread stores for its prefix i in a round, first inserted, then replaced: as the test's valueOf. */
const valueOf = (round, i, replaced) => ((id << 24) | ((round & 0xff) << 16) | (replaced ? 0x8000 : 0) | i) >>> 0;

/**
 * Looks up prefix i by itself: while it is in the trie nothing can match
 * longer, so the answer is its own value, `want`; once deleted, never that.
 */
const check = (round, i, want, present) => {
  put(i);
  const at = map.lookup(key, 0);
  const got = at === 0 ? undefined : view.getUint32(at, true);
  const shown = got === undefined ? 'nothing' : `0x${got.toString(16)}`;
  if (present && got !== want) errors.push(`thread ${id} round ${round}: prefix ${i} gave ${shown} while present, not 0x${want.toString(16)}`);
  if (!present && got === want) errors.push(`thread ${id} round ${round}: prefix ${i} still found after its delete`);
};

/**
 * Checks some 8 of this thread's prefixes in [from, to), spread and shifted
 * from one call to the next, against their values `want(j)` (undefined: not
 * in the trie now).
 */
const sample = (round, from, to, want) => {
  const step = 1 + ((to - from) >> 3);
  for (let j = from + ((round + to) % step); j < to; j += step) {
    const w = want(j);
    if (w !== undefined) check(round, j, w, true);
  }
};

const n = prefixes.length;
const go = new Int32Array(start);
parentPort.postMessage('ready');
Atomics.wait(go, 0, 0);
for (let round = 0; round < rounds; round++) {
  const last = round === rounds - 1;
  const inserted = (j) => valueOf(round, j, false);
  const replaced = (j) => valueOf(round, j, true);
  for (let i = 0; i < n; i++) {
    put(i);
    view.setUint32(value, valueOf(round, i, false), true);
    const err = map.update(key, value, 1 /* BPF_NOEXIST */, -1);
    if (err !== 0) errors.push(`thread ${id} round ${round}: insert ${i} gave ${err}`);
    check(round, i >> 1, valueOf(round, i >> 1, false), true);
    sample(round, 0, i + 1, inserted);
  }
  for (let i = 0; i < n; i++) {
    put(i);
    view.setUint32(value, valueOf(round, i, true), true);
    const err = map.update(key, value, 2 /* BPF_EXIST */, -1);
    if (err !== 0) errors.push(`thread ${id} round ${round}: replace ${i} gave ${err}`);
    check(round, i, valueOf(round, i, true), true);
    sample(round, 0, i + 1, replaced);
    sample(round, i + 1, n, inserted);
  }
  for (let i = 0; i < n; i++) {
    if (last && i % 3 !== 0) continue;
    put(i);
    const err = map.delete(key);
    if (err !== 0) errors.push(`thread ${id} round ${round}: delete ${i} gave ${err}`);
    check(round, i, valueOf(round, i, true), false);
    if (i + 1 < n && !(last && (i + 1) % 3 === 0)) check(round, i + 1, valueOf(round, i + 1, true), true);
    // In the last round only every third prefix goes.
    sample(round, 0, n, (j) => (j > i || (last && j % 3 !== 0) ? replaced(j) : undefined));
  }
}
parentPort.postMessage({ errors });
