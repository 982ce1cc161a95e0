import { ktime, ktimeSet } from '../helpers/clock.js';
import type { LoadedObject } from '../loader/load.js';
import { CLOCK_REALTIME } from '../uapi/time.js';
import { sub64 } from '../vm/int64.js';

/**
 * Simulated time that follows a capture, whose timestamps are the capturing
 * machine's CLOCK_REALTIME: the first packet's sets CLOCK_REALTIME (and TAI
 * with it; CLOCK_MONOTONIC keeps the host's reading of that moment), and
 * before a packet runs simulated time advances to its timestamp, firing the
 * bpf_timers due by then. A packet stamped before the one ahead of it runs at
 * the later time: clocks do not go back. Packets that share a timestamp
 * share one advance. A timer callback's fault comes out of the call (a
 * RuntimeError) and leaves the clock short of that time, so the next call
 * advances again.
 */
export function followCapture(obj: LoadedObject): (tsSec: number, tsNsec: number) => void {
  let started = false;
  let lastSec = -1;
  let lastNsec = -1;
  const at = ktime();
  return (tsSec, tsNsec) => {
    if (tsSec === lastSec && tsNsec === lastNsec && obj.pendingTimers === 0) return;
    lastSec = lastNsec = -1;
    const realtime = ktimeSet(at, tsSec, tsNsec);
    if (!started) {
      obj.clock.hold();
      obj.clock.setRealtime(realtime);
      started = true;
    }
    const offset = obj.clock.offset(CLOCK_REALTIME);
    sub64(at, 0, realtime[0]!, realtime[1]!, offset[0]!, offset[1]!);
    obj.advanceTo(at);
    lastSec = tsSec;
    lastNsec = tsNsec;
  };
}
