import type { Helper } from '../vm/helper.js';
import { sdivmod64, toSafeInteger } from '../vm/int64.js';
import { CLOCK_TAI } from '../uapi/time.js';
import { hostMonotonic, ktime, toKtime, type Ktime, type Nanoseconds, type SimClock } from './clock.js';

const host = ktime();
/** The kernel's ktime helpers read CLOCK_MONOTONIC; so does process.hrtime. */
const hostNow = (): Ktime => hostMonotonic(host);

/**
 * bpf_ktime_get_ns (and the boot and coarse variants, which differ in the
 * kernel only across suspend and in resolution): nanoseconds from `now`.
 */
export function ktimeGetNs(now: () => Readonly<Ktime> = hostNow): Helper {
  return (call) => {
    const t = now();
    return call.setR0Pair(t[0]!, t[1]!);
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

// As numbers: the jiffies of any ktime are below 2^44 in magnitude, exact in a double.
const nsecPerJiffy = Number(NSEC_PER_JIFFY);
const initialJiffies = Number(INITIAL_JIFFIES);
const quotient = new Int32Array(2);

/**
 * The jiffies counter at `ns` on the simulated CLOCK_MONOTONIC, which starts
 * at boot as jiffies_64 does at INITIAL_JIFFIES: what bpf_jiffies64 returns
 * and SYN cookies count minutes with. A number for a Ktime, a bigint for a bigint.
 */
export function jiffiesAt(ns: Readonly<Ktime>): number;
export function jiffiesAt(ns: bigint): bigint;
export function jiffiesAt(ns: Nanoseconds): number | bigint {
  const t = toKtime(ns);
  sdivmod64(quotient, 0, t[0]!, t[1]!, nsecPerJiffy, 0, false);
  const jiffies = initialJiffies + toSafeInteger(quotient[0]!, quotient[1]!);
  return typeof ns === 'bigint' ? BigInt(jiffies) : jiffies;
}

/** bpf_jiffies64. */
export function jiffies64(now: () => Readonly<Ktime> = hostNow): Helper {
  return () => jiffiesAt(now());
}

/**
 * bpf_ktime_get_tai_ns: CLOCK_TAI, which the kernel reads as CLOCK_MONOTONIC
 * plus offs_tai; the simulated clock keeps that offset (see SimClock).
 */
export function ktimeGetTaiNs(clock: SimClock): Helper {
  return ktimeGetNs(() => clock.ktimeGet(CLOCK_TAI));
}
