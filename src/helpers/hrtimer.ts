import type { BpfMap } from '../maps/map.js';
import { isTimerHolder, type TimerHolder } from '../maps/record.js';
import { EBUSY, EPERM } from '../maps/types.js';
import { RuntimeError } from '../vm/errors.js';
import type { BpfCallback } from '../vm/helper.js';
import type { Memory } from '../vm/memory.js';
import { CLOCK_REALTIME, type ClockId, type SimClock } from './clock.js';

/** sizeof(struct bpf_timer). */
const BPF_TIMER_SIZE = 16;

/** ktime_set(KTIME_SEC_MAX, 0): where ktime_add_safe clamps a relative expiry that overflows. */
const KTIME_SEC_MAX_NS = ((2n ** 63n - 1n) / 1_000_000_000n) * 1_000_000_000n;

/** A map that may hold timers, as the loader found it. */
export type TimerMap = BpfMap & TimerHolder;

/**
 * What bpf_timer_init allocates (the kernel's struct bpf_hrtimer): the
 * element it belongs to, its clock, the callback bpf_timer_set_callback
 * gave it, and, while it is armed, its place in the queue.
 */
export class BpfHrtimer {
  /** Undefined until bpf_timer_set_callback, and again after bpf_timer_cancel drops it. */
  callback: BpfCallback | undefined;
  /** The set_callback call, to name in a fault of the callback. */
  callbackInsn = 0;
  /** The CPU the last bpf_timer_start ran on, where the callback runs. */
  cpu = 0;
  /** Expiry on the timer's own clock. */
  expires = 0n;
  /** Expiry on CLOCK_MONOTONIC, the queue's order; ties go in arming order (`seq`). */
  key = 0n;
  seq = 0;
  /** Index in the queue, -1 while not armed. */
  index = -1;

  constructor(
    readonly map: TimerMap,
    /** Address of the element's value; the timer lies `map.record.timerOff` into it. */
    readonly value: number,
    readonly clock: ClockId,
  ) {}
}

/**
 * The object's bpf_timers and the queue that fires them as simulated time
 * passes: what the kernel's per-CPU hrtimer bases do, in one queue for all
 * CPUs ordered by expiry on CLOCK_MONOTONIC. A timer's state lives here, keyed by the
 * address of its `struct bpf_timer`, whose 16 bytes stay zero, as user
 * space reads them from the kernel.
 *
 * Expiry: when simulated time is advanced, and before each program run (the
 * timer softirq runs between packets), every timer due by then fires,
 * earliest first, each callback run as bpf_timer_cb runs it (softirq, on the
 * CPU that armed the timer, with map, key and value) with the clock standing
 * at its expiry. A timer started while a callback runs expires no earlier
 * than 1 ns after that instant: in the kernel the clock has moved on by then,
 * so a callback re-arming its timer with 0 ns fires again at the next expiry
 * run, not in an endless loop at one instant.
 */
export class BpfTimers {
  private readonly byField = new Map<number, BpfHrtimer>();
  private readonly queue: BpfHrtimer[] = [];
  private readonly maps: Array<{ map: TimerMap; timerOff: number }> = [];
  private readonly withBtf = new Set<BpfMap>();
  private seq = 0;
  /** The timer whose callback runs now (the kernel's per-CPU hrtimer_running). */
  private running: BpfHrtimer | undefined;
  /** CLOCK_MONOTONIC when the running callback started. */
  private instant = 0n;
  /** Whether user space still holds the maps (their usercnt); see `release`. */
  private userRefs = true;

  constructor(
    readonly clock: SimClock,
    private readonly memory: Memory,
    /** Where map_key_from_value puts an array index for the callback, as bpf_timer_cb does on its stack. */
    private readonly keyScratch: number,
  ) {
    clock.onClockWasSet = () => this.requeueRealtime();
  }

  /** Timers armed and not yet fired. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Registers a map created with value BTF, and the timer `timerOff` bytes
   * into its values (-1: none), which the map then looks after.
   */
  addMap(map: BpfMap, timerOff: number): void {
    this.withBtf.add(map);
    if (timerOff < 0) return;
    if (!isTimerHolder(map)) throw new Error(`map '${map.spec.name}' (type ${map.spec.type}) cannot hold timers`);
    this.maps.push({ map, timerOff });
    map.record = { timerOff, freeFields: (value) => this.cancelAndFree(value + timerOff) };
  }

  /** Why the verifier refuses timers in `map`, in its words; undefined when the map has one. */
  noTimer(map: BpfMap): string | undefined {
    if (!this.withBtf.has(map)) return `map '${map.spec.name}' has to have BTF in order to use bpf_timer`;
    if (!this.maps.some((m) => m.map === map)) return `map '${map.spec.name}' has no valid bpf_timer`;
    return undefined;
  }

  /**
   * The map with timers whose values hold `field`, with the value's address
   * (whether `field` is that value's timer is the caller's check), or
   * undefined when `field` lies in no such map.
   */
  holder(field: number): { map: TimerMap; timerOff: number; value: number } | undefined {
    for (const { map, timerOff } of this.maps) {
      const value = map.valueHolding(field);
      if (value >= 0) return { map, timerOff, value };
    }
    return undefined;
  }

  /** The timer initialised at `field`, if any. */
  get(field: number): BpfHrtimer | undefined {
    return this.byField.get(field);
  }

  /** Whether the running callback is this timer's own. */
  isRunning(t: BpfHrtimer): boolean {
    return this.running === t;
  }

  /** Whether user space still holds the maps (bpf_timer_init and set_callback need it, else -EPERM). */
  get mapsHeld(): boolean {
    return this.userRefs;
  }

  /** __bpf_async_init for a timer: 0, -EBUSY when one is there already, -EPERM once user space let go. */
  init(field: number, map: TimerMap, value: number, clock: ClockId): number {
    if (this.byField.has(field)) return -EBUSY;
    if (!this.userRefs) return -EPERM;
    this.byField.set(field, new BpfHrtimer(map, value, clock));
    return 0;
  }

  /**
   * hrtimer_start: arms (or re-arms) `t` to expire `nsecs` (a u64 the kernel
   * reads as a signed ktime) after now on its clock, or at `nsecs` when
   * `absolute`; the callback will run on `cpu`.
   */
  start(t: BpfHrtimer, nsecs: bigint, absolute: boolean, cpu: number): void {
    this.dequeue(t);
    let tim = BigInt.asIntN(64, nsecs);
    if (!absolute) {
      const now = this.clock.read(t.clock);
      const sum = BigInt.asIntN(64, tim + now);
      tim = sum < 0n || sum < tim || sum < now ? KTIME_SEC_MAX_NS : sum;
    }
    t.expires = tim;
    t.cpu = cpu;
    t.key = tim - this.clock.offset(t.clock);
    if (this.running !== undefined && t.key <= this.instant) t.key = this.instant + 1n;
    t.seq = this.seq++;
    this.enqueue(t);
  }

  /** hrtimer_cancel: 1 when `t` was armed, 0 when it was not. */
  cancel(t: BpfHrtimer): number {
    if (t.index < 0) return 0;
    this.dequeue(t);
    return 1;
  }

  /**
   * bpf_timer_cancel_and_free, when the element holding the timer at `field`
   * is deleted or overwritten, or the map let go: the timer is disarmed and
   * forgotten, and its field reads as zero again. A callback that deletes its
   * own element runs on to its end, its timer already gone.
   */
  cancelAndFree(field: number): void {
    this.memory.u8.fill(0, field, field + BPF_TIMER_SIZE);
    const t = this.byField.get(field);
    if (t === undefined) return;
    this.dequeue(t);
    t.callback = undefined;
    this.byField.delete(field);
  }

  /**
   * map_release_uref for every map of the object: user space holds them no
   * more. Every timer is cancelled and freed, and from now on
   * bpf_timer_init and bpf_timer_set_callback fail with -EPERM. Returns how
   * many timers were still armed.
   */
  release(): number {
    const armed = this.queue.length;
    for (const field of [...this.byField.keys()]) this.cancelAndFree(field);
    this.userRefs = false;
    return armed;
  }

  /**
   * Simulated time runs on to `ns` on CLOCK_MONOTONIC: every timer due by
   * then fires, earliest first. From the first call on, the simulation holds
   * the clock (see SimClock).
   */
  advanceTo(ns: bigint): void {
    this.clock.hold();
    this.expire(ns);
    this.clock.moveTo(ns);
  }

  /** Fires what is due now, as the timer softirq does between two packets. */
  runDue(): void {
    this.expire(this.clock.current());
  }

  /** Fires every timer due at or before `until`, earliest first, each callback at its expiry instant. */
  private expire(until: bigint): void {
    for (let t = this.queue[0]; t !== undefined && t.key <= until; t = this.queue[0]) {
      this.dequeue(t);
      this.instant = this.clock.pin(t.key);
      try {
        this.fire(t);
      } finally {
        this.clock.unpin();
      }
    }
  }

  /** bpf_timer_cb: the callback, with the map, the element's key and its value; it must return 0. */
  private fire(t: BpfHrtimer): void {
    // Only a timer with a callback is armed, and cancelling disarms it before dropping the callback.
    const callback = t.callback!;
    this.running = t;
    let result: number;
    try {
      result = callback([t.map.address, t.map.keyOfValue(t.value, this.keyScratch), t.value]);
    } catch (e) {
      if (e instanceof RuntimeError) {
        throw new RuntimeError(e.insn, `in the callback of a timer in map '${t.map.spec.name}': ${e.reason}`);
      }
      throw e;
    } finally {
      this.running = undefined;
    }
    if (result !== 0) {
      throw new RuntimeError(
        t.callbackInsn,
        `the callback of a timer in map '${t.map.spec.name}' returned ${result}: At callback return the register R0 should have been in [0, 0]`,
      );
    }
  }

  /** clock_was_set: timers on CLOCK_REALTIME expire at their realtime, wherever that now falls on CLOCK_MONOTONIC. */
  private requeueRealtime(): void {
    const offset = this.clock.offset(CLOCK_REALTIME);
    const timers = this.queue.splice(0);
    for (const t of timers) {
      if (t.clock === CLOCK_REALTIME) t.key = t.expires - offset;
      t.index = -1;
      this.enqueue(t);
    }
  }

  // A binary min-heap on (key, seq), each timer knowing its index.

  private before(a: BpfHrtimer, b: BpfHrtimer): boolean {
    return a.key < b.key || (a.key === b.key && a.seq < b.seq);
  }

  private enqueue(t: BpfHrtimer): void {
    t.index = this.queue.length;
    this.queue.push(t);
    this.up(t.index);
  }

  private dequeue(t: BpfHrtimer): void {
    const i = t.index;
    if (i < 0) return;
    t.index = -1;
    const last = this.queue.pop()!;
    if (last === t) return;
    this.queue[i] = last;
    last.index = i;
    this.up(i);
    this.down(last.index);
  }

  private up(i: number): void {
    const q = this.queue;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(q[i]!, q[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const q = this.queue;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < q.length && this.before(q[l]!, q[least]!)) least = l;
      if (r < q.length && this.before(q[r]!, q[least]!)) least = r;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }

  private swap(i: number, j: number): void {
    const q = this.queue;
    const a = q[i]!;
    const b = q[j]!;
    q[i] = b;
    q[j] = a;
    a.index = j;
    b.index = i;
  }
}
