import { setR0Big, type Helper } from '../helper.js';

/**
 * bpf_ktime_get_ns: nanoseconds of a monotonic clock. The kernel uses
 * CLOCK_MONOTONIC, which process.hrtime also reads, so values are comparable
 * with the host's and strictly positive.
 */
export const bpf_ktime_get_ns: Helper = (call) => {
  setR0Big(call.regs, process.hrtime.bigint());
};
