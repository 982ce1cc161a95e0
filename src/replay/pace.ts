import { ReplayError } from './errors.js';
import type { FrameChunk } from './chunk.js';

/**
 * How fast frames arrive: as fast as they can be run (`topspeed`); as the
 * capture's timestamps spaced them, optionally `factor` times faster
 * (`original`); at a fixed rate of frames or of megabits (Ethernet frame
 * bytes, as tcpreplay counts them) per second.
 */
export type ReplaySpeed =
  | { kind: 'topspeed' }
  | { kind: 'original'; factor: number }
  | { kind: 'pps'; pps: number }
  | { kind: 'mbps'; mbps: number };

export class SpeedError extends ReplayError {}

/** Checks a speed's numbers: each a finite number above zero. */
export function checkSpeed(speed: ReplaySpeed): ReplaySpeed {
  const value = speed.kind === 'original' ? speed.factor : speed.kind === 'pps' ? speed.pps : speed.kind === 'mbps' ? speed.mbps : 1;
  if (!Number.isFinite(value) || value <= 0) throw new SpeedError(`a replay speed must be a number above 0, not ${value}`);
  return speed;
}

/**
 * When each frame is due, in nanoseconds of the host's monotonic clock after
 * the replay began: the pacer tells the replay how many of a chunk's frames
 * may run now, and how long to wait for the next.
 */
export class Pacer {
  /** Due time of the next frame, relative to the start, and the timestamp of the first frame of all (for `original`). */
  private firstTs: number | undefined;
  private sentBits = 0;
  private sentFrames = 0;
  private readonly startNs: number;

  constructor(readonly speed: ReplaySpeed) {
    this.startNs = nowNs();
  }

  get paced(): boolean {
    return this.speed.kind !== 'topspeed';
  }

  /** Nanoseconds from the start at which chunk frame `i` is due; frames must be asked of in order. */
  private due(chunk: FrameChunk, i: number, loopShiftSec: number): number {
    switch (this.speed.kind) {
      case 'topspeed':
        return 0;
      case 'original': {
        const ts = (chunk.tsSec[i]! + loopShiftSec) * 1e9 + chunk.tsNsec[i]!;
        this.firstTs ??= ts;
        return (ts - this.firstTs) / this.speed.factor;
      }
      case 'pps':
        return (this.sentFrames * 1e9) / this.speed.pps;
      case 'mbps':
        return (this.sentBits * 1e3) / this.speed.mbps;
    }
  }

  /**
   * How far into the chunk frames may run now: the index of the first frame
   * from `from` on that is not due yet (`chunk.count` when all are), and
   * the milliseconds until it is.
   */
  until(chunk: FrameChunk, from: number, loopShiftSec: number): { until: number; waitMs: number } {
    const n = chunk.count;
    if (!this.paced) return { until: n, waitMs: 0 };
    const elapsed = nowNs() - this.startNs;
    for (let i = from; i < n; i++) {
      const due = this.due(chunk, i, loopShiftSec);
      if (due > elapsed) return { until: i, waitMs: Math.max(1, Math.ceil((due - elapsed) / 1e6)) };
      this.sentFrames++;
      this.sentBits += chunk.capLen[i]! * 8;
    }
    return { until: n, waitMs: 0 };
  }
}

function nowNs(): number {
  return Number(process.hrtime.bigint());
}
