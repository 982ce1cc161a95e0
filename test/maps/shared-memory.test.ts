// Maps wholly in the flat memory: two worker threads bind their own map
// objects over one SharedArrayBuffer (test/maps/shared-memory.worker.mjs,
// which runs the built dist/) and work on the same queue, ring buffer, spin
// lock, per-CPU array and user-space API as two CPUs; then what a program
// may not touch there (ring buffer headers, internal regions), and readers
// that a forged ring cannot send round for ever.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { spinLock, spinUnlock } from '../../src/helpers/spin-lock.js';
import { ArrayMap } from '../../src/maps/array.js';
import type { BpfMap } from '../../src/maps/map.js';
import { PerfEventArrayMap } from '../../src/maps/perf-event-array.js';
import { QueueStackMap } from '../../src/maps/queue-stack.js';
import { RingBufMap } from '../../src/maps/ringbuf.js';
import { createStandaloneMaps } from '../../src/maps/standalone.js';
import {
  BPF_F_WRONLY_PROG,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_RINGBUF,
  BPF_RINGBUF_BUSY_BIT,
} from '../../src/uapi/bpf.js';
import { EINVAL } from '../../src/uapi/errno.js';
import type { MapSpec } from '../../src/maps/types.js';
import type { HelperCall } from '../../src/vm/helper.js';
import { MemoryAccessError, type Memory } from '../../src/vm/memory.js';
import { errnoOf, spec, u32 } from './support.js';

const CPUS = 2;
const THREADS = 3;
const ROUNDS = { queue: 20_000, ring: 20_000, lock: 200_000, percpu: 10_000, user: 20_000 };

const SPECS: MapSpec[] = [
  spec(BPF_MAP_TYPE_QUEUE, 0, 4, 64, 0, 'queue'),
  spec(BPF_MAP_TYPE_RINGBUF, 0, 0, 16384, 0, 'ring'),
  spec(BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0, 'counter'),
  spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 5, 0, 'percpu'),
  spec(BPF_MAP_TYPE_ARRAY, 4, 8, 64, 0, 'plain'),
];

/** The maps of SPECS over a new memory, or over `shared`, after one 4 KiB region per thread (as the worker lays them out). */
function attach(shared?: SharedArrayBuffer): { maps: BpfMap[]; memory: Memory; own: number[] } {
  const regions = Array.from({ length: THREADS }, (_, t) => ({ name: `thread${t}`, size: 4096, writable: true }));
  const { maps, memory, starts } = createStandaloneMaps(SPECS, CPUS, { before: regions, shared });
  return { maps, memory, own: starts };
}

interface WorkerResult {
  popped: number[];
  errors: string[];
}

function runWorker(buffer: SharedArrayBuffer, id: number): Promise<WorkerResult> {
  const worker = new Worker(new URL('./shared-memory.worker.mjs', import.meta.url), {
    workerData: { buffer, specs: SPECS, cpus: CPUS, threads: THREADS, id, rounds: ROUNDS },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: WorkerResult) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker ${id} exited with ${code} before reporting`)));
  });
}

/** A HelperCall for calling helpers directly, as test/helpers/direct.ts builds it. */
function helperCall(memory: Memory, lockOwner: number): HelperCall {
  const noProgram = (): never => {
    throw new Error('no program runs');
  };
  return { memory, insn: 3, lockOwner, heldLock: 0, invoke: noProgram, tailCall: noProgram, callback: noProgram, setR0Pair: noProgram };
}

describe('maps shared by threads through one SharedArrayBuffer', () => {
  it('two workers push and pop one queue, fill one ring buffer, take one spin lock and write their own CPU slots', async () => {
    const { maps, memory } = attach();
    const [queue, ring, counter, percpu, plain] = maps as [QueueStackMap, RingBufMap, ArrayMap, ArrayMap, ArrayMap];
    const done = Promise.all([runWorker(memory.buffer, 1), runWorker(memory.buffer, 2)]);
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => {});

    // This thread consumes the ring while the workers fill it.
    const seen = new Map<number, number>([
      [1, 0],
      [2, 0],
    ]);
    const problems: string[] = [];
    let records = 0;
    const check = (sample: Uint8Array): void => {
      records++;
      const v = new DataView(sample.buffer, sample.byteOffset, sample.byteLength);
      const [id, seq] = [v.getUint32(0, true), v.getUint32(4, true)];
      let expected = seen.get(id) ?? -1;
      while (expected % 5 === 4) expected++; // discarded
      if (seq !== expected || sample.length !== 8 + ((seq * 13) % 61)) problems.push(`record ${id}/${seq}: expected ${id}/${expected}`);
      for (let k = 8; k < sample.length; k++) if (sample[k] !== ((id + seq + k) & 0xff)) problems.push(`record ${id}/${seq}: byte ${k}`);
      seen.set(id, seq + 1);
    };
    while (!finished) {
      ring.consume().forEach(check);
      await new Promise((r) => setImmediate(r));
    }
    const results = await done;
    ring.consume().forEach(check);
    expect(problems.slice(0, 5)).toEqual([]);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    // Every record submitted came through (each fifth was discarded), in order.
    expect(records).toBe(2 * (ROUNDS.ring - ROUNDS.ring / 5));
    expect([...seen.values()]).toEqual([ROUNDS.ring - 1, ROUNDS.ring - 1]);
    expect(ring.availableData).toBe(0);

    const popped = results.flatMap((r) => r.popped);
    for (let v = queue.lookupAndDeleteElem(); v !== undefined; v = queue.lookupAndDeleteElem()) popped.push(new DataView(v.buffer).getUint32(0, true));
    const pushed = [1, 2].flatMap((id) => Array.from({ length: ROUNDS.queue }, (_, i) => id * 1_000_000 + i));
    expect(popped.length).toBe(pushed.length);
    expect(new Set(popped)).toEqual(new Set(pushed));

    const value = counter.lookupElem(u32(0)) as Uint8Array;
    expect(new DataView(value.buffer).getUint32(8, true)).toBe(2 * ROUNDS.lock);
    expect(new DataView(value.buffer).getUint32(0, true)).toBe(0); // the lock word, free

    for (let k = 0; k < 5; k++) {
      const slots = (percpu.lookupElem(u32(k)) as Uint8Array[]).map((b) => new DataView(b.buffer).getUint32(0, true));
      expect(slots).toEqual([1000 + k + ROUNDS.percpu, 2000 + k + ROUNDS.percpu]);
    }
    expect(plain.lookupElem(u32(0))).toBeDefined();
  }, 20_000);

  it('a second map object bound over the same buffer works on the same maps', () => {
    const a = attach();
    const b = attach(a.memory.buffer);
    const [qa, ra] = a.maps as [QueueStackMap, RingBufMap];
    const [qb, rb] = b.maps as [QueueStackMap, RingBufMap];
    qa.updateElem(new Uint8Array(0), u32(7));
    expect(qb.count).toBe(1);
    expect(qb.lookupAndDeleteElem()).toEqual(u32(7));
    expect(qa.lookupAndDeleteElem()).toBeUndefined();
    const s = rb.reserve(8);
    expect(ra.consume()).toEqual([]);
    a.memory.u8.set([1, 2, 3, 4, 5, 6, 7, 8], s);
    expect(ra.commit(s, false)).toBe(true);
    expect(ra.consume()).toEqual([Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)]);
    expect(rb.consumerPos).toBe(16);

    const perfSpec = spec(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, 0, 'events');
    const perfA = createStandaloneMaps([perfSpec], CPUS);
    const perfB = createStandaloneMaps([perfSpec], CPUS, { shared: perfA.memory.buffer });
    const [pa, pb] = [perfA.maps[0], perfB.maps[0]] as PerfEventArrayMap[];
    const reader = pa!.attachReader(1, { cpu: 1, pages: 1 });
    const event = pb!.outputEvent(1, 1);
    if (typeof event === 'number') throw new Error(`no event: ${event}`);
    expect(pb!.outputEvent(1, 0)).toBe(-95); // -EOPNOTSUPP: another CPU's event
    const data = Uint8Array.of(9, 8, 7);
    event.endSample(event.put(event.beginSample(3), data, 0, 3));
    expect(reader.read()).toEqual([{ kind: 'sample', cpu: 1, data: Uint8Array.of(9, 8, 7, 0) }]);
    expect(errnoOf(() => pb!.deleteElem(u32(1)))).toBe(0);
    expect(pa!.readerAt(1)).toBeUndefined();
  });

  it('a per-CPU array gives each CPU a slab of its own, on cache lines of its own', () => {
    const { maps, memory } = attach();
    const percpu = maps[3] as ArrayMap;
    const key = memory.region('map:plain:values').start; // a u32 0
    const cpu0 = percpu.lookup(key, 0);
    const cpu1 = percpu.lookup(key, 1);
    expect(cpu1 - cpu0).toBeGreaterThanOrEqual(5 * 8);
    expect((cpu1 - cpu0) % 64).toBe(0);
  });
});

describe('what programs cannot touch', () => {
  const fault = (memory: Memory, address: number, size: number, write: boolean): string => {
    try {
      memory.check(address, size, write, 1);
      return 'no fault';
    } catch (e) {
      if (!(e instanceof MemoryAccessError)) throw e;
      return e.message;
    }
  };

  it('a ring buffer record: its sample while reserved, never its header', () => {
    const { maps, memory } = attach();
    const ring = maps[1] as RingBufMap;
    const a = ring.reserve(12);
    const b = ring.reserve(16);
    expect(fault(memory, a, 12, true)).toBe('no fault');
    expect(fault(memory, a + 8, 8, false)).toBe('no fault'); // the padding of a's last granule
    expect(fault(memory, a - 8, 4, true)).toMatch(/opens to programs only the bytes granted them/);
    expect(fault(memory, b - 4, 4, false)).toMatch(/opens to programs only/);
    expect(fault(memory, a + 12, 8, true)).toMatch(/opens to programs only/); // runs into b's header
    ring.commit(a, false);
    expect(fault(memory, a, 1, false)).toMatch(/opens to programs only/);
    expect(fault(memory, b, 16, true)).toBe('no fault');
    ring.commit(b, true);
    expect(fault(memory, b, 1, true)).toMatch(/opens to programs only/);
  });

  it('internal regions: queue slots and state, ring positions, perf rings; a write-only array cannot be read', () => {
    const { memory } = attach();
    for (const name of ['map:queue:queue', 'map:queue:elements', 'map:ring:positions', 'map:ring:data:granted', 'map:queue:scratch', 'map:counter:scratch', 'map:plain:scratch']) {
      expect(fault(memory, memory.region(name).start, 4, false)).toMatch(/internal, out of programs' reach/);
    }
    // The keys a for_each callback gets: a program reads them and writes none.
    const walkKeys = memory.region('map:counter:walk-keys').start;
    expect(fault(memory, walkKeys, 4, false)).toBe('no fault');
    expect(fault(memory, walkKeys, 4, true)).not.toBe('no fault');
    const wronly = spec(BPF_MAP_TYPE_ARRAY, 4, 8, 2, BPF_F_WRONLY_PROG, 'w');
    const perf = spec(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, 0, 'events');
    const { memory: m } = createStandaloneMaps([wronly, perf], CPUS);
    const values = m.region('map:w:values').start;
    expect(fault(m, values, 8, true)).toBe('no fault');
    expect(fault(m, values, 8, false)).toMatch(/write-only/);
    for (const name of ['map:events:events', 'map:events:rings', 'map:events:ring-data']) {
      expect(fault(m, m.region(name).start, 1, true)).toMatch(/internal/);
    }
  });

  it('a forged ring buffer header ends the read instead of sending the consumer round for ever', () => {
    const { maps, memory } = attach();
    const ring = maps[1] as RingBufMap;
    const data = memory.region('map:ring:data').start;
    ring.commit(ring.reserve(8), false);
    const s = ring.reserve(8);
    ring.commit(s, false);
    // What only map code writes: a length past the producer, on the second record.
    memory.view.setUint32(s - 8, 0x3fff_fff0, true);
    expect(ring.consume()).toHaveLength(1);
    expect(errnoOf(() => ring.consume())).toBe(EINVAL);
    expect(ring.consumerPos).toBe(16);
    // A header that claims to be still busy just stops the reader, and a reservation still ends.
    memory.view.setUint32(data + 16, (BPF_RINGBUF_BUSY_BIT | 8) >>> 0, true);
    expect(ring.consume()).toEqual([]);
    expect(ring.reserve(8)).not.toBe(0);
  });
});

describe('bpf_spin_lock owners', () => {
  it('excludes other owners, faults on one owner taking its lock twice or releasing another owner\'s', async () => {
    const { maps, memory } = attach();
    const lockAt = (maps[2] as ArrayMap).lookup(memory.region('map:plain:values').start, 0);
    const one = helperCall(memory, 1);
    const two = helperCall(memory, 2);
    const call = (c: HelperCall, f: typeof spinLock): void => {
      f(c, lockAt, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    };
    call(one, spinLock);
    expect(() => call(one, spinLock)).toThrow(/already held \(deadlock\)/);
    expect(() => call(two, spinUnlock)).toThrow(/is not held by this program/);
    // Another owner would wait: a worker takes it once this one lets go.
    const waiter = new Worker(
      `const { workerData: w, parentPort } = require('node:worker_threads');
       const i32 = new Int32Array(w.buffer);
       while (Atomics.compareExchange(i32, w.word, 0, 2) !== 0) Atomics.wait(i32, w.word, Atomics.load(i32, w.word), 1);
       parentPort.postMessage('took it'); Atomics.store(i32, w.word, 0);`,
      { eval: true, workerData: { buffer: memory.buffer, word: lockAt >>> 2 } },
    );
    const took = new Promise((resolve) => waiter.once('message', resolve));
    await new Promise((r) => setTimeout(r, 20));
    expect(memory.i32[lockAt >>> 2]! & 0xffff).toBe(1);
    call(one, spinUnlock);
    expect(await took).toBe('took it');
    await waiter.terminate();
  });
});
