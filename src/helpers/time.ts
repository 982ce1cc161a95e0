import type { Helper } from '../vm/helper.js';
import { CLOCK_TAI, type SimClock } from './clock.js';

/** The kernel's ktime helpers read CLOCK_MONOTONIC; so does process.hrtime. */
export const monotonicNs = (): bigint => process.hrtime.bigint();

/**
 * bpf_ktime_get_ns (and the boot and coarse variants, which differ in the
 * kernel only across suspend and in resolution): nanoseconds from `now`.
 */
export function ktimeGetNs(now: () => bigint = monotonicNs): Helper {
  return clockReading(now, (ns) => ns);
}

/**
 * A helper that returns `derive(now())` as a u64. The split of the result
 * into R0's halves is kept for as long as the clock stands still and its
 * `settings` (a count of offset changes) stay (a held clock moves between
 * packets, not within a run), so reading it again allocates nothing.
 */
function clockReading(now: () => bigint, derive: (ns: bigint) => bigint, settings: () => number = () => 0): Helper {
  let at: bigint | undefined;
  let settingsAt = 0;
  let lo = 0;
  let hi = 0;
  return (call) => {
    const ns = now();
    if (ns !== at || settings() !== settingsAt) {
      at = ns;
      settingsAt = settings();
      const value = derive(ns);
      lo = Number(BigInt.asIntN(32, value));
      hi = Number(BigInt.asIntN(32, value >> 32n));
    }
    call.regs[0] = lo;
    call.regs[1] = hi;
  };
}

/** CONFIG_HZ: a kernel build choice; 1000 keeps jiffies in milliseconds. */
export const HZ = 1000;

/** Nanoseconds in a jiffy, one tick of the HZ clock. */
export const NSEC_PER_JIFFY = BigInt(1_000_000_000 / HZ);

/**
 * INITIAL_JIFFIES (linux/jiffies.h): jiffies_64 starts 300 s short of the
 * 32-bit counter's wrap, so wrap bugs show within minutes of boot. It is
 * (unsigned long)(unsigned int)(-300 * HZ): below 2^32 in the 64-bit counter.
 */
export const INITIAL_JIFFIES = (1n << 32n) - 300n * BigInt(HZ);

/**
 * The jiffies counter at `ns` on the runtime's CLOCK_MONOTONIC, which starts
 * at boot as jiffies_64 does at INITIAL_JIFFIES: what bpf_jiffies64 returns
 * and SYN cookies count minutes with.
 */
export const jiffiesAt = (ns: bigint): bigint => INITIAL_JIFFIES + ns / NSEC_PER_JIFFY;

/** bpf_jiffies64. */
export function jiffies64(now: () => bigint = monotonicNs): Helper {
  return clockReading(now, jiffiesAt);
}

/**
 * bpf_ktime_get_tai_ns: CLOCK_TAI, which the kernel reads as CLOCK_MONOTONIC
 * plus offs_tai; the simulated clock keeps that offset (see SimClock).
 */
export function ktimeGetTaiNs(clock: SimClock): Helper {
  return clockReading(
    () => clock.now(),
    (ns) => ns + clock.offset(CLOCK_TAI),
    () => clock.settings,
  );
}
