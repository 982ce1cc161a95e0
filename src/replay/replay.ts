import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { FrameChunk } from './chunk.js';
import type { CaptureFeed, CaptureProblem } from './feed.js';
import { Pacer, type ReplaySpeed } from './pace.js';

/**
 * What runs a chunk's frames: one thread's ChunkRunner, or a pool of
 * workers each running the queues it owns. `run` returns once every frame
 * below `until` has run and been acted on.
 */
export interface FrameRunner {
  begin(chunk: FrameChunk, shiftSec: number): void | Promise<void>;
  run(until: number): unknown;
  /**
   * Runs every frame of `chunk` `times` over, the clock `shiftSec` on and
   * `stepSec` more each time: a small preloaded capture's loops, without a
   * turn of the event loop (or a round trip to workers) per loop.
   */
  repeat(chunk: FrameChunk, shiftSec: number, stepSec: number, times: number): unknown;
}

export interface ReplayProgress {
  /** Frames received so far (run, or refused by the driver), over every loop. */
  packets: number;
  /** The loop under way, from 0. */
  loop: number;
  loops: number;
  /** Of the whole replay, 0 to 1; NaN while a streamed pipe's length is unknown. */
  fraction: number;
  elapsedMs: number;
}

export interface ReplayResult {
  /** Frames received: every frame of every loop that became an Ethernet frame. */
  packets: number;
  loopsDone: number;
  cancelled: boolean;
  /** Wall time from the first frame to the last, in nanoseconds; and the process's CPU time in that span. */
  wallNs: number;
  cpuNs: number;
  /** Captures that ended in damage, each once. */
  problems: readonly CaptureProblem[];
  /** Packets that could not be made Ethernet frames (each counted once, not per loop), and the first reason. */
  linkTypeErrors: number;
  firstLinkTypeError: string | undefined;
  preloaded: boolean;
}

export interface ReplayOptions {
  loops?: number;
  speed?: ReplaySpeed;
  /** Called about every `progressMs` (default 200) while the replay runs, and once at its end. */
  progress?: (p: ReplayProgress) => void;
  progressMs?: number;
  /** Told of each chunk before it runs (an output writer takes its timestamps from it). */
  onChunk?: (chunk: FrameChunk) => void;
  /** Frames run between two looks at the event loop; default SLICE. Worker pools take larger slices, each costing a round trip. */
  slice?: number;
}

/** Frames run between two looks at the event loop (cancel, progress, a server's requests). */
const SLICE = 8192;

/**
 * One replay of captures through a device's RX queues: chunks from the feed
 * run by the runner, paced, `loops` times over. Started once; `progress()`
 * and `cancel()` may be called while it runs (the event loop is given a
 * turn every SLICE frames), and a cancelled replay ends after the slice
 * under way, with everything before it counted and written.
 */
export class Replay {
  private readonly loops: number;
  private readonly pacer: Pacer;
  private packets = 0;
  private loop = 0;
  /** How far the loop under way has run its preloaded chunk, 0 to 1. */
  private chunkFraction = 0;
  private cancelled = false;
  private started = false;
  private startNs = 0;
  private lastProgress = 0;

  constructor(
    private readonly feed: CaptureFeed,
    private readonly runner: FrameRunner,
    private readonly options: ReplayOptions = {},
  ) {
    this.loops = options.loops ?? 1;
    this.pacer = new Pacer(options.speed ?? { kind: 'topspeed' });
  }

  cancel(): void {
    this.cancelled = true;
  }

  progress(): ReplayProgress {
    const feed = this.feed;
    // Past the last loop, `loop` has run on to `loops`: the replay is done.
    const done = this.loop >= this.loops;
    const within = feed.totalBytes === Infinity ? NaN : feed.totalBytes === 0 ? 1 : Math.min(1, feed.bytesRead / feed.totalBytes);
    const perLoop = feed.preloading ? this.chunkFraction : within;
    return {
      packets: this.packets,
      loop: Math.min(this.loop, this.loops - 1),
      loops: this.loops,
      fraction: done ? 1 : (this.loop + perLoop) / this.loops,
      elapsedMs: this.started ? (now() - this.startNs) / 1e6 : 0,
    };
  }

  async start(): Promise<ReplayResult> {
    if (this.started) throw new Error('a replay starts once');
    this.started = true;
    this.startNs = now();
    const cpu0 = process.cpuUsage();
    let shift = 0;
    const slice = this.options.slice ?? SLICE;
    for (this.loop = 0; this.loop < this.loops && !this.cancelled; this.loop++) {
      this.chunkFraction = 0;
      const kept = this.feed.kept;
      if (kept !== undefined && !this.pacer.paced && kept.count < slice / 2 && this.loop + 1 < this.loops) {
        // Many loops of a small capture at once: a slice's worth.
        const step = this.loopStep();
        const times = Math.min(Math.floor(slice / Math.max(1, kept.count)), this.loops - this.loop);
        this.options.onChunk?.(kept);
        await this.runner.repeat(kept, shift, step, times);
        this.packets += kept.count * times;
        shift += step * times;
        this.loop += times - 1;
        this.chunkFraction = 1;
        this.report();
        await yieldToLoop();
        continue;
      }
      for await (const chunk of this.feed.pass()) {
        await this.runChunk(chunk, shift);
        if (this.cancelled) break;
      }
      if (this.cancelled) break;
      shift += this.loopStep();
    }
    const wallNs = now() - this.startNs;
    const cpu = process.cpuUsage(cpu0);
    this.options.progress?.(this.progress());
    return {
      packets: this.packets,
      loopsDone: this.cancelled ? this.loop : this.loops,
      cancelled: this.cancelled,
      wallNs,
      cpuNs: (cpu.user + cpu.system) * 1000,
      problems: this.feed.problems,
      linkTypeErrors: this.feed.linkTypeErrors,
      firstLinkTypeError: this.feed.firstLinkTypeError,
      preloaded: this.feed.preloading,
    };
  }

  /**
   * Seconds a loop moves the clock on: a whole number, so timestamps keep
   * their nanoseconds, at least one more than the loop's span in whole
   * seconds, so the next loop starts after this one's last frame.
   */
  private loopStep(): number {
    return this.feed.lastTs >= this.feed.firstTs ? Math.ceil(this.feed.lastTs - this.feed.firstTs) + 1 : 0;
  }

  private async runChunk(chunk: FrameChunk, shift: number): Promise<void> {
    this.options.onChunk?.(chunk);
    await this.runner.begin(chunk, shift);
    const count = chunk.count;
    for (let from = 0; from < count && !this.cancelled; ) {
      const { until, waitMs } = this.pacer.until(chunk, from, shift);
      const to = Math.min(until, from + (this.options.slice ?? SLICE));
      if (to > from) {
        await this.runner.run(to);
        this.packets += to - from;
        from = to;
        this.chunkFraction = from / count;
      }
      this.report();
      if (to === until && waitMs > 0) await sleep(Math.min(waitMs, this.options.progressMs ?? 200));
      else await yieldToLoop();
    }
  }

  private report(): void {
    if (this.options.progress === undefined) return;
    const t = now();
    if (t - this.lastProgress < (this.options.progressMs ?? 200) * 1e6) return;
    this.lastProgress = t;
    this.options.progress(this.progress());
  }
}

function now(): number {
  return Number(process.hrtime.bigint());
}
