import { XdpsimError } from '../errors/index.js';
import { CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_TAI } from '../uapi/time.js';
import { add64, fromSafeInteger, mul64, slt64, storeBig, sub64, toBigInt64 } from '../vm/int64.js';

/** A setting of the simulated clocks that cannot be used. */
export class ClockConfigError extends XdpsimError {
  override readonly code = 'CLOCK_CONFIG';

  constructor(message: string) {
    super(message);
    this.name = 'ClockConfigError';
  }
}

/** The clocks whose offsets from CLOCK_MONOTONIC a SimClock keeps. */
export type ClockId = typeof CLOCK_REALTIME | typeof CLOCK_MONOTONIC | typeof CLOCK_BOOTTIME | typeof CLOCK_TAI;

/**
 * A ktime_t: nanoseconds as a signed 64-bit value, in the two int32 halves a
 * register pair holds (index 0 the low half, 1 the high half). Numbers will
 * not do: CLOCK_REALTIME reads about 1.7e18, past 2^53; and BigInt costs an
 * allocation per reading on a packet's path.
 */
export type Ktime = Int32Array;

export const ktime = (lo = 0, hi = 0): Ktime => Int32Array.of(lo, hi);

/**
 * KTIME_MAX (2^63 - 1), which ktime_set(KTIME_SEC_MAX, 0) returns and where
 * ktime_add_safe clamps a relative expiry that overflows: an expiry the
 * clock never reaches, so such a timer never fires.
 */
export const KTIME_MAX: Readonly<Ktime> = ktime(-1, 0x7fffffff);

/** a < b. */
export const ktimeBefore = (a: Readonly<Ktime>, b: Readonly<Ktime>): boolean => slt64(a[0]!, a[1]!, b[0]!, b[1]!);

/** ktime_set: `out` = `secs` s + `nsecs` ns, for a safe integer `secs` and `nsecs` below 2^32. */
export function ktimeSet(out: Ktime, secs: number, nsecs: number): Ktime {
  fromSafeInteger(out, 0, secs);
  mul64(out, 0, out[0]!, out[1]!, 1_000_000_000, 0);
  add64(out, 0, out[0]!, out[1]!, nsecs, 0);
  return out;
}

/** A time as user space states one, in nanoseconds (a bigint), or as the simulation keeps one. */
export type Nanoseconds = bigint | Readonly<Ktime>;

/** `ns` as a Ktime (a bigint taken modulo 2^64, as a u64 is read as an s64). */
export function toKtime(ns: Nanoseconds): Readonly<Ktime> {
  if (typeof ns !== 'bigint') return ns;
  const t = ktime();
  storeBig(t, 0, ns);
  return t;
}

const NSEC_PER_MSEC = 1_000_000;

/** The host's CLOCK_MONOTONIC (process.hrtime reads it) into `out`. */
export function hostMonotonic(out: Ktime): Ktime {
  const [secs, nsecs] = process.hrtime();
  return ktimeSet(out, secs, nsecs);
}

/**
 * The host's CLOCK_REALTIME minus its CLOCK_MONOTONIC (the timekeeper's
 * offs_real), read through Node's wall clock, which is precise to about a
 * microsecond.
 */
function hostRealOffset(): Ktime {
  const mono = hostMonotonic(ktime());
  const offset = ktime();
  fromSafeInteger(offset, 0, Math.round((performance.timeOrigin + performance.now()) * NSEC_PER_MSEC));
  sub64(offset, 0, offset[0]!, offset[1]!, mono[0]!, mono[1]!);
  return offset;
}

const ZERO: Readonly<Ktime> = ktime();

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
 *
 * The simulation reads and moves the clocks in Ktimes (`ktimeGet`, `current`,
 * `moveTo`, `pin`); a Ktime a method returns is the clock's own, good until
 * the clock is next read or moved. User space reads and sets them in bigints
 * (`now`, `read`, `setRealtime`).
 */
export class SimClock {
  private readonly source: (out: Ktime) => void;
  private isHeldNow = false;
  private readonly held = ktime();
  /** Where a timer callback stands, while it runs. */
  private isPinned = false;
  private readonly pinned = ktime();
  /** The latest reading given, so that a callback never reads an earlier time than a run before it did. */
  private hasLatest = false;
  private readonly latest = ktime();
  private readonly offsReal: Ktime;
  private readonly taiOffset = ktime();
  /** offs_real + the TAI offset, as the timekeeper keeps offs_tai. */
  private readonly offsTai = ktime();
  private readonly reading = ktime();

  /** `source`: CLOCK_MONOTONIC in nanoseconds until the simulation holds the clock; the host's by default. */
  constructor(source?: () => bigint) {
    this.source = source === undefined ? hostMonotonic : (out) => storeBig(out, 0, source());
    this.offsReal = hostRealOffset();
    this.offsTai.set(this.offsReal);
  }

  /** `clock` now, as a program reads it. */
  ktimeGet(clock: ClockId = CLOCK_MONOTONIC): Readonly<Ktime> {
    const t = this.current();
    if (!this.hasLatest || ktimeBefore(this.latest, t)) {
      this.latest.set(t);
      this.hasLatest = true;
    }
    const offset = this.offset(clock);
    add64(this.reading, 0, t[0]!, t[1]!, offset[0]!, offset[1]!);
    return this.reading;
  }

  /** CLOCK_MONOTONIC now, as the simulator looks at it without a program seeing it. */
  current(): Readonly<Ktime> {
    if (this.isPinned) this.reading.set(this.pinned);
    else if (this.isHeldNow) this.reading.set(this.held);
    else this.source(this.reading);
    return this.reading;
  }

  /**
   * Stands the clock at `ns` (or at the latest reading, if later) while a
   * timer callback runs at its expiry, until `unpin`.
   */
  pin(ns: Readonly<Ktime>): Readonly<Ktime> {
    this.pinned.set(this.hasLatest && ktimeBefore(ns, this.latest) ? this.latest : ns);
    this.isPinned = true;
    return this.pinned;
  }

  unpin(): void {
    this.isPinned = false;
  }

  /** Whether the simulation drives the clock (see the class comment). */
  get isHeld(): boolean {
    return this.isHeldNow;
  }

  /** Stops following the source: the clock stands at its current reading until moved on. */
  hold(): void {
    if (this.isHeldNow) return;
    this.source(this.held);
    this.isHeldNow = true;
  }

  /**
   * Moves a held clock on to `ns` on CLOCK_MONOTONIC. Time does not go back:
   * an earlier `ns` leaves it where it is.
   */
  moveTo(ns: Readonly<Ktime>): void {
    this.hold();
    if (ktimeBefore(this.held, ns)) this.held.set(ns);
  }

  /** The offset of `clock` from CLOCK_MONOTONIC. */
  offset(clock: ClockId): Readonly<Ktime> {
    switch (clock) {
      case CLOCK_MONOTONIC:
      case CLOCK_BOOTTIME:
        return ZERO;
      case CLOCK_REALTIME:
        return this.offsReal;
      case CLOCK_TAI:
        return this.offsTai;
    }
  }

  /** CLOCK_MONOTONIC now, as user space reads it. */
  now(): bigint {
    return this.read(CLOCK_MONOTONIC);
  }

  /** `clock` now, as user space reads it. */
  read(clock: ClockId): bigint {
    const t = this.ktimeGet(clock);
    return toBigInt64(t[0]!, t[1]!);
  }

  /**
   * clock_settime(CLOCK_REALTIME): REALTIME (and TAI with it) reads `ns` from
   * now on; MONOTONIC and BOOTTIME do not move, and neither do bpf_timers,
   * which run on them (see BpfTimers.init).
   */
  setRealtime(ns: Nanoseconds): void {
    const real = toKtime(ns);
    const mono = this.current();
    sub64(this.offsReal, 0, real[0]!, real[1]!, mono[0]!, mono[1]!);
    add64(this.offsTai, 0, this.offsReal[0]!, this.offsReal[1]!, this.taiOffset[0]!, this.taiOffset[1]!);
  }

  /** adjtimex(ADJ_TAI): TAI is REALTIME plus `seconds` (37 since 2017, when a time daemon sets it). */
  setTaiOffset(seconds: number): void {
    if (!Number.isSafeInteger(seconds)) throw new ClockConfigError(`TAI offset ${seconds} is not a whole number of seconds`);
    ktimeSet(this.taiOffset, seconds, 0);
    add64(this.offsTai, 0, this.offsReal[0]!, this.offsReal[1]!, this.taiOffset[0]!, this.taiOffset[1]!);
  }
}
