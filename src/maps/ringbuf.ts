import type { Region, RegionSpec } from '../vm/memory.js';
import { BpfMap, type MapValue } from './map.js';
import { EAGAIN, EINVAL, ENOTSUPP, MapError, PAGE_SHIFT, roundUp8 } from './types.js';

export const BPF_RINGBUF_BUSY_BIT = 0x8000_0000;
export const BPF_RINGBUF_DISCARD_BIT = 0x4000_0000;
export const BPF_RINGBUF_HDR_SZ = 8;
export const BPF_RB_NO_WAKEUP = 1;
export const BPF_RB_FORCE_WAKEUP = 2;
export const BPF_RB_AVAIL_DATA = 0;
export const BPF_RB_RING_SIZE = 1;
export const BPF_RB_CONS_POS = 2;
export const BPF_RB_PROD_POS = 3;

/** RINGBUF_MAX_RECORD_SZ: UINT_MAX / 4. */
const MAX_RECORD_SIZE = 0x3fff_ffff;
/**
 * Page of `struct bpf_ringbuf` where the data starts, after the page of
 * bookkeeping and the consumer and producer pages: record headers carry their
 * page offset from the struct so the kernel finds the ring from a record.
 */
const DATA_PAGE_OFFSET = 3;

/**
 * BPF_MAP_TYPE_RINGBUF: one ring of `max_entries` bytes shared by all CPUs.
 * Records are laid out as the kernel lays them out: an 8-byte header (u32 length
 * with the BUSY and DISCARD bits, u32 page offset), then the data, rounded up
 * to 8. A reservation hands the program an address in the flat memory to fill
 * in place; it fails when the record would put the producer more than the
 * ring's size ahead of the consumer or of the oldest uncommitted record.
 *
 * The kernel maps the data pages twice in a row so a record that wraps stays
 * contiguous; here the data region is twice the ring too, and a commit folds
 * the part past the end back to the start, so the first half is always the ring.
 */
export class RingBufMap extends BpfMap {
  private data = 0;
  private readonly mask: number;
  private consumer = 0;
  private producer = 0;
  /** Oldest record not yet committed, as far as the last reservation looked. */
  private pending = 0;

  constructor(spec: ConstructorParameters<typeof BpfMap>[0], cpus: number) {
    super(spec, cpus);
    this.mask = spec.maxEntries - 1;
  }

  get size(): number {
    return this.spec.maxEntries;
  }

  get producerPos(): number {
    return this.producer;
  }

  get consumerPos(): number {
    return this.consumer;
  }

  /** Bytes written and not yet consumed, headers and padding included. */
  get availableData(): number {
    return this.producer - this.consumer;
  }

  storage(): RegionSpec[] {
    return [{ name: `map:${this.spec.name}:data`, size: 2 * this.spec.maxEntries, writable: true }];
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.data = regions[0]!.start;
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
    const view = this.memory.view;
    let pend = this.pending;
    while (pend < this.producer) {
      const hdrLen = view.getUint32(this.data + (pend & this.mask), true);
      if (hdrLen & BPF_RINGBUF_BUSY_BIT) break;
      pend += roundUp8((hdrLen & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ);
    }
    this.pending = pend;
    const next = this.producer + len;
    if (next - this.consumer > this.mask || next - pend > this.mask) return 0;
    const offset = this.producer & this.mask;
    const hdr = this.data + offset;
    view.setUint32(hdr, (size | BPF_RINGBUF_BUSY_BIT) >>> 0, true);
    view.setUint32(hdr + 4, DATA_PAGE_OFFSET + (offset >>> PAGE_SHIFT), true);
    this.producer = next;
    return hdr + BPF_RINGBUF_HDR_SZ;
  }

  /**
   * bpf_ringbuf_submit / bpf_ringbuf_discard of the record at `sample`; false when
   * `sample` is not a reserved, uncommitted record of this ring (the kernel's
   * verifier makes sure it always is).
   */
  commit(sample: number, discard: boolean): boolean {
    if (!this.isReserved(sample)) return false;
    const view = this.memory.view;
    const hdr = sample - BPF_RINGBUF_HDR_SZ;
    const size = view.getUint32(hdr, true) & ~BPF_RINGBUF_BUSY_BIT;
    const end = sample + size;
    const ringEnd = this.data + this.size;
    if (end > ringEnd) this.u8.copyWithin(this.data, ringEnd, end);
    view.setUint32(hdr, (size | (discard ? BPF_RINGBUF_DISCARD_BIT : 0)) >>> 0, true);
    return true;
  }

  /** Whether `sample` is a record of this ring reserved and not yet submitted or discarded. */
  isReserved(sample: number): boolean {
    return this.ownsSample(sample) && (this.memory.view.getUint32(sample - BPF_RINGBUF_HDR_SZ, true) & BPF_RINGBUF_BUSY_BIT) !== 0;
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
        return this.consumer;
      case BPF_RB_PROD_POS:
        return this.producer;
      default:
        return 0;
    }
  }

  /**
   * What libbpf's ring_buffer__consume does: returns the committed samples in
   * order (at most `limit`), skipping discarded ones, and advances the consumer
   * past them; it stops at the first record still being written. The samples
   * are views into one copy of the consumed bytes.
   */
  consume(limit = Infinity): Uint8Array[] {
    const view = this.memory.view;
    const start = this.consumer;
    const spans: number[] = [];
    let pos = start;
    while (pos < this.producer && spans.length < 2 * limit) {
      const len = view.getUint32(this.data + (pos & this.mask), true);
      if (len & BPF_RINGBUF_BUSY_BIT) break;
      const size = len & ~BPF_RINGBUF_DISCARD_BIT;
      if (!(len & BPF_RINGBUF_DISCARD_BIT)) spans.push(pos - start + BPF_RINGBUF_HDR_SZ, size);
      pos += roundUp8(size + BPF_RINGBUF_HDR_SZ);
    }
    this.consumer = pos;
    if (spans.length === 0) return [];
    const block = this.copyOut(start, pos - start);
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
