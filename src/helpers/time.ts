import { setR0Big, type Helper } from '../vm/helper.js';

/** The kernel's ktime helpers read CLOCK_MONOTONIC; so does process.hrtime. */
export const monotonicNs = (): bigint => process.hrtime.bigint();

/**
 * bpf_ktime_get_ns (and the boot and coarse variants, which differ in the
 * kernel only across suspend and in resolution): nanoseconds from `now`.
 */
export function ktimeGetNs(now: () => bigint = monotonicNs): Helper {
  return (call) => setR0Big(call.regs, now());
}

/** bpf_jiffies64 at HZ=1000 (CONFIG_HZ is a kernel build choice; 1000 keeps milliseconds). */
export function jiffies64(now: () => bigint = monotonicNs): Helper {
  return (call) => setR0Big(call.regs, now() / 1_000_000n);
}
