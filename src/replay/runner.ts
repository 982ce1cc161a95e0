import type { RxPath } from '../nic/rx.js';
import { RuntimeError } from '../vm/errors.js';
import type { FrameChunk } from './chunk.js';
import type { FrameRunner } from './replay.js';

/** What a runner tells about frames it could not run for reasons outside the datapath. */
export interface RunnerEvents {
  /** A bpf_timer callback faulted as simulated time advanced to a frame. */
  timerFault?(message: string): void;
}

/**
 * Runs the frames of chunks on the RX queues one thread owns, as that
 * thread's NAPI would poll them: round after round, each queue that has
 * frames gets one poll of up to its budget, in arrival order within the
 * queue, until every frame before `until` has run. Before each poll,
 * simulated time advances to its first frame's timestamp (moved by `shift`
 * seconds, so that a looped capture's time goes on instead of starting over).
 */
export class ChunkRunner implements FrameRunner {
  /** Per queue: where its next frame is in the chunk's order. */
  private readonly cursor: Int32Array;
  private readonly owned: number[];
  private chunk: FrameChunk | undefined;
  /** Seconds added to every timestamp for the clock (not for outputs). */
  private shift = 0;

  /** `paths[q]` polls RX queue q, for the queues this thread owns (others undefined). */
  constructor(
    private readonly paths: ReadonlyArray<RxPath | undefined>,
    private readonly advance: ((tsSec: number, tsNsec: number) => void) | undefined,
    private readonly events: RunnerEvents = {},
  ) {
    this.cursor = new Int32Array(paths.length);
    this.owned = paths.flatMap((p, q) => (p === undefined ? [] : [q]));
  }

  /** Starts on a sealed chunk: its frames run from the first, their clock `shiftSec` seconds on. */
  begin(chunk: FrameChunk, shiftSec = 0): void {
    this.chunk = chunk;
    this.shift = shiftSec;
    for (const q of this.owned) this.cursor[q] = chunk.queueStart[q]!;
  }

  /** Runs the owned queues' frames with an index below `until`; returns how many ran. */
  run(until: number): number {
    const chunk = this.chunk;
    if (chunk === undefined) throw new Error('ChunkRunner.run before begin');
    const order = chunk.order;
    let ran = 0;
    for (let progress = true; progress; ) {
      progress = false;
      for (const q of this.owned) {
        const path = this.paths[q]!;
        const first = this.cursor[q]!;
        const end = Math.min(chunk.queueStart[q + 1]!, first + path.budget);
        let n = 0;
        while (first + n < end && order[first + n]! < until) n++;
        if (n === 0) continue;
        this.tick(chunk, order[first]!);
        path.poll(chunk, order.subarray(first, first + n), n);
        this.cursor[q] = first + n;
        ran += n;
        progress = true;
      }
    }
    return ran;
  }

  repeat(chunk: FrameChunk, shiftSec: number, stepSec: number, times: number): number {
    let ran = 0;
    for (let i = 0; i < times; i++) {
      this.begin(chunk, shiftSec + i * stepSec);
      ran += this.run(chunk.count);
    }
    return ran;
  }

  private tick(chunk: FrameChunk, frame: number): void {
    if (this.advance === undefined) return;
    try {
      this.advance(chunk.tsSec[frame]! + this.shift, chunk.tsNsec[frame]!);
    } catch (e) {
      if (!(e instanceof RuntimeError)) throw e;
      this.events.timerFault?.(e.message);
    }
  }
}
