import { XdpsimError } from '../errors/index.js';

/** A setting of the simulated clocks that cannot be used. */
export class ClockConfigError extends XdpsimError {
  override readonly code = 'CLOCK_CONFIG';

  constructor(message: string) {
    super(message);
    this.name = 'ClockConfigError';
  }
}

// clockid_t values (linux/time.h) that helpers name.
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_BOOTTIME = 7;
export const CLOCK_TAI = 11;

/** The clocks whose offsets from CLOCK_MONOTONIC a SimClock keeps. */
export type ClockId = typeof CLOCK_REALTIME | typeof CLOCK_MONOTONIC | typeof CLOCK_BOOTTIME | typeof CLOCK_TAI;

const NSEC_PER_MSEC = 1_000_000;

/**
 * The host's CLOCK_REALTIME minus its CLOCK_MONOTONIC (the timekeeper's
 * offs_real), read through Node's wall clock, which is precise to about a
 * microsecond.
 */
function hostRealOffset(): bigint {
  const mono = process.hrtime.bigint();
  const real = BigInt(Math.round((performance.timeOrigin + performance.now()) * NSEC_PER_MSEC));
  return real - mono;
}

/**
 * The simulated machine's clocks, kept as the kernel's timekeeper keeps them:
 * CLOCK_MONOTONIC (nanoseconds since boot) is the base, and every other clock
 * is it plus an offset. CLOCK_REALTIME adds offs_real; CLOCK_BOOTTIME adds the
 * time spent suspended, always 0 here (the simulated machine never
 * suspends); CLOCK_TAI is CLOCK_REALTIME plus the TAI-UTC offset that a time
 * daemon sets with adjtimex(ADJ_TAI), 0 until one does. Measured on a 6.18
 * host without such a daemon, TAI, REALTIME and BOOTTIME read from one
 * instant differ by the sampling delay alone: TAI = REALTIME, BOOTTIME =
 * MONOTONIC. Node cannot read the host's TAI offset, so `setTaiOffset` is how
 * a user who has one states it.
 *
 * CLOCK_MONOTONIC follows a source (the host's, or the loader's `now`) until
 * the simulation takes hold of it (`hold`, or the first advance of simulated
 * time); from then on it moves only when simulated time is advanced, so a
 * run's times are reproducible. Offsets start as the host's, so REALTIME
 * reads today's date.
 */
export class SimClock {
  private held: bigint | undefined;
  /** Where a timer callback stands, while it runs. */
  private pinned: bigint | undefined;
  /** The latest reading given, so that a callback never reads an earlier time than a run before it did. */
  private latest: bigint | undefined;
  private offsReal: bigint;
  private taiOffset = 0n;
  /** How many times an offset was set: readers that cache a clock's value compare it. */
  settings = 0;

  constructor(private readonly source: () => bigint) {
    this.offsReal = hostRealOffset();
  }

  /** CLOCK_MONOTONIC now, as a program reads it. */
  now(): bigint {
    const t = this.current();
    if (this.latest === undefined || t > this.latest) this.latest = t;
    return t;
  }

  /** CLOCK_MONOTONIC now, as the simulator looks at it without a program seeing it. */
  current(): bigint {
    return this.pinned ?? this.held ?? this.source();
  }

  /**
   * Stands the clock at `ns` (or at the latest reading, if later) while a
   * timer callback runs at its expiry, until `unpin`.
   */
  pin(ns: bigint): bigint {
    this.pinned = this.latest !== undefined && this.latest > ns ? this.latest : ns;
    return this.pinned;
  }

  unpin(): void {
    this.pinned = undefined;
  }

  /** Whether the simulation drives the clock (see the class comment). */
  get isHeld(): boolean {
    return this.held !== undefined;
  }

  /** Stops following the source: the clock stands at its current reading until moved on. */
  hold(): bigint {
    this.held ??= this.source();
    return this.held;
  }

  /**
   * Moves a held clock on to `ns` on CLOCK_MONOTONIC. Time does not go back:
   * an earlier `ns` leaves it where it is.
   */
  moveTo(ns: bigint): void {
    const at = this.hold();
    if (ns > at) this.held = ns;
  }

  /** `clock` now: CLOCK_MONOTONIC plus that clock's offset. */
  read(clock: ClockId): bigint {
    return this.now() + this.offset(clock);
  }

  /** The offset of `clock` from CLOCK_MONOTONIC. */
  offset(clock: ClockId): bigint {
    switch (clock) {
      case CLOCK_MONOTONIC:
      case CLOCK_BOOTTIME:
        return 0n;
      case CLOCK_REALTIME:
        return this.offsReal;
      case CLOCK_TAI:
        return this.offsReal + this.taiOffset;
    }
  }

  /**
   * clock_settime(CLOCK_REALTIME): REALTIME (and TAI with it) reads `ns` from
   * now on; MONOTONIC and BOOTTIME do not move, and neither do bpf_timers,
   * which run on them (see BpfTimers.init).
   */
  setRealtime(ns: bigint): void {
    this.offsReal = ns - this.current();
    this.settings++;
  }

  /** adjtimex(ADJ_TAI): TAI is REALTIME plus `seconds` (37 since 2017, when a time daemon sets it). */
  setTaiOffset(seconds: number): void {
    if (!Number.isSafeInteger(seconds)) throw new ClockConfigError(`TAI offset ${seconds} is not a whole number of seconds`);
    this.taiOffset = BigInt(seconds) * 1_000_000_000n;
    this.settings++;
  }
}
