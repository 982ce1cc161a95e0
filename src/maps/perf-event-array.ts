import { lock, unlock } from '../vm/lock.js';
import type { Memory, Region, RegionSpec } from '../vm/memory.js';
import { nextArrayKey } from './array-keys.js';
import { BpfMap, MAP_LOCK_OWNER, type MapValue } from './map.js';
import { BPF_ANY } from '../uapi/bpf.js';
import { E2BIG, EBADF, EINVAL, ENOENT, ENOMEM, ENOSPC, ENOTSUPP, EOPNOTSUPP } from '../uapi/errno.js';
import { PAGE_SIZE } from '../uapi/limits.js';
import { MapError } from './types.js';

/**
 * Data pages of each perf ring: the memory is laid out before user space
 * opens its readers, so a ring is preallocated at the size libbpf's perf
 * buffers usually ask for, and a reader may ask for fewer pages.
 */
const MAX_RING_PAGES = 8;
const MAX_RING_BYTES = MAX_RING_PAGES * PAGE_SIZE;
/** struct perf_event_header: u32 type, u16 misc, u16 size. */
const PERF_HEADER_SIZE = 8;
const PERF_RECORD_LOST = 2;
const PERF_RECORD_SAMPLE = 9;
/** PERF_RECORD_LOST: header, u64 id, u64 lost. */
const PERF_LOST_RECORD_SIZE = 24;
/** A sample: header, u32 raw size, then the raw data. */
const PERF_SAMPLE_HEAD = PERF_HEADER_SIZE + 4;

/**
 * Int32 words of a ring's control block, after the first line of the ring
 * region, which holds the lock that attach and delete take. Head and tail
 * are the positions of perf_event_mmap_page (data_head, data_tail), u32 here.
 */
const RING_LOCK = 0;
const CONTROL_SIZE = 64;
const OWNER = 0;
const CPU = 1;
const CAPACITY = 2;
const HEAD = 3;
const TAIL = 4;
const LOST = 5;
const UNREPORTED = 6;
/** Byte offset of the time the event was enabled at: seconds, then nanoseconds, as int32s (see HostTime). */
const ENABLED_AT = 32;

/** What a reader gets, in order: a BPF output sample, or how many samples were lost before the next one. */
export type PerfRecord =
  | { kind: 'sample'; cpu: number; data: Uint8Array }
  | { kind: 'lost'; cpu: number; lost: number };

/**
 * CLOCK_MONOTONIC as process.hrtime reads it: whole seconds and nanoseconds,
 * the same in every thread, so an event opened in one thread is timed
 * in another; two numbers, so the difference is exact without BigInt.
 */
export type HostTime = readonly [seconds: number, nanoseconds: number];

/**
 * One perf event of type BPF_OUTPUT with its ring buffer, as user space opens
 * one per CPU: it only accepts samples from programs running on its CPU. The
 * ring holds `pages` pages of records as perf writes them: a sample is a
 * perf_event_header (PERF_RECORD_SAMPLE), a u32 size and the raw data
 * zero-padded so the size field and data end on 8 bytes; when the ring lacks
 * room the sample is lost (counted, and reported by a PERF_RECORD_LOST
 * before the next sample that fits); the helper then gets -ENOSPC.
 *
 * This object is a view of one ring of its map's flat memory (control
 * block, data), so the program writing on the event's CPU and the reader
 * may run in different threads: one writer (the CPU) publishes the head, one
 * reader publishes the tail, as with the kernel's ring and its mmap reader.
 */
export class PerfEventReader {
  /** Position just past the sample being written (between beginSample and endSample). */
  private end = 0;

  constructor(
    private readonly memory: Memory,
    /** Int32 index of the control block. */
    private readonly control: number,
    /** Address of the ring's data. */
    private readonly data: number,
    /** Clock the enabled time is read by, in this thread: process.hrtime unless the reader was opened with another here. */
    public clock: () => HostTime = process.hrtime,
  ) {}

  get cpu(): number {
    return Atomics.load(this.memory.i32, this.control + CPU);
  }

  /** Bytes of the ring. */
  get capacity(): number {
    return Atomics.load(this.memory.i32, this.control + CAPACITY);
  }

  /** Samples lost since the reader was opened. */
  get lost(): number {
    return Atomics.load(this.memory.i32, this.control + LOST) >>> 0;
  }

  /** Makes this ring the event of a new reader: empty, on `cpu`, enabled now. */
  open(index: number, cpu: number, pages: number): void {
    const i32 = this.memory.i32;
    i32[this.control + CPU] = cpu;
    i32[this.control + CAPACITY] = pages * PAGE_SIZE;
    i32[this.control + HEAD] = 0;
    i32[this.control + TAIL] = 0;
    i32[this.control + LOST] = 0;
    i32[this.control + UNREPORTED] = 0;
    const [seconds, nanoseconds] = this.clock();
    i32[this.control + (ENABLED_AT >>> 2)] = seconds;
    i32[this.control + (ENABLED_AT >>> 2) + 1] = nanoseconds;
    Atomics.store(i32, this.control + OWNER, index + 1);
  }

  /** Index + 1 of the map slot this ring is the event of, 0 when free. */
  get owner(): number {
    return Atomics.load(this.memory.i32, this.control + OWNER);
  }

  close(): void {
    Atomics.store(this.memory.i32, this.control + OWNER, 0);
  }

  /**
   * Nanoseconds the event has been enabled, and so running: a software event
   * of its own CPU is always scheduled there (what perf_event_read_local
   * reports as enabled and running time).
   */
  enabledNs(): number {
    const [seconds, nanoseconds] = this.clock();
    const at = this.control + (ENABLED_AT >>> 2);
    return (seconds - this.memory.i32[at]!) * 1e9 + (nanoseconds - this.memory.i32[at + 1]!);
  }

  /** Raw sample size as perf stores it: the data padded so that 4 + size is a multiple of 8. */
  static rawSize(bytes: number): number {
    return Math.ceil((bytes + 4) / 8) * 8 - 4;
  }

  /**
   * Starts a sample of `bytes` raw bytes: writes the lost record owed, if
   * any, and the sample's header. Returns the position its data goes to
   * (for put), or -ENOSPC when the sample is lost. Only the event's CPU
   * writes, so nothing but the reader's tail is read atomically.
   */
  beginSample(bytes: number): number {
    const i32 = this.memory.i32;
    const c = this.control;
    const unreported = i32[c + UNREPORTED]! >>> 0;
    const raw = PerfEventReader.rawSize(bytes);
    const size = PERF_SAMPLE_HEAD + raw + (unreported > 0 ? PERF_LOST_RECORD_SIZE : 0);
    let pos = i32[c + HEAD]!;
    const used = (pos - Atomics.load(i32, c + TAIL)) >>> 0;
    const mask = this.mask();
    // The kernel keeps one byte free so a full ring is not mistaken for an empty one.
    if (mask - used < size) {
      Atomics.add(i32, c + LOST, 1);
      i32[c + UNREPORTED] = unreported + 1;
      return -ENOSPC;
    }
    const view = this.memory.view;
    // Records are multiples of 8 bytes and so is the ring: a header never straddles its end.
    if (unreported > 0) {
      const at = this.data + (pos & mask);
      this.header(at, PERF_RECORD_LOST, PERF_LOST_RECORD_SIZE);
      view.setUint32(at + 8, 0, true);
      view.setUint32(at + 12, 0, true);
      view.setUint32(at + 16, unreported, true);
      view.setUint32(at + 20, 0, true);
      i32[c + UNREPORTED] = 0;
      pos = (pos + PERF_LOST_RECORD_SIZE) | 0;
    }
    const at = this.data + (pos & mask);
    this.header(at, PERF_RECORD_SAMPLE, PERF_SAMPLE_HEAD + raw);
    view.setUint32(at + PERF_HEADER_SIZE, raw, true);
    pos = (pos + PERF_SAMPLE_HEAD) | 0;
    this.end = (pos + raw) | 0;
    return pos;
  }

  private header(at: number, type: number, size: number): void {
    const view = this.memory.view;
    view.setUint32(at, type, true);
    view.setUint16(at + 4, 0, true);
    view.setUint16(at + 6, size, true);
  }

  /** Copies `src[from, from + length)` into the ring at position `pos`, wrapping at its end; returns the position after it. */
  put(pos: number, src: Uint8Array, from: number, length: number): number {
    const at = pos & this.mask();
    const first = Math.min(length, this.capacity - at);
    const u8 = this.memory.u8;
    // From the flat memory itself (a program's sample): copyWithin, which makes no view per sample.
    if (src === u8) {
      u8.copyWithin(this.data + at, from, from + first);
      if (first < length) u8.copyWithin(this.data, from + first, from + length);
    } else {
      u8.set(src.subarray(from, from + first), this.data + at);
      if (first < length) u8.set(src.subarray(from + first, from + length), this.data);
    }
    return (pos + length) | 0;
  }

  /** Zero-pads the sample begun last from `pos` on, and publishes it to the reader. */
  endSample(pos: number): void {
    const u8 = this.memory.u8;
    const mask = this.mask();
    for (let p = pos; p !== this.end; p = (p + 1) | 0) u8[this.data + (p & mask)] = 0;
    Atomics.store(this.memory.i32, this.control + HEAD, this.end);
  }

  /** The ring's size less one: its sizes are powers of 2. */
  private mask(): number {
    return this.memory.i32[this.control + CAPACITY]! - 1;
  }

  /**
   * Takes every record written so far, freeing the ring. A record whose size
   * does not fit what the writer published (which only map code writes)
   * ends the read.
   */
  read(): PerfRecord[] {
    const i32 = this.memory.i32;
    const view = this.memory.view;
    const head = Atomics.load(i32, this.control + HEAD);
    const cpu = this.cpu;
    const mask = this.mask();
    const out: PerfRecord[] = [];
    let pos = Atomics.load(i32, this.control + TAIL);
    while (pos !== head) {
      const at = this.data + (pos & mask);
      const type = view.getUint32(at, true);
      const size = view.getUint16(at + 6, true);
      if (size < PERF_SAMPLE_HEAD || size % 8 !== 0 || size > ((head - pos) >>> 0)) break;
      if (type === PERF_RECORD_SAMPLE) {
        const raw = Math.min(view.getUint32(at + PERF_HEADER_SIZE, true), size - PERF_SAMPLE_HEAD);
        out.push({ kind: 'sample', cpu, data: this.copyOut((pos + PERF_SAMPLE_HEAD) | 0, raw) });
      } else if (type === PERF_RECORD_LOST) {
        out.push({ kind: 'lost', cpu, lost: view.getUint32(at + 16, true) });
      }
      pos = (pos + size) | 0;
    }
    Atomics.store(i32, this.control + TAIL, pos);
    return out;
  }

  private copyOut(pos: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const at = pos & this.mask();
    const first = Math.min(length, this.capacity - at);
    out.set(this.memory.u8.subarray(this.data + at, this.data + at + first));
    if (first < length) out.set(this.memory.u8.subarray(this.data, this.data + length - first), first);
    return out;
  }
}

/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: perf events by u32 index, which
 * bpf_perf_event_output writes samples to. There are no perf fds here: user
 * space attaches a reader to an index with `attachReader` (what storing a
 * perf event fd does); an update naming anything else is -EBADF, as for an fd
 * that is no perf event. Reading an element back is not supported (-ENOTSUPP).
 *
 * Memory, all internal: one u64 slot per index (the ring of its event + 1,
 * 0 when empty), then a region of rings, one per possible CPU up to
 * max_entries (a control block each, and a lock that attach and delete
 * take), then their data, `MAX_RING_PAGES` pages each. Any thread that binds
 * the map sees the readers another attached, and writes to or reads their
 * rings.
 */
export class PerfEventArrayMap extends BpfMap {
  /** Int32 index of the first slot. */
  private slots = 0;
  /** Int32 index of the ring region (its lock; the control blocks follow). */
  private ringRegion = 0;
  /** This thread's view of each ring. */
  private rings: PerfEventReader[] = [];

  private get ringCount(): number {
    return Math.min(this.cpus, this.spec.maxEntries);
  }

  storage(): RegionSpec[] {
    const name = this.spec.name;
    return [
      { name: `map:${name}:events`, size: this.spec.maxEntries * 8, writable: false, readable: false },
      { name: `map:${name}:rings`, size: CONTROL_SIZE * (1 + this.ringCount), writable: false, readable: false },
      { name: `map:${name}:ring-data`, size: MAX_RING_BYTES * this.ringCount, writable: false, readable: false },
    ];
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.slots = regions[0]!.start >>> 2;
    this.ringRegion = regions[1]!.start >>> 2;
    const data = regions[2]!.start;
    this.rings = Array.from(
      { length: this.ringCount },
      (_, r) => new PerfEventReader(this.memory, this.ringRegion + ((1 + r) * CONTROL_SIZE) / 4, data + r * MAX_RING_BYTES),
    );
  }

  /**
   * Opens a reader on CPU `cpu` (default: the index, as libbpf's perf buffer
   * does) and stores it at `index`, replacing the one there; `clock` times
   * how long it has been enabled. `pages` is a power of 2 up to
   * MAX_RING_PAGES; the map has a ring for each possible CPU, up to
   * max_entries, and refuses a reader more (ENOSPC).
   */
  attachReader(index: number, options: { cpu?: number; pages?: number; clock?: () => HostTime } = {}): PerfEventReader {
    if (!Number.isInteger(index) || index < 0 || index >= this.spec.maxEntries) {
      throw new MapError(E2BIG, `update ${this.spec.name}: index ${index} is past max_entries ${this.spec.maxEntries}`);
    }
    const pages = options.pages ?? MAX_RING_PAGES;
    if (!Number.isInteger(pages) || pages < 1 || (pages & (pages - 1)) !== 0) {
      throw new MapError(EINVAL, `a perf ring must be a power-of-2 number of pages, not ${pages}`);
    }
    if (pages > MAX_RING_PAGES) throw new MapError(ENOMEM, `xdpsim's perf rings hold at most ${MAX_RING_PAGES} pages, not ${pages}`);
    const i32 = this.memory.i32;
    lock(i32, this.ringRegion + RING_LOCK, MAP_LOCK_OWNER);
    this.detach(index);
    const reader = this.rings.find((r) => r.owner === 0);
    if (reader === undefined) {
      unlock(i32, this.ringRegion + RING_LOCK);
      throw new MapError(ENOSPC, `${this.spec.name}: all ${this.rings.length} perf rings are attached (one per possible CPU)`);
    }
    reader.clock = options.clock ?? process.hrtime;
    reader.open(index, options.cpu ?? index, pages);
    Atomics.store(i32, this.slots + 2 * index, this.rings.indexOf(reader) + 1);
    unlock(i32, this.ringRegion + RING_LOCK);
    return reader;
  }

  /** Empties the slot at `index`, freeing its ring; false when it was empty. The caller holds the ring lock. */
  private detach(index: number): boolean {
    const i32 = this.memory.i32;
    const ring = Atomics.exchange(i32, this.slots + 2 * index, 0);
    if (ring === 0) return false;
    this.rings[ring - 1]!.close();
    return true;
  }

  readerAt(index: number): PerfEventReader | undefined {
    if (!(index >= 0 && index < this.spec.maxEntries)) return undefined;
    return this.rings[Atomics.load(this.memory.i32, this.slots + 2 * index) - 1];
  }

  /** The event a program finds at `index` (a u32): -E2BIG past max_entries, -ENOENT where none is stored. */
  eventAt(index: number): PerfEventReader | number {
    if (index >= this.spec.maxEntries) return -E2BIG;
    return this.rings[Atomics.load(this.memory.i32, this.slots + 2 * index) - 1] ?? -ENOENT;
  }

  /**
   * The event at `index` that a program on `cpu` may write a sample to, as
   * __bpf_perf_event_output finds it: or -E2BIG, -ENOENT, or -EOPNOTSUPP
   * for an event of another CPU.
   */
  outputEvent(index: number, cpu: number): PerfEventReader | number {
    const event = this.eventAt(index);
    if (typeof event === 'number') return event;
    return event.cpu === cpu ? event : -EOPNOTSUPP;
  }

  lookup(): number {
    return 0;
  }

  protected userValue(): number {
    return 0;
  }

  /** Nothing to list: user space cannot read the elements back. */
  override *entries(): Generator<[Uint8Array, MapValue]> {}

  override lookupElem(_key: Uint8Array): MapValue | undefined {
    throw new MapError(ENOTSUPP, `lookup ${this.spec.name}`);
  }

  update(key: number, _value: number, flags: number): number {
    if (flags !== BPF_ANY) return -EINVAL;
    if (this.memory.view.getUint32(key, true) >= this.spec.maxEntries) return -E2BIG;
    return -EBADF;
  }

  delete(key: number): number {
    const i = this.memory.view.getUint32(key, true);
    if (i >= this.spec.maxEntries) return -E2BIG;
    const i32 = this.memory.i32;
    lock(i32, this.ringRegion + RING_LOCK, MAP_LOCK_OWNER);
    const found = this.detach(i);
    unlock(i32, this.ringRegion + RING_LOCK);
    return found ? 0 : -ENOENT;
  }

  nextKey(key: number, next: number): number {
    return nextArrayKey(this.memory.view, key, next, this.spec.maxEntries);
  }
}

/**
 * libbpf's perf_buffer: one reader per possible CPU, at the index of its CPU,
 * read together.
 */
export class PerfBuffer {
  readonly readers: PerfEventReader[];

  constructor(map: PerfEventArrayMap, pages = 8) {
    const n = Math.min(map.cpus, map.spec.maxEntries);
    this.readers = Array.from({ length: n }, (_, cpu) => map.attachReader(cpu, { cpu, pages }));
  }

  /** Every record of every CPU, CPU by CPU. */
  consume(): PerfRecord[] {
    return this.readers.flatMap((r) => r.read());
  }

  get lost(): number {
    return this.readers.reduce((n, r) => n + r.lost, 0);
  }
}
