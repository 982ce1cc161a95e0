import type { CapturedPacket } from './packet.js';

export const DEFAULT_BATCH_CAPACITY = 64;

const EMPTY = new Uint8Array(0);

/**
 * Up to `capacity` packets, described by parallel typed arrays so that
 * filling a batch allocates nothing per packet. Packet `i < count` is
 * `bytes[offset[i], offset[i] + capLen[i])`. `bytes` belongs to the reader
 * that filled the batch: it holds only until that reader's next read, which
 * may overwrite or replace it.
 */
export class PacketBatch {
  readonly capacity: number;
  count = 0;
  bytes: Uint8Array = EMPTY;
  // Offsets into a whole file in memory can pass 2^32 where buffers may be that large.
  readonly offset: Float64Array;
  readonly capLen: Uint32Array;
  /** Length on the wire; at least `capLen`. */
  readonly origLen: Uint32Array;
  // pcapng: 64-bit timestamps and a signed 64-bit if_tsoffset give seconds far beyond 32 bits, and below 0.
  readonly tsSec: Float64Array;
  /** 0 ≤ tsNsec < 1e9. */
  readonly tsNsec: Uint32Array;
  readonly linkType: Uint16Array;
  /** Index into the reader's `interfaces`. */
  readonly interfaceIndex: Uint32Array;
  // A Buffer over `bytes` for copyPacket's memcpy, remade only when `bytes` changes.
  private copySource: Buffer = Buffer.alloc(0);

  constructor(capacity = DEFAULT_BATCH_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`batch capacity ${capacity} is not a positive integer`);
    this.capacity = capacity;
    this.offset = new Float64Array(capacity);
    this.capLen = new Uint32Array(capacity);
    this.origLen = new Uint32Array(capacity);
    this.tsSec = new Float64Array(capacity);
    this.tsNsec = new Uint32Array(capacity);
    this.linkType = new Uint16Array(capacity);
    this.interfaceIndex = new Uint32Array(capacity);
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /** Packet `i` as an object, its data a view of `bytes` (so valid as long as they are). */
  packet(i: number): CapturedPacket {
    this.check(i);
    return {
      data: this.bytes.subarray(this.offset[i], this.offset[i]! + this.capLen[i]!),
      origLen: this.origLen[i]!,
      tsSec: this.tsSec[i]!,
      tsNsec: this.tsNsec[i]!,
      linkType: this.linkType[i]!,
      interfaceIndex: this.interfaceIndex[i]!,
    };
  }

  /**
   * Copies packet `i`'s bytes into `target` at `at` without allocating (the
   * path for Ethernet frames, which need no conversion); returns `capLen[i]`.
   * Throws a RangeError when they do not fit.
   */
  copyPacket(i: number, target: Uint8Array, at = 0): number {
    this.check(i);
    const length = this.capLen[i]!;
    if (at < 0 || at + length > target.length) {
      throw new RangeError(`packet ${i} (${length} bytes) does not fit a ${target.length}-byte target at ${at}`);
    }
    const source = this.bytes;
    if (this.copySource.buffer !== source.buffer || this.copySource.byteOffset !== source.byteOffset || this.copySource.length !== source.length) {
      this.copySource = Buffer.from(source.buffer, source.byteOffset, source.length);
    }
    return this.copySource.copy(target, at, this.offset[i], this.offset[i]! + length);
  }

  /** Empties the batch; parsers then `push` into it. */
  reset(bytes: Uint8Array): void {
    this.count = 0;
    this.bytes = bytes;
  }

  push(offset: number, capLen: number, origLen: number, tsSec: number, tsNsec: number, linkType: number, interfaceIndex: number): void {
    const i = this.count++;
    this.offset[i] = offset;
    this.capLen[i] = capLen;
    this.origLen[i] = origLen;
    this.tsSec[i] = tsSec;
    this.tsNsec[i] = tsNsec;
    this.linkType[i] = linkType;
    this.interfaceIndex[i] = interfaceIndex;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`packet ${i} is not in a batch of ${this.count}`);
  }
}
