import type { FrameBatch } from '../nic/rx.js';

/** Bytes a chunk's frame count and fill take in its control words. */
const CONTROL_WORDS = 4;
const COUNT = 0;
const USED = 1;

/** What a FrameChunk is laid out from, and what another thread needs to take it up. */
export interface SharedChunk {
  readonly buffer: SharedArrayBuffer;
  readonly byteCapacity: number;
  readonly frameCapacity: number;
  readonly queues: number;
  /** Where the frame bytes lie when not in `buffer`: an object's staging memory (LoadedObject.staging). */
  readonly frames?: { readonly buffer: SharedArrayBuffer; readonly byteOffset: number };
}

/**
 * Received frames laid end to end in shared memory, with what the replay
 * knows of each (capture and wire lengths, timestamp, the RX queue RSS filed
 * it on) and, once sealed, the frames of each queue in arrival order. The
 * thread that reads a capture fills a chunk; the threads that poll queues
 * run their queues' frames straight from it (it is a FrameBatch), so a frame
 * is copied once from the capture, and a preloaded capture not even once
 * per loop.
 */
export class FrameChunk implements FrameBatch {
  readonly bytes: Uint8Array;
  readonly offset: Uint32Array;
  readonly capLen: Uint32Array;
  readonly origLen: Uint32Array;
  readonly tsSec: Float64Array;
  readonly tsNsec: Uint32Array;
  readonly queueOf: Uint16Array;
  /** After seal: the indexes of queue q's frames are order[queueStart[q] .. queueStart[q + 1]). */
  readonly order: Int32Array;
  readonly queueStart: Int32Array;
  private readonly control: Int32Array;

  private constructor(readonly shared: SharedChunk) {
    const { buffer, byteCapacity, frameCapacity: n, queues } = shared;
    let at = 0;
    const take = (bytes: number): number => {
      const here = at;
      at += Math.ceil(bytes / 8) * 8;
      return here;
    };
    this.control = new Int32Array(buffer, take(CONTROL_WORDS * 4), CONTROL_WORDS);
    this.tsSec = new Float64Array(buffer, take(n * 8), n);
    this.offset = new Uint32Array(buffer, take(n * 4), n);
    this.capLen = new Uint32Array(buffer, take(n * 4), n);
    this.origLen = new Uint32Array(buffer, take(n * 4), n);
    this.tsNsec = new Uint32Array(buffer, take(n * 4), n);
    this.order = new Int32Array(buffer, take(n * 4), n);
    this.queueStart = new Int32Array(buffer, take((queues + 1) * 4), queues + 1);
    this.queueOf = new Uint16Array(buffer, take(n * 2), n);
    this.bytes = shared.frames !== undefined ? new Uint8Array(shared.frames.buffer, shared.frames.byteOffset, byteCapacity) : new Uint8Array(buffer, take(byteCapacity), byteCapacity);
  }

  /**
   * A new chunk of at most `frameCapacity` frames, for a device with `queues`
   * RX queues, its frame bytes in `frames` (shared memory: an object's
   * staging memory, from which frames load into frame slots cheapest) or in
   * `byteCapacity` bytes of its own.
   */
  static create(byteCapacity: number, frameCapacity: number, queues: number, frames?: Uint8Array): FrameChunk {
    const n = frameCapacity;
    const own = frames === undefined ? byteCapacity : 0;
    const size = 8 * (CONTROL_WORDS + n * 4 + queues + 1) + n * 8 + n * 2 + own + 64;
    if (frames === undefined) return new FrameChunk({ buffer: new SharedArrayBuffer(size), byteCapacity, frameCapacity, queues });
    if (!(frames.buffer instanceof SharedArrayBuffer) || frames.length < byteCapacity) throw new RangeError(`frames need ${byteCapacity} bytes of shared memory`);
    return new FrameChunk({
      buffer: new SharedArrayBuffer(size),
      byteCapacity,
      frameCapacity,
      queues,
      frames: { buffer: frames.buffer, byteOffset: frames.byteOffset },
    });
  }

  /** The chunk another thread made (its `shared`), over the same memory. */
  static attach(shared: SharedChunk): FrameChunk {
    return new FrameChunk(shared);
  }

  get count(): number {
    return this.control[COUNT]!;
  }

  /** Frame bytes taken so far. */
  get used(): number {
    return this.control[USED]!;
  }

  get frameCapacity(): number {
    return this.shared.frameCapacity;
  }

  /** Whether a frame of `length` bytes still fits. */
  fits(length: number): boolean {
    return this.count < this.shared.frameCapacity && this.used + length <= this.shared.byteCapacity;
  }

  /**
   * Appends a frame copied from `source[start, start + length)` (the caller
   * checked `fits`) received on `queue`; returns its index.
   */
  push(source: Uint8Array, start: number, length: number, origLen: number, tsSec: number, tsNsec: number, queue: number): number {
    const i = this.control[COUNT]!;
    const at = this.control[USED]!;
    this.bytes.set(source.subarray(start, start + length), at);
    this.offset[i] = at;
    this.capLen[i] = length;
    this.origLen[i] = origLen;
    this.tsSec[i] = tsSec;
    this.tsNsec[i] = tsNsec;
    this.queueOf[i] = queue;
    this.control[COUNT] = i + 1;
    // Word-aligned starts keep the arena's word copies aligned.
    this.control[USED] = (at + length + 7) & ~7;
    return i;
  }

  /** Groups the frames by queue (a counting sort, so each queue keeps arrival order). */
  seal(): void {
    const queues = this.shared.queues;
    const start = this.queueStart;
    start.fill(0);
    const n = this.count;
    for (let i = 0; i < n; i++) start[this.queueOf[i]! + 1]! += 1;
    for (let q = 0; q < queues; q++) start[q + 1]! += start[q]!;
    // Where each queue's next frame goes.
    const next = Int32Array.from(start.subarray(0, queues));
    for (let i = 0; i < n; i++) this.order[next[this.queueOf[i]!]!++] = i;
  }

  /** Empties the chunk for the next frames. */
  reset(): void {
    this.control[COUNT] = 0;
    this.control[USED] = 0;
  }
}
