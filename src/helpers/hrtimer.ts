import type { BpfMap } from '../maps/map.js';
import { BPF_TIMER_SIZE, type BtfFields } from '../btf/fields.js';
import type { BpfProgram } from '../elf/types.js';
import { whereInSource } from '../elf/index.js';
import { btfRecord, isTimerHolder, type TimerHolder } from '../maps/record.js';
import { EBUSY, EPERM } from '../uapi/errno.js';
import { RuntimeError } from '../vm/errors.js';
import type { BpfCallback } from '../vm/helper.js';
import type { Memory } from '../vm/memory.js';
import { add64, slt64, sub64 } from '../vm/int64.js';
import { CLOCK_MONOTONIC, CLOCK_REALTIME } from '../uapi/time.js';
import { KTIME_MAX, ktime, ktimeBefore, type ClockId, type Ktime, type SimClock } from './clock.js';
import { NSEC_PER_JIFFY } from './time.js';

const nsecPerJiffy = Number(NSEC_PER_JIFFY);

/** A map that may hold timers, as the loader found it. */
export type TimerMap = BpfMap & TimerHolder;

/**
 * What bpf_timer_init allocates (the kernel's struct bpf_hrtimer): the
 * element it belongs to, its hrtimer's clock, the callback
 * bpf_timer_set_callback gave it, and, while it is armed, its place in the
 * queue.
 */
export class BpfHrtimer {
  /** Undefined until bpf_timer_set_callback, and again after bpf_timer_cancel drops it. */
  callback: BpfCallback | undefined;
  /** The set_callback call, to name in a fault of the callback. */
  callbackInsn = 0;
  /** The program that called set_callback, whose function the callback is: its C lines name a fault of the callback. */
  program: BpfProgram | undefined;
  /** The CPU the last bpf_timer_start ran on, where the callback runs. */
  cpu = 0;
  /** Expiry on CLOCK_MONOTONIC, the queue's order; ties go in arming order (`seq`). */
  readonly key = ktime();
  seq = 0;
  /** Index in the queue, -1 while not armed. */
  index = -1;

  constructor(
    readonly map: TimerMap,
    /** Address of the element's value; the timer lies `map.record.timerOff` into it. */
    readonly value: number,
    /** The hrtimer's clock: CLOCK_MONOTONIC or CLOCK_BOOTTIME (see BpfTimers.init). */
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
 * at its expiry. Timers due at one instant fire in one expiry pass (the
 * kernel's __hrtimer_run_queues, which reads the clock once per pass); a
 * timer that a callback arms waits for a later pass, which comes a jiffy
 * after this one at the soonest. In the kernel the next pass comes as soon as
 * the clock event device fires again, tens of microseconds on a 6.18 host;
 * a jiffy bounds the passes to HZ per simulated second, so that a callback
 * re-arming its timer every nanosecond cannot hold simulated time still.
 */
export class BpfTimers {
  private readonly byField = new Map<number, BpfHrtimer>();
  private readonly queue: BpfHrtimer[] = [];
  private readonly maps: Array<{ map: TimerMap; timerOff: number }> = [];
  private readonly withBtf = new Set<BpfMap>();
  private seq = 0;
  /** The timer whose callback runs now (the kernel's per-CPU hrtimer_running). */
  private running: BpfHrtimer | undefined;
  /** Where the next expiry pass may come at the soonest: a jiffy after the running one, on CLOCK_MONOTONIC. */
  private readonly nextPass = ktime();
  /** Where an advance moves the clock to. */
  private readonly target = ktime();
  /** Whether user space still holds the maps (their usercnt); see `release`. */
  private userRefs = true;
  /** The program running now (XdpProgram sets it), whose functions bpf_timer_set_callback takes as callbacks. */
  program: BpfProgram | undefined;

  constructor(
    readonly clock: SimClock,
    private readonly memory: Memory,
    /** Where map_key_from_value puts an array index for the callback, as bpf_timer_cb does on its stack. */
    private readonly keyScratch: number,
  ) {}

  /** Timers armed and not yet fired. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Registers a map created with value BTF, and the special fields of its
   * values (undefined: none), which the map then looks after.
   */
  addMap(map: BpfMap, fields: BtfFields | undefined): void {
    this.withBtf.add(map);
    if (fields === undefined) return;
    map.record = btfRecord(fields, (field) => this.cancelAndFree(field));
    const timerOff = fields.timerOff;
    if (timerOff < 0) return;
    if (!isTimerHolder(map)) throw new Error(`map '${map.spec.name}' (type ${map.spec.type}) cannot hold timers`);
    this.maps.push({ map, timerOff });
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

  /**
   * __bpf_async_init for a timer: 0, -EBUSY when one is there already, -EPERM
   * once user space let go. It sets the hrtimer up in relative mode, and
   * __hrtimer_setup turns a relative CLOCK_REALTIME timer into a
   * CLOCK_MONOTONIC one: a CLOCK_REALTIME timer runs on CLOCK_MONOTONIC,
   * BPF_F_TIMER_ABS expiries included, and setting the time moves it not.
   */
  init(field: number, map: TimerMap, value: number, clock: ClockId): number {
    if (this.byField.has(field)) return -EBUSY;
    if (!this.userRefs) return -EPERM;
    this.byField.set(field, new BpfHrtimer(map, value, clock === CLOCK_REALTIME ? CLOCK_MONOTONIC : clock));
    return 0;
  }

  /**
   * hrtimer_start: arms (or re-arms) `t` to expire `nsecs` (the u64
   * `nsecsLo`, `nsecsHi`, which the kernel reads as a signed ktime) after now
   * on its clock, or at `nsecs` when `absolute`; the callback will run on `cpu`.
   */
  start(t: BpfHrtimer, nsecsLo: number, nsecsHi: number, absolute: boolean, cpu: number): void {
    this.dequeue(t);
    const key = t.key;
    key[0] = nsecsLo;
    key[1] = nsecsHi;
    if (!absolute) {
      // ktime_add_safe: a sum that overflows, to a negative time or past either term, saturates.
      const now = this.clock.ktimeGet(t.clock);
      add64(key, 0, nsecsLo, nsecsHi, now[0]!, now[1]!);
      if (key[1]! < 0 || slt64(key[0]!, key[1]!, nsecsLo, nsecsHi) || ktimeBefore(key, now)) key.set(KTIME_MAX);
    }
    t.cpu = cpu;
    const offset = this.clock.offset(t.clock);
    sub64(key, 0, key[0]!, key[1]!, offset[0]!, offset[1]!);
    // Armed from a callback: not in this expiry pass, and the next comes a jiffy later (see the class comment).
    if (this.running !== undefined && ktimeBefore(key, this.nextPass)) key.set(this.nextPass);
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
  advanceTo(ns: Readonly<Ktime>): void {
    // Read first: `ns` may be the clock's own reading, which the callbacks' readings overwrite.
    const lo = ns[0]!;
    const hi = ns[1]!;
    this.clock.hold();
    this.expire(lo, hi);
    this.target[0] = lo;
    this.target[1] = hi;
    this.clock.moveTo(this.target);
  }

  /** Fires what is due now, as the timer softirq does between two packets. */
  runDue(): void {
    const now = this.clock.current();
    this.expire(now[0]!, now[1]!);
  }

  /**
   * Fires every timer due at or before `until`, earliest first, each callback
   * at its expiry instant; one at KTIME_MAX never comes due.
   */
  private expire(untilLo: number, untilHi: number): void {
    for (let t = this.queue[0]; t !== undefined && !slt64(untilLo, untilHi, t.key[0]!, t.key[1]!) && ktimeBefore(t.key, KTIME_MAX); t = this.queue[0]) {
      this.dequeue(t);
      const passNow = this.clock.pin(t.key);
      // A pass a jiffy past KTIME_MAX never comes, as one at KTIME_MAX.
      add64(this.nextPass, 0, passNow[0]!, passNow[1]!, nsecPerJiffy, 0);
      if (ktimeBefore(this.nextPass, passNow)) this.nextPass.set(KTIME_MAX);
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
    // The callback is a function of t.program: a set_callback call in it takes that program's functions.
    const program = this.program;
    this.program = t.program;
    let result: number;
    try {
      result = callback([t.map.address, t.map.keyOfValue(t.value, this.keyScratch), t.value]);
    } catch (e) {
      if (e instanceof RuntimeError) {
        throw new RuntimeError(e.insn, `in the callback of a timer in map '${t.map.spec.name}': ${e.reason}${this.where(t, e.insn)}`);
      }
      throw e;
    } finally {
      this.running = undefined;
      this.program = program;
    }
    if (result !== 0) {
      // The verifier's check_return_code for an async callback, in its words, at the set_callback call.
      throw new RuntimeError(
        t.callbackInsn,
        `the callback of a timer in map '${t.map.spec.name}' returned ${result}: ` +
          `At async callback return the register R0 has smin=${result} smax=${result} should have been in [0, 0]${this.where(t, t.callbackInsn)}`,
      );
    }
  }

  /** The C line of instruction `insn` of the program whose function `t`'s callback is, as a program's faults name theirs. */
  private where(t: BpfHrtimer, insn: number): string {
    return t.program === undefined ? '' : whereInSource(t.program, insn);
  }

  // A binary min-heap on (key, seq), each timer knowing its index.

  private before(a: BpfHrtimer, b: BpfHrtimer): boolean {
    if (ktimeBefore(a.key, b.key)) return true;
    return a.key[0] === b.key[0] && a.key[1] === b.key[1] && a.seq < b.seq;
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
