import type { Region, RegionSpec } from '../vm/memory.js';
import { nextArrayKey } from './array-keys.js';
import { BpfMap, type MapValue } from './map.js';
import { BPF_ANY, E2BIG, EBADF, EINVAL, ENOENT, ENOSPC, ENOTSUPP, EOPNOTSUPP, MapError } from './types.js';

const PAGE_SIZE = 4096;
/** struct perf_event_header. */
const PERF_HEADER_SIZE = 8;
/** PERF_RECORD_LOST: header, id, lost count. */
const PERF_LOST_RECORD_SIZE = 24;

/** What a reader gets, in order: a BPF output sample, or how many samples were lost before the next one. */
export type PerfRecord =
  | { kind: 'sample'; cpu: number; data: Uint8Array }
  | { kind: 'lost'; cpu: number; lost: number };

/**
 * One perf event of type BPF_OUTPUT with its ring buffer, as user space opens
 * one per CPU: it only accepts samples from programs running on its CPU. The
 * ring holds `pages` pages; each sample takes an 8-byte header, a u32 size and
 * the raw data zero-padded so the size field and data end on 8 bytes, as perf
 * pads raw samples. When the ring lacks room the sample is lost (counted, and
 * reported once room returns); the helper then gets -ENOSPC.
 */
export class PerfEventReader {
  /** Samples lost since the reader was opened. */
  lost = 0;
  private unreported = 0;
  private used = 0;
  private records: PerfRecord[] = [];
  readonly capacity: number;
  /** When the event was opened, enabled, by `clock`. */
  private readonly enabledAt: bigint;

  constructor(
    readonly cpu: number,
    pages: number,
    private readonly clock: () => bigint = process.hrtime.bigint,
  ) {
    if (!Number.isInteger(pages) || pages < 1 || (pages & (pages - 1)) !== 0 || pages > 1 << 16) {
      throw new MapError(EINVAL, `a perf ring must be a power-of-2 number of pages (at most 65536), not ${pages}`);
    }
    this.capacity = pages * PAGE_SIZE;
    this.enabledAt = clock();
  }

  /**
   * Nanoseconds the event has been enabled, and so running: a software event
   * of its own CPU is always scheduled there (what perf_event_read_local
   * reports as enabled and running time).
   */
  enabledNs(): bigint {
    return this.clock() - this.enabledAt;
  }

  /** Raw sample size as perf stores it: the data padded so that 4 + size is a multiple of 8. */
  static rawSize(bytes: number): number {
    return Math.ceil((bytes + 4) / 8) * 8 - 4;
  }

  /** Appends a sample; 0, or -ENOSPC when it is lost. */
  write(data: Uint8Array): number {
    const lostRecord = this.unreported > 0 ? PERF_LOST_RECORD_SIZE : 0;
    const size = PERF_HEADER_SIZE + 4 + PerfEventReader.rawSize(data.length) + lostRecord;
    // The kernel keeps one byte free so a full ring is not mistaken for an empty one.
    if (this.capacity - 1 - this.used < size) {
      this.lost++;
      this.unreported++;
      return -ENOSPC;
    }
    if (lostRecord) {
      this.records.push({ kind: 'lost', cpu: this.cpu, lost: this.unreported });
      this.unreported = 0;
    }
    const padded = new Uint8Array(PerfEventReader.rawSize(data.length));
    padded.set(data);
    this.records.push({ kind: 'sample', cpu: this.cpu, data: padded });
    this.used += size;
    return 0;
  }

  /** Takes every record written so far, freeing the ring. */
  read(): PerfRecord[] {
    const out = this.records;
    this.records = [];
    this.used = 0;
    return out;
  }
}

/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: perf events by u32 index, which
 * bpf_perf_event_output writes samples to. There are no perf fds here: user
 * space attaches a reader to an index with `attachReader` (what storing a
 * perf event fd does); an update naming anything else is -EBADF, as for an fd
 * that is no perf event. Reading an element back is not supported (-ENOTSUPP).
 */
export class PerfEventArrayMap extends BpfMap {
  private readonly readers: Array<PerfEventReader | undefined>;

  constructor(spec: ConstructorParameters<typeof BpfMap>[0], cpus: number) {
    super(spec, cpus);
    this.readers = new Array<PerfEventReader | undefined>(spec.maxEntries);
  }

  storage(): RegionSpec[] {
    return [];
  }

  protected bindStorage(_regions: readonly Region[]): void {}

  /**
   * Opens a reader on CPU `cpu` (default: the index, as libbpf's perf buffer
   * does) and stores it at `index`; `clock` times how long it has been enabled.
   */
  attachReader(index: number, options: { cpu?: number; pages?: number; clock?: () => bigint } = {}): PerfEventReader {
    if (!Number.isInteger(index) || index < 0 || index >= this.spec.maxEntries) {
      throw new MapError(E2BIG, `update ${this.spec.name}: index ${index} is past max_entries ${this.spec.maxEntries}`);
    }
    const reader = new PerfEventReader(options.cpu ?? index, options.pages ?? 8, options.clock);
    this.readers[index] = reader;
    return reader;
  }

  readerAt(index: number): PerfEventReader | undefined {
    return index >= 0 && index < this.spec.maxEntries ? this.readers[index] : undefined;
  }

  /** The event a program finds at `index` (a u32): -E2BIG past max_entries, -ENOENT where none is stored. */
  eventAt(index: number): PerfEventReader | number {
    if (index >= this.spec.maxEntries) return -E2BIG;
    return this.readers[index] ?? -ENOENT;
  }

  /**
   * __bpf_perf_event_output from a program on `cpu` to the event at `index`:
   * 0 or a negative errno. The sample is only built once a reader takes it.
   */
  output(index: number, cpu: number, sample: () => Uint8Array): number {
    const reader = this.eventAt(index);
    if (typeof reader === 'number') return reader;
    if (reader.cpu !== cpu) return -EOPNOTSUPP;
    return reader.write(sample());
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
    if (!this.readers[i]) return -ENOENT;
    this.readers[i] = undefined;
    return 0;
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
