import { lock, unlock } from '../vm/lock.js';
import type { Region, RegionSpec } from '../vm/memory.js';
import { BpfMap, MAP_LOCK_OWNER, type MapValue } from './map.js';
import {
  BPF_RB_AVAIL_DATA,
  BPF_RB_CONS_POS,
  BPF_RB_FORCE_WAKEUP,
  BPF_RB_NO_WAKEUP,
  BPF_RB_PROD_POS,
  BPF_RB_RING_SIZE,
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  BPF_RINGBUF_HDR_SZ,
} from '../uapi/bpf.js';
import { EAGAIN, EINVAL, ENOTSUPP } from '../uapi/errno.js';
import { PAGE_SHIFT } from '../uapi/limits.js';
import { MapError, roundUp8 } from './types.js';

/** RINGBUF_MAX_RECORD_SZ: UINT_MAX / 4. */
const MAX_RECORD_SIZE = 0x3fff_ffff;
/** The length bits of a record header (below BUSY and DISCARD). */
const LEN_MASK = 0x3fff_ffff;
/**
 * Page of `struct bpf_ringbuf` where the data starts, after the page of
 * bookkeeping and the consumer and producer pages: record headers carry their
 * page offset from the struct so the kernel finds the ring from a record.
 */
const DATA_PAGE_OFFSET = 3;

/**
 * Int32 words of the position region. The kernel puts the consumer and
 * producer positions on pages of their own (user space maps one writable,
 * the other read-only); here each has a cache line, away from the lock that
 * producers contend on.
 */
const LOCK = 0;
const PENDING = 1;
const CONSUMER = 16;
const PRODUCER = 32;
const POSITIONS_SIZE = 132;

/**
 * BPF_MAP_TYPE_RINGBUF: one ring of `max_entries` bytes shared by all CPUs.
 * Records are laid out as the kernel lays them out: an 8-byte header (u32 length
 * with the BUSY and DISCARD bits, u32 page offset), then the data, rounded up
 * to 8. A reservation hands the program an address in the flat memory to fill
 * in place; it fails when the record would put the producer more than the
 * ring's size ahead of the consumer or of the oldest uncommitted record.
 *
 * Memory: an internal region of positions (the producers' lock, the pending,
 * consumer and producer positions) and the data region. Producers in any
 * thread reserve under the lock (rb->spinlock); a commit swaps the header's
 * length atomically, clearing BUSY; the consumer reads without the lock,
 * trusting nothing it reads to stay in bounds. Positions are u32 and wrap
 * (the kernel's are unsigned long: this is its 32-bit behaviour), compared
 * by their difference, which never exceeds the ring's size.
 *
 * The data region is granular (src/vm/memory.ts): a program may load and
 * store only the samples of the records reserved and not yet committed, so
 * it cannot forge a header that the consumer, or the next reservation, would
 * follow. The kernel maps the data pages twice in a row so a record that
 * wraps stays contiguous; here the data region is twice the ring too, and a
 * commit folds the part past the end back to the start, so the first half is
 * always the ring.
 */
export class RingBufMap extends BpfMap {
  private data = 0;
  /** Int32 index of the position region's first word. */
  private positions = 0;
  private readonly mask: number;

  constructor(spec: ConstructorParameters<typeof BpfMap>[0], cpus: number) {
    super(spec, cpus);
    this.mask = spec.maxEntries - 1;
  }

  get size(): number {
    return this.spec.maxEntries;
  }

  get producerPos(): number {
    return Atomics.load(this.memory.i32, this.positions + PRODUCER) >>> 0;
  }

  get consumerPos(): number {
    return Atomics.load(this.memory.i32, this.positions + CONSUMER) >>> 0;
  }

  /** Bytes written and not yet consumed, headers and padding included. */
  get availableData(): number {
    return (this.producerPos - this.consumerPos) >>> 0;
  }

  storage(): RegionSpec[] {
    const name = this.spec.name;
    return [
      { name: `map:${name}:positions`, size: POSITIONS_SIZE, writable: false, readable: false },
      { name: `map:${name}:data`, size: 2 * this.spec.maxEntries, writable: true, granular: true },
    ];
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.positions = regions[0]!.start >>> 2;
    this.data = regions[1]!.start;
  }

  /** Whether `address` can be the start of a record's sample (8 bytes past a header in the ring). */
  ownsSample(address: number): boolean {
    const hdr = address - BPF_RINGBUF_HDR_SZ;
    return hdr >= this.data && hdr < this.data + this.size && (hdr - this.data) % 8 === 0;
  }

  /** bpf_ringbuf_reserve: the address of `size` writable bytes, or 0 when the ring has no room. */
  reserve(size: number): number {
    if (size > MAX_RECORD_SIZE) return 0;
    const len = roundUp8(size + BPF_RINGBUF_HDR_SZ);
    if (len > this.size) return 0;
    const i32 = this.memory.i32;
    const at = this.positions;
    const consumer = Atomics.load(i32, at + CONSUMER);
    lock(i32, at + LOCK, MAP_LOCK_OWNER);
    const producer = i32[at + PRODUCER]!;
    let pend = i32[at + PENDING]!;
    while (pend !== producer) {
      const hdrLen = Atomics.load(i32, (this.data + (pend & this.mask)) >>> 2);
      if (hdrLen & BPF_RINGBUF_BUSY_BIT) break;
      const step = roundUp8((hdrLen & LEN_MASK) + BPF_RINGBUF_HDR_SZ);
      // Only map code writes headers; one that runs past the producer is a bug, and stops here.
      if (step > ((producer - pend) >>> 0)) break;
      pend = (pend + step) | 0;
    }
    i32[at + PENDING] = pend;
    const next = (producer + len) | 0;
    if ((next - consumer) >>> 0 > this.mask || (next - pend) >>> 0 > this.mask) {
      unlock(i32, at + LOCK);
      return 0;
    }
    const offset = producer & this.mask;
    const hdr = this.data + offset;
    Atomics.store(i32, hdr >>> 2, size | BPF_RINGBUF_BUSY_BIT);
    i32[(hdr >>> 2) + 1] = DATA_PAGE_OFFSET + (offset >>> PAGE_SHIFT);
    this.memory.grant(hdr + BPF_RINGBUF_HDR_SZ, len - BPF_RINGBUF_HDR_SZ);
    Atomics.store(i32, at + PRODUCER, next);
    unlock(i32, at + LOCK);
    return hdr + BPF_RINGBUF_HDR_SZ;
  }

  /**
   * bpf_ringbuf_submit / bpf_ringbuf_discard of the record at `sample`; false when
   * `sample` is not a reserved, uncommitted record of this ring (the kernel's
   * verifier makes sure it always is).
   */
  commit(sample: number, discard: boolean): boolean {
    if (!this.isReserved(sample)) return false;
    const i32 = this.memory.i32;
    const word = (sample - BPF_RINGBUF_HDR_SZ) >>> 2;
    const size = Atomics.load(i32, word) & LEN_MASK;
    const end = sample + size;
    const ringEnd = this.data + this.size;
    if (end > ringEnd) this.u8.copyWithin(this.data, ringEnd, end);
    this.memory.revoke(sample, roundUp8(size));
    // The exchange publishes the sample (and the fold) to a consumer that sees BUSY clear.
    Atomics.exchange(i32, word, size | (discard ? BPF_RINGBUF_DISCARD_BIT : 0));
    return true;
  }

  /** Whether `sample` is a record of this ring reserved and not yet submitted or discarded. */
  isReserved(sample: number): boolean {
    return this.ownsSample(sample) && (Atomics.load(this.memory.i32, (sample - BPF_RINGBUF_HDR_SZ) >>> 2) & BPF_RINGBUF_BUSY_BIT) !== 0;
  }

  /** bpf_ringbuf_output: copies `size` bytes at `from` as one record; 0, -EINVAL or -EAGAIN. */
  output(from: number, size: number, flags: number): number {
    if (flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) return -EINVAL;
    const sample = this.reserve(size);
    if (sample === 0) return -EAGAIN;
    this.u8.copyWithin(sample, from, from + size);
    this.commit(sample, false);
    return 0;
  }

  /** bpf_ringbuf_query; unknown flags give 0. */
  query(flags: number): number {
    switch (flags) {
      case BPF_RB_AVAIL_DATA:
        return this.availableData;
      case BPF_RB_RING_SIZE:
        return this.size;
      case BPF_RB_CONS_POS:
        return this.consumerPos;
      case BPF_RB_PROD_POS:
        return this.producerPos;
      default:
        return 0;
    }
  }

  /**
   * What libbpf's ring_buffer__consume does: returns the committed samples in
   * order (at most `limit`), skipping discarded ones, and advances the consumer
   * past them; it stops at the first record still being written. The samples
   * are views into one copy of the consumed bytes. One consumer at a time, as
   * with libbpf; producers may go on meanwhile. A header that claims more
   * than the producer has written ends the read there; found first, it
   * throws, and the consumer stays before it.
   */
  consume(limit = Infinity): Uint8Array[] {
    const i32 = this.memory.i32;
    const start = Atomics.load(i32, this.positions + CONSUMER);
    const producer = Atomics.load(i32, this.positions + PRODUCER);
    const spans: number[] = [];
    let pos = start;
    while (pos !== producer && spans.length < 2 * limit) {
      const len = Atomics.load(i32, (this.data + (pos & this.mask)) >>> 2);
      if (len & BPF_RINGBUF_BUSY_BIT) break;
      const size = len & LEN_MASK;
      const step = roundUp8(size + BPF_RINGBUF_HDR_SZ);
      if (step > ((producer - pos) >>> 0)) {
        if (pos !== start) break;
        throw new MapError(
          EINVAL,
          `ring buffer ${this.spec.name}: the record at position ${pos >>> 0} claims ${size} bytes, past the producer at ${producer >>> 0}`,
        );
      }
      if (!(len & BPF_RINGBUF_DISCARD_BIT)) spans.push(((pos - start) >>> 0) + BPF_RINGBUF_HDR_SZ, size);
      pos = (pos + step) | 0;
    }
    const length = (pos - start) >>> 0;
    // Copy before the consumer moves on: past it, producers may write over these bytes.
    const block = spans.length === 0 ? undefined : this.copyOut(start, length);
    Atomics.store(i32, this.positions + CONSUMER, pos);
    if (block === undefined) return [];
    const out = new Array<Uint8Array>(spans.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = block.subarray(spans[2 * i]!, spans[2 * i]! + spans[2 * i + 1]!);
    return out;
  }

  /** `length` bytes of the ring from position `pos`, unwrapped. */
  private copyOut(pos: number, length: number): Uint8Array {
    const at = this.data + (pos & this.mask);
    const first = this.data + this.size - at;
    if (length <= first) return this.u8.slice(at, at + length);
    const out = new Uint8Array(length);
    out.set(this.u8.subarray(at, at + first));
    out.set(this.u8.subarray(this.data, this.data + length - first), first);
    return out;
  }

  /** Programs use the ring helpers; the map-element calls are not supported on a ring. */
  lookup(): number {
    return 0;
  }

  protected userValue(): number {
    return 0;
  }

  override lookupElem(_key: Uint8Array): MapValue | undefined {
    throw new MapError(ENOTSUPP, `lookup ${this.spec.name}`);
  }

  update(): number {
    return -ENOTSUPP;
  }

  delete(): number {
    return -ENOTSUPP;
  }

  nextKey(): number {
    return -ENOTSUPP;
  }
}
