import { resolve } from 'node:path';
// bpf_timer on the simulated clock, where the kernel cannot answer (when a
// callback runs): callbacks fire exactly when simulated time reaches their
// expiry, never earlier, earliest first; they re-arm, a jiffy apart at the
// soonest; deleting, overwriting or evicting an element, or user space
// letting go of the maps, cancels its timer; timers on CLOCK_REALTIME run on
// CLOCK_MONOTONIC; a callback's fault names its C line.
import { describe, expect, it, vi } from 'vitest';
import { CLOCK_REALTIME as REALTIME } from '../../src/uapi/time.js';
import { NSEC_PER_JIFFY } from '../../src/helpers/time.js';
import { loadObject, type LoadedObject } from '../../src/loader/load.js';
import { runFrame } from '../../src/testrun/line.js';
import { fixture } from './agreement.js';
import {
  ARRAY,
  BPF_F_TIMER_ABS,
  BPF_F_TIMER_CPU_PIN,
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  EINVAL,
  elemOf,
  EPERM,
  frame,
  HASH,
  LRU,
  objResults,
  OP,
} from './timer-frames.js';
import { pastWrongVerifier } from '../support/wrong-verifier.js';

vi.mock('../../src/loader/verify.js', async (real) => (await import('../support/wrong-verifier.js')).wrongVerifierModule(await real()));

/** Objects the kernel refuses (a callback returning 1), which test/elf/kernel.test.ts leaves alone. */
const REFUSED_DIR = resolve(import.meta.dirname, '../fixtures/refused');

const T0 = 10_000_000_000n;
const SECOND = 1_000_000_000n;

/** The fixture, its clock held at T0, and a way to run frames in order (on `cpu`). */
function loaded(): { obj: LoadedObject; run: (frames: Uint8Array[], cpu?: number) => void } {
  const obj = loadObject(fixture('timers'), { now: () => 0n });
  obj.advanceTo(T0);
  const program = obj.program({ program: 'xdp_timers' });
  let i = 0;
  return {
    obj,
    run: (frames, cpu = 0) => {
      for (const f of frames) expect(runFrame(program, i++, f, { cpu })).toMatchObject({ verdict: 2 });
    },
  };
}

/** Frames that arm a timer in `map` at `key`, its callback noting the time, `nsecs` (and `flags`) from now. */
const arm = (map: number, key: number, nsecs: bigint, flags = 0n, clock = CLOCK_MONOTONIC): Uint8Array[] => [
  ...(map === ARRAY ? [] : [frame(OP.UPDATE, map, key)]),
  frame(OP.INIT, map, key, clock),
  frame(OP.SET_CALLBACK, map, key),
  frame(OP.RECORD_TIME, map, key),
  frame(OP.START, map, key, nsecs, flags),
];

describe('bpf_timer on the simulated clock', () => {
  it('fires each timer when time reaches its expiry, not a nanosecond before, earliest first', () => {
    const { obj, run } = loaded();
    run([...arm(ARRAY, 0, 1000n), ...arm(HASH, 1, 500n), ...arm(LRU, 2, T0 + 750n, BPF_F_TIMER_ABS)]);
    expect(obj.pendingTimers).toBe(3);
    obj.advanceTo(T0 + 499n);
    expect(elemOf(obj, HASH, 1)?.fired).toBe(0n);
    obj.advanceTo(T0 + 500n);
    expect(elemOf(obj, HASH, 1)).toMatchObject({ fired: 1n, at: T0 + 500n, order: 1n });
    obj.advanceTo(T0 + 2000n);
    expect(elemOf(obj, LRU, 2)).toMatchObject({ fired: 1n, at: T0 + 750n, order: 2n });
    expect(elemOf(obj, ARRAY, 0)).toMatchObject({ fired: 1n, at: T0 + 1000n, order: 3n });
    expect(obj.pendingTimers).toBe(0);
    expect(obj.clock.now()).toBe(T0 + 2000n);
  });

  it('fires timers due at one instant in the order they were armed', () => {
    const { obj, run } = loaded();
    run([...arm(HASH, 5, 100n), ...arm(ARRAY, 1, 100n), ...arm(LRU, 3, 100n)]);
    obj.advanceTo(T0 + 100n);
    expect([elemOf(obj, HASH, 5)?.order, elemOf(obj, ARRAY, 1)?.order, elemOf(obj, LRU, 3)?.order]).toEqual([1n, 2n, 3n]);
  });

  it('lets a callback re-arm its timer, period after period, within one advance', () => {
    const { obj, run } = loaded();
    const period = 5n * NSEC_PER_JIFFY;
    run([frame(OP.REARM, ARRAY, 0, 5n, period), ...arm(ARRAY, 0, period)]);
    obj.advanceTo(T0 + 3n * period + 1n);
    expect(elemOf(obj, ARRAY, 0)).toMatchObject({ fired: 3n, at: T0 + 3n * period, startResult: 0n });
    obj.advanceTo(T0 + SECOND);
    expect(elemOf(obj, ARRAY, 0)).toMatchObject({ fired: 6n, at: T0 + 6n * period });
    expect(obj.pendingTimers).toBe(0);
  });

  it('runs a timer a callback re-arms sooner than a jiffy on in the next expiry pass, a jiffy later', () => {
    const { obj, run } = loaded();
    run([frame(OP.REARM, ARRAY, 0, 3n, 0n), ...arm(ARRAY, 0, 0n), frame(OP.REARM, ARRAY, 1, 3n, 100n), ...arm(ARRAY, 1, 100n)]);
    obj.advanceTo(T0 + SECOND);
    expect(elemOf(obj, ARRAY, 0)).toMatchObject({ fired: 4n, at: T0 + 3n * NSEC_PER_JIFFY });
    expect(elemOf(obj, ARRAY, 1)).toMatchObject({ fired: 4n, at: T0 + 100n + 3n * NSEC_PER_JIFFY });
  });

  it('gets through a second of a callback re-arming every nanosecond, one pass a jiffy', () => {
    const { obj, run } = loaded();
    run([frame(OP.REARM, ARRAY, 0, 0xffffffffn, 1n), ...arm(ARRAY, 0, 0n)]);
    obj.advanceTo(T0 + SECOND);
    const passes = SECOND / NSEC_PER_JIFFY + 1n;
    expect(elemOf(obj, ARRAY, 0)).toMatchObject({ fired: passes, at: T0 + SECOND });
    expect(obj.pendingTimers).toBe(1);
  });

  it('fires timers independent of each other at their own expiries, less than a jiffy apart', () => {
    const { obj, run } = loaded();
    run([frame(OP.REARM, ARRAY, 0, 1n, 0n), ...arm(ARRAY, 0, 10n), ...arm(ARRAY, 1, 20n)]);
    obj.advanceTo(T0 + SECOND);
    expect(elemOf(obj, ARRAY, 1)).toMatchObject({ fired: 1n, at: T0 + 20n });
    expect(elemOf(obj, ARRAY, 0)).toMatchObject({ fired: 2n, at: T0 + 10n + NSEC_PER_JIFFY });
  });

  it('fires a 0 ns timer before the next packet, without any advance', () => {
    const { obj, run } = loaded();
    run([...arm(ARRAY, 2, 0n)]);
    expect(elemOf(obj, ARRAY, 2)?.fired).toBe(0n);
    run([frame(OP.READ, ARRAY, 2)]);
    expect(elemOf(obj, ARRAY, 2)).toMatchObject({ fired: 1n, at: T0 });
  });

  it('runs the callback on the CPU that armed the timer, pinned or not', () => {
    const { obj, run } = loaded();
    run(arm(ARRAY, 0, 10n), 1);
    run(arm(ARRAY, 1, 10n, BPF_F_TIMER_CPU_PIN), 1);
    obj.advanceTo(T0 + 10n);
    expect([elemOf(obj, ARRAY, 0)?.cpu, elemOf(obj, ARRAY, 1)?.cpu]).toEqual([1, 1]);
  });

  it('cancels the timer of a deleted, overwritten or evicted element', () => {
    const { obj, run } = loaded();
    run([...arm(HASH, 7, SECOND), frame(OP.DELETE, HASH, 7)]);
    run([...arm(ARRAY, 0, SECOND), frame(OP.UPDATE, ARRAY, 0, 5n)]);
    // Four LRU elements with timers; a fifth evicts the least recently used, key 10.
    run([10, 11, 12, 13].flatMap((k) => arm(LRU, k, SECOND)));
    expect(obj.pendingTimers).toBe(4);
    run([frame(OP.UPDATE, LRU, 14)]);
    expect(obj.pendingTimers).toBe(3);
    expect(elemOf(obj, LRU, 10)).toBeUndefined();
    obj.advanceTo(T0 + 2n * SECOND);
    expect(elemOf(obj, HASH, 7)).toBeUndefined();
    expect(elemOf(obj, ARRAY, 0)).toMatchObject({ fired: 5n });
    expect([11, 12, 13].map((k) => elemOf(obj, LRU, k)?.fired)).toEqual([1n, 1n, 1n]);
  });

  it('cancels every timer when user space lets go of the maps, and refuses new ones (-EPERM)', () => {
    const { obj, run } = loaded();
    run([...arm(ARRAY, 0, SECOND), ...arm(HASH, 1, SECOND)]);
    run([frame(OP.INIT, ARRAY, 2, CLOCK_MONOTONIC)]);
    expect(obj.releaseMaps()).toBe(2);
    run([frame(OP.INIT, ARRAY, 2, CLOCK_MONOTONIC), frame(OP.SET_CALLBACK, ARRAY, 0), frame(OP.START, HASH, 1, 0n)]);
    expect(objResults(obj, 13).slice(10)).toEqual([-EPERM, -EINVAL, -EINVAL]);
    obj.advanceTo(T0 + 2n * SECOND);
    expect(elemOf(obj, ARRAY, 0)?.fired).toBe(0n);
  });

  it('runs a CLOCK_REALTIME timer on CLOCK_MONOTONIC, its absolute expiry included, whatever the time is set to', () => {
    const { obj, run } = loaded();
    const r0 = 1_700_000_000n * SECOND;
    obj.clock.setRealtime(r0);
    run([
      ...arm(ARRAY, 0, T0 + 1000n, BPF_F_TIMER_ABS, CLOCK_REALTIME),
      ...arm(ARRAY, 1, r0 + 1000n, BPF_F_TIMER_ABS, CLOCK_REALTIME),
      ...arm(ARRAY, 2, 2000n, 0n, CLOCK_REALTIME),
    ]);
    // Setting CLOCK_REALTIME a minute on moves none of them.
    obj.clock.setRealtime(obj.clock.read(REALTIME) + 60n * SECOND);
    obj.advanceTo(T0 + 1999n);
    expect([0, 1, 2].map((k) => elemOf(obj, ARRAY, k))).toMatchObject([{ fired: 1n, at: T0 + 1000n }, { fired: 0n }, { fired: 0n }]);
    obj.advanceTo(T0 + 2000n);
    expect(elemOf(obj, ARRAY, 2)).toMatchObject({ fired: 1n, at: T0 + 2000n });
    // The realtime expiry read as CLOCK_MONOTONIC lies decades on.
    expect(obj.pendingTimers).toBe(1);
  });

  it('reads nsecs as the kernel reads a ktime: a relative one that overflows never comes, a negative absolute one is past', () => {
    const { obj, run } = loaded();
    run([...arm(ARRAY, 0, 1n << 63n), ...arm(ARRAY, 1, (1n << 64n) - 1n), ...arm(ARRAY, 2, 1n << 63n, BPF_F_TIMER_ABS)]);
    obj.advanceTo(T0 + 1n);
    expect([0, 1, 2].map((k) => elemOf(obj, ARRAY, k)?.fired)).toEqual([0n, 0n, 1n]);
    obj.advanceTo(9_000_000_000n * SECOND);
    expect(obj.pendingTimers).toBe(2);
    // They expire at KTIME_MAX, which the clock never reaches.
    obj.advanceTo(2n ** 63n - 1n);
    expect(obj.pendingTimers).toBe(2);
  });

  it('fires due timers before a run while the clock follows its source', () => {
    let now = 5000n;
    const obj = loadObject(fixture('timers'), { now: () => now });
    const program = obj.program({ program: 'xdp_timers' });
    arm(ARRAY, 0, 100n).forEach((f, i) => runFrame(program, i, f));
    now += 99n;
    runFrame(program, 4, frame(OP.READ, ARRAY, 0));
    expect(elemOf(obj, ARRAY, 0)?.fired).toBe(0n);
    now += 1n;
    runFrame(program, 5, frame(OP.READ, ARRAY, 0));
    expect(elemOf(obj, ARRAY, 0)).toMatchObject({ fired: 1n, at: 5100n });
    expect(obj.clock.isHeld).toBe(false);
  });
});

describe('a fault in a timer callback past a wrong verifier', () => {
  // timer_fault.bpf.c arms a timer 1 ms ahead whose callback returns 1.
  const RETURNS_1 = new RegExp(
    String.raw`the callback of a timer in map 'faulty' returned 1: At async callback return the register R0 has smin=1 smax=1 should have been in \[0, 0\] ` +
      String.raw`\(timer_fault\.bpf\.c:\d+: bpf_timer_set_callback\(&e->t, bad_return\);\)$`,
  );

  it("says what the verifier would have said, at the program's C line", () => {
    const obj = pastWrongVerifier(() => loadObject(resolve(REFUSED_DIR, 'timer_fault.bpf.o'), { now: () => 0n }));
    obj.advanceTo(T0);
    const program = obj.program({ program: 'xdp_timer_fault' });
    expect(runFrame(program, 0, frame(OP.READ, ARRAY, 0))).toMatchObject({ verdict: 2 });
    expect(() => obj.advanceTo(T0 + SECOND)).toThrow(RETURNS_1);
  });

  it('is the fault of the packet it came due before', () => {
    let now = 0n;
    const obj = pastWrongVerifier(() => loadObject(resolve(REFUSED_DIR, 'timer_fault.bpf.o'), { now: () => now }));
    const program = obj.program({ program: 'xdp_timer_fault' });
    expect(runFrame(program, 0, frame(OP.READ, ARRAY, 0))).toMatchObject({ verdict: 2 });
    now += SECOND;
    expect(runFrame(program, 1, frame(OP.READ, ARRAY, 0))).toEqual({ i: 1, err: 'fault', reason: expect.stringMatching(RETURNS_1) });
  });
});
