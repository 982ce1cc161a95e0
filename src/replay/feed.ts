import { stat } from 'node:fs/promises';
import { CaptureReader, LINKTYPE_ETHERNET, LinkTypeError, MAX_SNAPLEN, PacketBatch, toEthernet } from '../pcap/index.js';
import { FrameChunk } from './chunk.js';

/** The RX queue a frame `bytes[start, end)` is received on: the device's RSS, or a fixed queue. */
export type QueueOf = (bytes: Uint8Array, start: number, end: number) => number;

/** A capture that ended in damage: the message names the packet and byte offset; the packets before it were replayed. */
export interface CaptureProblem {
  capture: string;
  message: string;
  /** Packets of the capture read before the damage. */
  packetsBefore: number;
}

/** Frames per streaming chunk, and its bytes: enough for a batch of the largest frames. */
const STREAM_FRAMES = 32768;
const STREAM_BYTES = 8 * 1024 * 1024;

/**
 * The captures of a replay turned into chunks of Ethernet frames filed on
 * RX queues: packets of other link types converted (SLL, SLL2, raw IP,
 * BSD loopback), each frame's queue chosen as it is copied in. Captures
 * whose files together are at most `preloadLimit` bytes are read once into
 * one chunk that every loop runs again; larger ones, and pipes, stream
 * through a chunk of bounded size, read again on each loop.
 */
export class CaptureFeed {
  /** Packets that could not be made Ethernet frames (never run), and the first reason. */
  linkTypeErrors = 0;
  firstLinkTypeError: string | undefined;
  readonly problems: CaptureProblem[] = [];
  /** Timestamp range (seconds) of the frames fed so far, for the time a loop spans. */
  firstTs = Infinity;
  lastTs = -Infinity;
  /** How far the current pass has read, in bytes of capture file, and the total when known (Infinity for pipes). */
  bytesRead = 0;
  totalBytes = 0;
  private preloaded: FrameChunk | undefined;
  private passes = 0;
  /** Where chunks keep their frame bytes, when given (see `stage`). */
  private frames: Uint8Array | undefined;

  private constructor(
    readonly captures: readonly string[],
    private readonly queues: number,
    private readonly queueOf: QueueOf,
    private readonly preload: boolean,
  ) {}

  static async open(captures: readonly string[], queues: number, queueOf: QueueOf, preloadLimit: number): Promise<CaptureFeed> {
    let total = 0;
    let files = true;
    for (const path of captures) {
      const s = await stat(path);
      if (!s.isFile()) files = false;
      total += s.size;
    }
    const feed = new CaptureFeed(captures, queues, queueOf, files && total <= preloadLimit);
    feed.totalBytes = files ? total : Infinity;
    return feed;
  }

  /** The chunk of a preloading feed once its first pass has read it. */
  get kept(): FrameChunk | undefined {
    return this.preloaded;
  }

  /**
   * Bytes of frames its chunk holds: all the captures' when preloading (a
   * frame is never longer than its record: the largest header added, 14
   * bytes of Ethernet, is shorter than the 16 of a pcap record, and each
   * record takes 16 bytes or more, to which a frame's start alignment adds at
   * most 7), else one streaming chunk's.
   */
  get stagingBytes(): number {
    return this.preload ? Math.ceil(this.totalBytes * 1.5) + MAX_SNAPLEN : STREAM_BYTES;
  }

  /** Keeps the frames in `frames` (`stagingBytes` long, shared: an object's staging memory), from which they load into frame slots cheapest. */
  stage(frames: Uint8Array): void {
    if (this.passes > 0) throw new Error('a feed is staged before its first pass');
    this.frames = frames;
  }

  /** Whether the captures are read once and kept. */
  get preloading(): boolean {
    return this.preload;
  }

  /**
   * One pass over every capture, in order, as sealed chunks: each is
   * valid until the loop body that received it is done with it. A
   * preloaded feed yields its one chunk on every pass after the first.
   */
  async *pass(): AsyncGenerator<FrameChunk> {
    this.passes++;
    if (this.preloaded !== undefined) {
      yield this.preloaded;
      return;
    }
    const chunk = this.preload
      ? FrameChunk.create(this.stagingBytes, Math.ceil(this.totalBytes / 16) + 1, this.queues, this.frames)
      : FrameChunk.create(STREAM_BYTES, STREAM_FRAMES, this.queues, this.frames);
    this.bytesRead = 0;
    let doneBytes = 0;
    for (const capture of this.captures) {
      const reader = await CaptureReader.open(capture);
      try {
        const batch = new PacketBatch();
        for (let n = await reader.read(batch); n > 0; n = await reader.read(batch)) {
          this.bytesRead = doneBytes + reader.position;
          for (let k = 0; k < n; k++) {
            let bytes = batch.bytes;
            let start = batch.offset[k]!;
            let length = batch.capLen[k]!;
            if (batch.linkType[k] !== LINKTYPE_ETHERNET) {
              const frame = this.convert(batch, k);
              if (frame === undefined) continue;
              [bytes, start, length] = [frame, 0, frame.length];
            }
            if (!chunk.fits(length)) {
              chunk.seal();
              yield chunk;
              chunk.reset();
            }
            const origLen = batch.origLen[k]! - batch.capLen[k]! + length;
            const tsSec = batch.tsSec[k]!;
            if (tsSec < this.firstTs) this.firstTs = tsSec;
            if (tsSec > this.lastTs) this.lastTs = tsSec;
            chunk.push(bytes, start, length, origLen, tsSec, batch.tsNsec[k]!, this.queueOf(bytes, start, start + length));
          }
        }
        if (reader.error !== undefined && this.passes === 1) {
          this.problems.push({ capture, message: reader.error.message, packetsBefore: reader.packetsRead });
        }
        doneBytes += reader.position;
      } finally {
        await reader.close();
      }
    }
    this.bytesRead = doneBytes;
    if (this.preload) {
      chunk.seal();
      this.preloaded = chunk;
      yield chunk;
    } else if (chunk.count > 0) {
      chunk.seal();
      yield chunk;
      chunk.reset();
    }
  }

  private convert(batch: PacketBatch, k: number): Uint8Array | undefined {
    try {
      return toEthernet(batch.packet(k));
    } catch (e) {
      if (!(e instanceof LinkTypeError)) throw e;
      if (this.passes === 1) {
        this.linkTypeErrors++;
        this.firstLinkTypeError ??= e.message;
      }
      return undefined;
    }
  }
}
