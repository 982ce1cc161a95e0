// A second CPU for test/maps/shared-memory.test.ts: repeats the test's
// layout over the SharedArrayBuffer it is handed, binding its own map
// objects, and works on the same maps as the other threads. Workers cannot
// load .ts, so this runs the built dist/ (npm run build).
import { parentPort, workerData } from 'node:worker_threads';
import { spinLock, spinUnlock } from '../../dist/helpers/spin-lock.js';
import { createStandaloneMaps } from '../../dist/maps/standalone.js';

const { buffer, specs, cpus, threads, id, rounds } = workerData;
const regions = Array.from({ length: threads }, (_, t) => ({ name: `thread${t}`, size: 4096, writable: true }));
const { maps, memory, starts: own } = createStandaloneMaps(specs, cpus, { before: regions, shared: buffer });
const [queue, ring, counter, percpu, plain] = maps;
const view = memory.view;
const base = own[id];
const cpu = id - 1;
const errors = [];

// Both workers start each part together (a count of arrivals in thread 0's region), so that they contend.
const arrivals = own[0] >>> 2;
let part = 0;
const together = () => {
  part++;
  Atomics.add(memory.i32, arrivals, 1);
  while (Atomics.load(memory.i32, arrivals) < 2 * part) Atomics.wait(memory.i32, arrivals, Atomics.load(memory.i32, arrivals), 1);
  Atomics.notify(memory.i32, arrivals);
};

// Queue: push `rounds.queue` values, popping one every other push and whenever the queue is full.
together();
const popped = [];
const value = base;
const out = base + 8;
const pop = () => {
  if (queue.take(out, true) === 0) popped.push(view.getUint32(out, true));
};
for (let i = 0; i < rounds.queue; i++) {
  view.setUint32(value, id * 1_000_000 + i, true);
  while (queue.push(value, 0) !== 0) pop();
  if (i % 2 === 0) pop();
}

// Ring buffer: records of uneven sizes, every fifth discarded; the test's thread consumes meanwhile.
together();
for (let seq = 0; seq < rounds.ring; seq++) {
  const size = 8 + ((seq * 13) % 61);
  let sample;
  while ((sample = ring.reserve(size)) === 0) Atomics.wait(memory.i32, 0, 0, 0.05);
  memory.check(sample, size, true, 0);
  view.setUint32(sample, id, true);
  view.setUint32(sample + 4, seq, true);
  for (let k = 8; k < size; k++) memory.u8[sample + k] = (id + seq + k) & 0xff;
  ring.commit(sample, seq % 5 === 4);
  try {
    memory.check(sample, 1, false, 0);
    errors.push(`ring record ${seq} still readable after its commit`);
  } catch {
    // As it should: a committed record is the consumer's.
  }
}

// Spin lock: a counter beside the lock, incremented without atomics under bpf_spin_lock.
const noProgram = () => {
  throw new Error('no program');
};
const call = { memory, insn: 0, lockOwner: id + 1, heldLock: 0, invoke: noProgram, tailCall: noProgram, callback: noProgram, setR0Pair: noProgram };
together();
view.setUint32(base + 16, 0, true);
const lockAt = counter.lookup(base + 16, 0);
for (let i = 0; i < rounds.lock; i++) {
  spinLock(call, lockAt, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  view.setUint32(lockAt + 8, view.getUint32(lockAt + 8, true) + 1, true);
  spinUnlock(call, lockAt, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

// Per-CPU array: this thread is CPU `cpu`, and counts in its own slots only.
for (let k = 0; k < percpu.spec.maxEntries; k++) {
  view.setUint32(base + 16, k, true);
  const slot = percpu.lookup(base + 16, cpu);
  view.setUint32(slot, (cpu + 1) * 1000 + k, true);
  for (let i = 0; i < rounds.percpu; i++) view.setUint32(slot, view.getUint32(slot, true) + 1, true);
}

// User-space API: updates and lookups of keys of its own, staged in this thread's scratch slot.
together();
const key = new Uint8Array(4);
const val = new Uint8Array(8);
for (let j = 0; j < rounds.user; j++) {
  const k = cpu * 32 + (j % 32);
  new DataView(key.buffer).setUint32(0, k, true);
  new DataView(val.buffer).setUint32(0, (id << 24) | j, true);
  plain.updateElem(key, val);
  const got = plain.lookupElem(key);
  if (new DataView(got.buffer, got.byteOffset).getUint32(0, true) !== ((id << 24) | j)) errors.push(`user-space lookup ${j} of key ${k} saw another value`);
  if (errors.length > 10) break;
}

parentPort.postMessage({ popped, errors });
