import type { BpfMap } from '../maps/map.js';
import { BPF_F_TIMER_ABS, BPF_F_TIMER_CPU_PIN } from '../uapi/bpf.js';
import { EDEADLK, EINVAL, EPERM } from '../uapi/errno.js';
import { CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME, MAX_CLOCKS } from '../uapi/time.js';
import { RuntimeError } from '../vm/errors.js';
import type { BpfCallback, Helper, HelperCall } from '../vm/helper.js';
import type { Memory } from '../vm/memory.js';
import type { BpfHrtimer, TimerMap } from './hrtimer.js';
import { mapArg, ptrArg, type HelperState } from './state.js';

interface TimerArg {
  field: number;
  map: TimerMap;
  value: number;
}

/**
 * The struct bpf_timer R1 points to, checked as the verifier checks it at
 * load (process_timer_func for all four helpers: the map has BTF and a
 * bpf_timer at R1's offset; for bpf_timer_init, that R2 is the timer's own
 * map), in its words: xdpsim's verifier does not yet track which map a
 * pointer is into, so the check is made at the call.
 */
function timerArg(state: HelperState, call: HelperCall, r1: number, h1: number, initMap?: BpfMap): TimerArg {
  const timers = state.timers;
  const field = ptrArg(call, 1, r1, h1);
  const found = timers.holder(field);
  if (found === undefined) {
    // R1 points into a map without timers: the verifier names that map.
    const map = mapHolding(state, call.memory, field);
    const why = map === undefined ? undefined : timers.noTimer(map);
    throw new RuntimeError(call.insn, why ?? 'R1 does not point into a map value holding a struct bpf_timer');
  }
  const off = field - found.value;
  if (off !== found.timerOff) throw new RuntimeError(call.insn, `off ${off} doesn't point to 'struct bpf_timer' that is at ${found.timerOff}`);
  if (initMap !== undefined && initMap !== found.map) {
    throw new RuntimeError(call.insn, "timer pointer in R1 map_uid=0 doesn't match map pointer in R2 map_uid=0");
  }
  return { field, map: found.map, value: found.value };
}

/** The map whose memory holds `address`, by its regions' names (`map:NAME:...`, see BpfMap.regions). */
function mapHolding(state: HelperState, memory: Memory, address: number): BpfMap | undefined {
  const i = memory.find(address, 1);
  if (i < 0) return undefined;
  const region = memory.regions[i]!.name;
  for (const map of state.maps.values()) if (region.startsWith(`map:${map.spec.name}:`)) return map;
  return undefined;
}

/** A timer's callback as bpf_timer_cb runs it: in softirq on the CPU that armed the timer. */
function inSoftirq(state: HelperState, t: BpfHrtimer, callback: BpfCallback): BpfCallback {
  return (args) => {
    const cpu = state.cpu;
    state.cpu = t.cpu;
    try {
      return callback(args);
    } finally {
      state.cpu = cpu;
    }
  };
}

/**
 * bpf_timer_init(timer, map, flags): flags is the clock, CLOCK_MONOTONIC,
 * CLOCK_REALTIME (which runs on CLOCK_MONOTONIC, see BpfTimers.init) or
 * CLOCK_BOOTTIME (-EINVAL for anything else, other bits
 * included); -EBUSY when the timer is initialised already; -EPERM once user
 * space holds the map no more. The kernel's -EOPNOTSUPP comes from NMI
 * context only, where XDP never runs.
 */
export function timerInit(state: HelperState): Helper {
  return (call, r1, r2, r3, _r4, _r5, h1, h2, h3) => {
    const { field, map, value } = timerArg(state, call, r1, h1, mapArg(state, call, 2, r2, h2));
    const clock = r3 >>> 0;
    if (h3 !== 0 || clock >= MAX_CLOCKS || (clock !== CLOCK_MONOTONIC && clock !== CLOCK_REALTIME && clock !== CLOCK_BOOTTIME)) {
      return -EINVAL;
    }
    return state.timers.init(field, map, value, clock);
  };
}

/** bpf_timer_set_callback(timer, callback_fn): -EINVAL before init, -EPERM once user space holds the map no more. */
export function timerSetCallback(state: HelperState): Helper {
  return (call, r1, r2, _r3, _r4, _r5, h1, h2) => {
    const { field } = timerArg(state, call, r1, h1);
    const callback = call.callback(ptrArg(call, 2, r2, h2));
    const t = state.timers.get(field);
    if (t === undefined) return -EINVAL;
    if (!state.timers.mapsHeld) return -EPERM;
    t.callback = inSoftirq(state, t, callback);
    t.callbackInsn = call.insn;
    t.program = state.timers.program;
    return 0;
  };
}

/**
 * bpf_timer_start(timer, nsecs, flags): arms the timer `nsecs` from now on
 * its clock, or at `nsecs` with BPF_F_TIMER_ABS. Its callback runs on this
 * CPU, pinned or not (BPF_F_TIMER_CPU_PIN): the kernel may move an unpinned
 * timer to a busy CPU, which a simulation of idle CPUs never does. -EINVAL
 * for other flags, and for a timer without init or callback.
 */
export function timerStart(state: HelperState): Helper {
  return (call, r1, r2, r3, _r4, _r5, h1, h2, h3) => {
    const { field } = timerArg(state, call, r1, h1);
    const flags = r3;
    if ((flags & ~(BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN)) !== 0 || h3 !== 0) return -EINVAL;
    const t = state.timers.get(field);
    if (t === undefined || t.callback === undefined) return -EINVAL;
    state.timers.start(t, r2, h2, (flags & BPF_F_TIMER_ABS) !== 0, state.cpu);
    return 0;
  };
}

/**
 * bpf_timer_cancel(timer): 1 when the timer was armed, 0 when not, and the
 * callback is dropped either way (set it again before the next start);
 * -EINVAL before init; -EDEADLK from the timer's own callback, which would
 * wait for itself (the timer stays as it is).
 */
export function timerCancel(state: HelperState): Helper {
  return (call, r1, _r2, _r3, _r4, _r5, h1) => {
    const { field } = timerArg(state, call, r1, h1);
    const t = state.timers.get(field);
    if (t === undefined) return -EINVAL;
    if (state.timers.isRunning(t)) return -EDEADLK;
    t.callback = undefined;
    return state.timers.cancel(t);
  };
}
