import type { BpfMap } from '../maps/map.js';
import type { Ktime, SimClock } from './clock.js';
import type { BpfTimers } from './hrtimer.js';
import type { CurrentTask } from './current-task.js';
import type { FibTable } from './fib-table.js';
import type { LoadedSockets } from './loaded-sockets.js';
import type { SyncookieSecret } from './syncookie.js';
import { RuntimeError } from '../vm/errors.js';
import type { HelperCall } from '../vm/helper.js';
import type { Memory } from '../vm/memory.js';
import type { XdpBuff } from '../xdp/buff.js';

/** Where bpf_redirect / bpf_redirect_map pointed the packet, resolved after the program returns. */
export interface RedirectTarget {
  /** Target ifindex for bpf_redirect; for a map, the key looked up. */
  ifindex: number;
  /** bpf_redirect_map's device, CPU or socket map. */
  map?: BpfMap;
  key?: number;
  /** bpf_redirect_map: BPF_F_BROADCAST (with BPF_F_EXCLUDE_INGRESS) when broadcasting, else 0, as the kernel keeps them. */
  flags: number;
}

/**
 * The redirect a run has recorded so far, as the kernel keeps it in its
 * per-CPU bpf_redirect_info: fields overwritten in place, so recording one
 * allocates nothing.
 */
export class RedirectInfo {
  /** Whether a helper recorded a target in this run. */
  set = false;
  /** Target ifindex for bpf_redirect; for a map, the key looked up. */
  ifindex = 0;
  map: BpfMap | undefined = undefined;
  key = 0;
  /** BPF_F_BROADCAST (with BPF_F_EXCLUDE_INGRESS) when broadcasting, else 0. */
  flags = 0;

  clear(): void {
    this.set = false;
    this.map = undefined;
    this.ifindex = this.key = this.flags = 0;
  }

  /** The target as an object (for test-run results), or undefined when none is recorded. */
  target(): RedirectTarget | undefined {
    if (!this.set) return undefined;
    return this.map ? { ifindex: this.ifindex, map: this.map, key: this.key, flags: this.flags } : { ifindex: this.ifindex, flags: this.flags };
  }
}

/**
 * What an offloading NIC's JIT (nfp's) makes of the packet helpers, for a
 * context that stands for the NIC running an offloaded program: where the
 * firmware lets bpf_xdp_adjust_head move the start of the frame, as offsets
 * of data from data_hard_start (its off_min and off_max, moved into this
 * frame's layout). bpf_xdp_adjust_tail only shrinks there.
 */
export interface OffloadLimits {
  readonly headMin: number;
  readonly headMax: number;
}

/**
 * MTU of the device a run is on when none is given: lo's (65536), the device
 * BPF_PROG_TEST_RUN runs a program on (ingress_ifindex 1).
 */
export const DEFAULT_MTU = 65536;

/**
 * The state the helpers act on, as one execution context sees it: the
 * object's maps (by index, see mapArg), clocks, timers and host tables, and
 * the context's own packet buffer, CPU and recorded redirect. Each execution
 * context has its own HelperState and its own helper closures over it, made once
 * when the context is; the interpreter and the JIT call the same functions.
 */
export interface HelperState {
  /** The object's maps, in object order: a map's index is written into its descriptor (bindMapIndexes). */
  readonly maps: readonly BpfMap[];
  readonly buff: XdpBuff;
  /** The CPU the context runs as: per-CPU map slots and bpf_get_smp_processor_id. */
  cpu: number;
  readonly redirect: RedirectInfo;
  /**
   * Receives each bpf_trace_printk message (what trace_pipe shows after
   * `bpf_trace_printk: `), the CPU it ran on and the time (see formatTraceLine).
   */
  trace: (message: string, cpu: number, ns: Readonly<Ktime>) => void;
  /** CLOCK_MONOTONIC in ns: the simulated clock's reading (`clock.ktimeGet()`). */
  now: () => Readonly<Ktime>;
  /** The simulated clocks; bpf_ktime_get_tai_ns and bpf_timer_* read the ones besides CLOCK_MONOTONIC. */
  clock: SimClock;
  /** The bpf_timers in the object's maps, and the queue that fires them as simulated time passes. */
  timers: BpfTimers;
  /** ingress_ifindex of the current run: the device the program runs on. */
  ifindex: number;
  /**
   * L3 MTU of the device the program runs on, what bpf_check_mtu checks
   * against for ifindex 0 or that device's own ifindex; DEFAULT_MTU when unset.
   */
  mtu?: number;
  /** Devices, routes and neighbours for bpf_fib_lookup and bpf_check_mtu on another device; none when unset. */
  fib?: FibTable;
  /** The sockets bpf_sk_lookup_* search, laid out in this object's memory; without them every lookup finds nothing. */
  sockets?: LoadedSockets;
  /** The SYN cookie keys, drawn at random the first time a cookie is made unless given (LoadOptions.syncookieSecret). */
  syncookieSecret?: SyncookieSecret;
  /** The task the program interrupts (see current-task.ts); when unset, the idle task of `cpu`. */
  current?: CurrentTask;
  /** Set when the context runs an offloaded program on the NIC: the adjust helpers then follow the NIC's JIT. */
  offload?: OffloadLimits;
}

/** Argument `n` (its halves `lo`, `hi`) as an address: a fault when its high half is set. */
export function ptrArg(call: HelperCall, n: number, lo: number, hi: number): number {
  if (hi !== 0) throw new RuntimeError(call.insn, `R${n} is not a valid pointer`);
  return lo;
}

/**
 * Word of a map's 64-byte descriptor region (what `lddw r1, map` points at)
 * that holds the map's index + 1, so a helper finds the map from the pointer
 * with one read, and a forged pointer finds no map.
 */
const MAP_INDEX_WORD = 15;

/** Writes each map's index into its descriptor, for mapArg; the same in every thread that binds the maps. */
export function bindMapIndexes(maps: readonly BpfMap[], memory: Memory): void {
  maps.forEach((map, i) => {
    memory.i32[(map.address >>> 2) + MAP_INDEX_WORD] = i + 1;
  });
}

export function mapArg(state: HelperState, call: HelperCall, n: number, lo: number, hi: number): BpfMap {
  const at = ptrArg(call, n, lo, hi);
  const map = (at & 63) === 0 ? state.maps[(call.memory.i32[(at >>> 2) + MAP_INDEX_WORD] ?? 0) - 1] : undefined;
  if (map === undefined || map.address !== at) throw new RuntimeError(call.insn, `R${n} is not a map pointer`);
  return map;
}
