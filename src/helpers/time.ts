import { setR0Big, type Helper } from '../vm/helper.js';
import { CLOCK_TAI, type SimClock } from './clock.js';

/** The kernel's ktime helpers read CLOCK_MONOTONIC; so does process.hrtime. */
export const monotonicNs = (): bigint => process.hrtime.bigint();

/**
 * bpf_ktime_get_ns (and the boot and coarse variants, which differ in the
 * kernel only across suspend and in resolution): nanoseconds from `now`.
 */
export function ktimeGetNs(now: () => bigint = monotonicNs): Helper {
  return (call) => setR0Big(call.regs, now());
}

/** CONFIG_HZ: a kernel build choice; 1000 keeps jiffies in milliseconds. */
export const HZ = 1000;

/** Nanoseconds in a jiffy, one tick of the HZ clock. */
export const NSEC_PER_JIFFY = BigInt(1_000_000_000 / HZ);

/** The jiffies counter at `ns` on the runtime's clock: what bpf_jiffies64 returns and SYN cookies count minutes with. */
export const jiffiesAt = (ns: bigint): bigint => ns / NSEC_PER_JIFFY;

/** bpf_jiffies64. */
export function jiffies64(now: () => bigint = monotonicNs): Helper {
  return (call) => setR0Big(call.regs, jiffiesAt(now()));
}

/**
 * bpf_ktime_get_tai_ns: CLOCK_TAI, which the kernel reads as CLOCK_MONOTONIC
 * plus offs_tai; the simulated clock keeps that offset (see SimClock).
 */
export function ktimeGetTaiNs(clock: SimClock): Helper {
  return (call) => setR0Big(call.regs, clock.read(CLOCK_TAI));
}
