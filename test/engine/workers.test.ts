// One loaded object shared by threads: two worker threads
// (workers.worker.mjs, which runs the built dist/) take up the object this
// thread loaded, and all three run its program at once, each in an execution
// context of its own, on the very same maps, while this thread also works on
// the maps from user space; then every total must be exact. Then what an
// attached object sees (globals set before load, pinned maps, frozen maps,
// contexts claimed across threads) and what cannot be shared.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { SocketTable } from '../../src/helpers/socket-table.js';
import { attachObject, loadObject, type LoadedObject } from '../../src/loader/load.js';
import { ShareError, type SharedObject } from '../../src/loader/shared.js';
import type { RingBufMap } from '../../src/maps/ringbuf.js';
import { MapError } from '../../src/maps/types.js';
import { BPF_NOEXIST, XDP_DROP, XDP_PASS, XDP_TX } from '../../src/uapi/bpf.js';
import { TCP_ACK, tcpFrame } from '../helpers/tcp-frames.js';

const OBJECT = new URL('../fixtures/objects/workers.bpf.o', import.meta.url).pathname;
const fixture = (name: string): string => new URL(`../fixtures/objects/${name}.bpf.o`, import.meta.url).pathname;

const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-workers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CPUS = 4;
const PACKETS = 20_000;
const BATCH = 64;
const FRAME = 64;
/** The `const volatile` salt every record's check carries, set before load as `--set` sets it. */
const SALT = 0x0123_4567_89ab_cdefn;
const MAGIC = 0x9e37_79b9_7f4a_7c15n;
/** What a pinned `totals` held from an earlier run, and what user space puts in `.bss` before this one. */
const BASE = 1_000_000n;

const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const valueOf = (obj: LoadedObject, map: string, key = 0): DataView => view(obj.map(map).lookupElem(u32(key)) as Uint8Array);
const flowKey = (thread: number, seq: number): number => ((thread << 24) | (seq & 0xffffff)) >>> 0;

interface WorkerReport {
  thread: number;
  context: number;
  counts: Record<string, number>;
}

/** Starts a worker running thread `thread` as `cpu`; resolves when it is ready to run, then with its report. */
function startWorker(shared: SharedObject, thread: number, gate: SharedArrayBuffer): { ready: Promise<number>; done: Promise<WorkerReport> } {
  const worker = new Worker(new URL('./workers.worker.mjs', import.meta.url), {
    workerData: { shared, thread, cpu: thread, packets: PACKETS, frameLength: FRAME, batch: BATCH, gate },
  });
  let ready!: (context: number) => void;
  const readyP = new Promise<number>((resolve) => (ready = resolve));
  const done = new Promise<WorkerReport>((resolve, reject) => {
    worker.on('message', (m: WorkerReport | { ready: number }) => ('ready' in m ? ready(m.ready) : resolve(m)));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker ${thread} exited with ${code} before reporting`)));
  });
  return { ready: Promise.race([readyP, done.then(() => -1)]), done };
}

/** Checks ring records as they come: each intact, and each thread's in its order with none missing. */
class RecordCheck {
  readonly next = new Map<number, number>();
  readonly problems: string[] = [];
  count = 0;

  check(sample: Uint8Array): void {
    this.count++;
    const v = view(sample);
    const [thread, seq, cpu, len] = [v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true)];
    const expected = this.next.get(thread) ?? 0;
    const check = BigInt.asUintN(64, ((BigInt(thread) << 32n) | BigInt(seq)) * MAGIC + SALT);
    if (sample.length !== 24 || seq !== expected || cpu !== thread || len !== FRAME || v.getBigUint64(16, true) !== check) {
      if (this.problems.length < 5) this.problems.push(`record of thread ${thread}: seq ${seq} (expected ${expected}), cpu ${cpu}, len ${len}, ${sample.length} bytes`);
    }
    this.next.set(thread, seq + 1);
  }
}

describe('one loaded object run by several threads at once', () => {
  it('two workers and this thread run the program on the same maps, and every total is exact', async () => {
    // A pinned `totals` left by an earlier run: the loader restores it once, for every thread.
    const pins = mkdtempSync(join(tmp, 'pins-'));
    const earlier = loadObject(OBJECT, { cpus: CPUS, contexts: 1, pinRoot: pins });
    const totalsBefore = new Uint8Array(16);
    view(totalsBefore).setBigUint64(0, BASE, true);
    earlier.map('totals').updateElem(u32(0), totalsBefore);
    earlier.pinMaps();

    const obj = loadObject(OBJECT, { cpus: CPUS, contexts: 3, globals: { salt: SALT }, pinRoot: pins });
    const statsBefore = new Uint8Array(24);
    view(statsBefore).setBigUint64(0, BASE, true);
    obj.map('workers.bss').updateElem(u32(0), statsBefore);
    const shared = obj.share();
    const gate = new SharedArrayBuffer(4);
    const workers = [1, 2].map((thread) => startWorker(shared, thread, gate));
    const workerContexts = await Promise.all(workers.map((w) => w.ready));
    const executable = obj.compile(obj.program());
    const context = obj.context(0);
    expect(new Set([context.id, ...workerContexts]).size).toBe(3);
    expect(() => obj.context(3)).toThrow('all 3 execution contexts of the object are in use (load it with more contexts)');

    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    let finished = false;
    const reports = Promise.all(workers.map((w) => w.done)).finally(() => (finished = true));

    const ring = obj.map('events') as RingBufMap;
    const records = new RecordCheck();
    const flows = obj.map('flows');
    const frames = Array.from({ length: BATCH }, () => new Uint8Array(FRAME));
    const verdicts = new Uint32Array(BATCH);
    let passed = 0;
    const problems: string[] = [];
    // This thread is thread 0 on CPU 0, and between batches user space: its own flows, the ring, reads of the rest.
    for (let first = 0; first < PACKETS; first += BATCH) {
      const n = Math.min(BATCH, PACKETS - first);
      for (let k = 0; k < n; k++) {
        view(frames[k]!).setUint32(16, first + k, true);
        context.arena.load(k, frames[k]!);
      }
      executable.runBatch(context, 0, n, 1, 0, verdicts);
      for (let k = 0; k < n; k++) passed += verdicts[k] === XDP_PASS ? 1 : 0;

      const batch = first / BATCH;
      const key = u32(flowKey(0xff, batch));
      flows.updateElem(key, Uint8Array.of(...key, ...u32(batch)), BPF_NOEXIST);
      const back = flows.lookupElem(key) as Uint8Array | undefined;
      if (back === undefined || view(back).getUint32(4, true) !== batch) problems.push(`flow of batch ${batch} reads ${String(back)}`);
      if (batch > 0) flows.deleteElem(u32(flowKey(0xff, batch - 1)));
      ring.consume().forEach((r) => records.check(r));
      obj.map('guarded').lookupElem(u32(0));
      obj.map('recent').lookupElem(u32(flowKey(1, batch)));
    }
    const lastBatch = Math.ceil(PACKETS / BATCH) - 1;
    while (!finished) {
      ring.consume().forEach((r) => records.check(r));
      await new Promise((r) => setImmediate(r));
    }
    const done = await reports;
    ring.consume().forEach((r) => records.check(r));

    const threads = 3;
    const total = threads * PACKETS;
    expect(problems).toEqual([]);
    expect(passed).toBe(PACKETS);
    expect(done.map((r) => r.counts)).toEqual([{ [XDP_PASS]: PACKETS }, { [XDP_PASS]: PACKETS }]);

    // Atomic adds on a global (64- and 32-bit) and on an array value; nothing the program found wrong.
    const stats = valueOf(obj, 'workers.bss');
    expect([stats.getBigUint64(0, true), stats.getUint32(8, true), stats.getUint32(12, true), stats.getUint32(16, true)]).toEqual([
      BASE + BigInt(total),
      total,
      0, // bad
      0, // ring_full
    ]);
    const totals = valueOf(obj, 'totals');
    expect([totals.getBigUint64(0, true), totals.getUint32(8, true), totals.getUint32(12, true)]).toEqual([BASE + BigInt(total), total, total * FRAME]);

    // The hash holds each thread's last key and this thread's last flow, nothing else.
    const flowEntries = [...flows.entries()].map(([k, v]) => [view(k).getUint32(0, true), view(v as Uint8Array).getUint32(0, true), view(v as Uint8Array).getUint32(4, true)]);
    expect(flowEntries.sort((a, b) => a[0]! - b[0]!)).toEqual([
      [flowKey(0, PACKETS - 1), flowKey(0, PACKETS - 1), PACKETS - 1],
      [flowKey(1, PACKETS - 1), flowKey(1, PACKETS - 1), PACKETS - 1],
      [flowKey(2, PACKETS - 1), flowKey(2, PACKETS - 1), PACKETS - 1],
      [flowKey(0xff, lastBatch), flowKey(0xff, lastBatch), lastBatch],
    ]);

    // The LRU hash, churned by 3 × 256 keys through 64 entries: full, and every value its key's.
    const recent = [...obj.map('recent').entries()];
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThanOrEqual(64);
    for (const [k, v] of recent) {
      const [key, value] = [view(k).getUint32(0, true), view(v as Uint8Array)];
      expect([value.getUint32(0, true), value.getUint32(4, true) & 0xff, key >>> 24 < threads]).toEqual([key, key & 0xff, true]);
    }

    // The struct updated under bpf_spin_lock: its fields agree with each other and with the packets, the lock is free.
    const guarded = valueOf(obj, 'guarded');
    expect([guarded.getUint32(0, true), guarded.getBigUint64(8, true), guarded.getBigUint64(16, true), guarded.getBigUint64(24, true)]).toEqual([
      0,
      BigInt(total),
      BigInt(2 * total),
      BigInt((threads * PACKETS * (PACKETS - 1)) / 2),
    ]);

    // One per-CPU slot per thread, counted without atomics.
    const perCpu = (obj.map('per_cpu').lookupElem(u32(0)) as Uint8Array[]).map((b) => Number(view(b).getBigUint64(0, true)));
    expect(perCpu).toEqual([PACKETS, PACKETS, PACKETS, 0]);

    // Every ring record came through intact, each thread's in order.
    expect(records.problems).toEqual([]);
    expect(records.count).toBe(total);
    expect([...records.next].sort()).toEqual([
      [0, PACKETS],
      [1, PACKETS],
      [2, PACKETS],
    ]);
    expect(ring.availableData).toBe(0);
  }, 30_000);
});

describe('an attached object', () => {
  it('sees the globals, map values and pinned maps of the loading thread, which it does not initialise again', () => {
    const pins = mkdtempSync(join(tmp, 'pins-'));
    const first = loadObject(OBJECT, { cpus: 2, contexts: 1, pinRoot: pins });
    first.map('totals').updateElem(u32(0), Uint8Array.of(7, ...new Array<number>(15).fill(0)));
    first.pinMaps();

    const obj = loadObject(OBJECT, { cpus: 2, contexts: 3, globals: { salt: 5n }, pinRoot: pins });
    expect(valueOf(obj, 'totals').getUint32(0, true)).toBe(7);
    obj.map('totals').updateElem(u32(0), Uint8Array.of(9, ...new Array<number>(15).fill(0)));
    obj.map('flows').updateElem(u32(1), Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0));
    obj.map('per_cpu').freeze();
    const other = attachObject(obj.share());
    // The value this thread set after load, not the pinned one restored again; `salt` as set before load.
    expect(valueOf(other, 'totals').getUint32(0, true)).toBe(9);
    expect(valueOf(other, 'workers.rodata').getBigUint64(0, true)).toBe(5n);
    expect(other.map('flows').lookupElem(u32(1))).toEqual(Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0));
    other.map('flows').deleteElem(u32(1));
    expect(obj.map('flows').lookupElem(u32(1))).toBeUndefined();
    // Frozen maps stay frozen: .rodata, as libbpf freezes it, and one user space froze.
    for (const name of ['workers.rodata', 'per_cpu']) expect(() => other.map(name).updateElem(u32(0), new Uint8Array(other.map(name).userValueSize))).toThrow(MapError);
    // A freeze after sharing reaches the other thread too: the mark is the map's, in the shared memory.
    obj.map('totals').freeze();
    expect(() => other.map('totals').updateElem(u32(0), new Uint8Array(16))).toThrow('map is frozen');
    expect(other.pinPaths).toEqual(obj.pinPaths);
  });

  it('runs in contexts no other thread has, and runs out of them with the loading thread', () => {
    const obj = loadObject(OBJECT, { cpus: 2, contexts: 3 });
    const other = attachObject(obj.share());
    const ids = [obj.context(0).id, other.context(1).id, obj.context(1).id];
    expect(ids.sort()).toEqual([0, 1, 2]);
    expect(() => other.context(0)).toThrow(/all 3 execution contexts of the object are in use/);
    // Test runs need a context too: both threads' are taken.
    expect(() => other.program().run(new Uint8Array(64))).toThrow(/all 3 execution contexts/);
  });

  it('one thread\'s test runs count in the other\'s maps', () => {
    const obj = loadObject(OBJECT, { cpus: 2, contexts: 2 });
    const other = attachObject(obj.share());
    const frame = new Uint8Array(64);
    expect(obj.program().run(frame).verdict).toBe(XDP_PASS);
    view(frame).setUint32(16, 1, true);
    expect(other.program().run(frame).verdict).toBe(XDP_PASS);
    expect(valueOf(obj, 'totals').getUint32(8, true)).toBe(2);
    expect([...obj.map('flows').entries()].map(([k]) => view(k).getUint32(0, true))).toEqual([1]);
  });
});

describe('what threads share and what each has of its own', () => {
  it('SYN cookies: one made in either thread checks in the other, not in another load (another boot)', () => {
    const obj = loadObject(fixture('syncookie_reply'), { cpus: 2, contexts: 3 });
    const other = attachObject(obj.share());
    const flow = { src: '10.0.0.1', dst: '10.0.0.2', sport: 1234, dport: 80 };
    const reply = obj.program().run(tcpFrame({ ...flow, seq: 1000 }));
    expect(reply.verdict).toBe(XDP_TX);
    const cookie = view(reply.data).getUint32(14 + 20 + 8);
    const ack = tcpFrame({ ...flow, seq: 1001, ack: (cookie + 1) >>> 0, flags: TCP_ACK });
    expect(other.program().run(ack).verdict).toBe(XDP_PASS);
    expect(loadObject(fixture('syncookie_reply'), { cpus: 2 }).program().run(ack).verdict).toBe(XDP_DROP);
  });

  it('bpf_printk output goes where each thread sends it', () => {
    const [mine, theirs]: [string[], string[]] = [[], []];
    const obj = loadObject(fixture('printk_formats'), { cpus: 2, contexts: 2, trace: (m) => mine.push(m) });
    const other = attachObject(obj.share(), { trace: (m) => theirs.push(m) });
    other.program().run(new Uint8Array(64));
    expect([mine.length, theirs.length > 0]).toEqual([0, true]);
  });
});

describe('what cannot be shared', () => {
  it('an object with bpf_timers, one with an XSKMAP, one with a socket table', () => {
    expect(() => loadObject(fixture('timers'), { cpus: 2 }).share()).toThrow(ShareError);
    expect(() => loadObject(fixture('timers'), { cpus: 2 }).share()).toThrow(/cannot be shared with another thread: map '\w+' holds bpf_timers/);
    expect(() => loadObject(fixture('redirect_map'), { cpus: 2 }).share()).toThrow(/XSKMAP '\w+' keeps its sockets in the loading thread/);
    expect(() => loadObject(OBJECT, { cpus: 2, sockets: new SocketTable() }).share()).toThrow(/its socket table/);
  });
});
