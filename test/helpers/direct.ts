// Calling helpers directly, without a program: registers in, R0 out, over a
// memory holding a writable scratch region, a read-only one and some maps.
import { SimClock } from '../../src/helpers/clock.js';
import { BpfTimers } from '../../src/helpers/hrtimer.js';
import { bindMapIndexes, RedirectInfo, type HelperState } from '../../src/helpers/state.js';
import type { BpfMap } from '../../src/maps/map.js';
import { createStandaloneMaps } from '../../src/maps/standalone.js';
import type { MapSpec } from '../../src/maps/types.js';
import { R0_PAIR, type Helper, type HelperCall } from '../../src/vm/helper.js';
import type { Memory } from '../../src/vm/memory.js';
import { FrameArena } from '../../src/xdp/arena.js';
import { XdpBuff } from '../../src/xdp/buff.js';
import { XDP_FRAME_SIZE, XDP_LARGE_FRAME_SIZE, XDP_MD_SIZE } from '../../src/xdp/constants.js';

export interface Bench {
  memory: Memory;
  maps: BpfMap[];
  state: HelperState;
  /** A writable 4 KiB region. */
  scratch: number;
  /** A read-only 256-byte region, as `.rodata` is for programs. */
  rodata: number;
  /** One 512-byte stack frame, for what the verifier wants on the stack (dynptrs); R10 is its end. */
  stack: number;
  /** Calls `helper` with R1.. set to `args`; returns R0 as a signed 64-bit value. */
  call(helper: Helper, ...args: Array<number | bigint>): bigint;
}

export function bench(specs: readonly MapSpec[] = [], cpus = 2): Bench {
  const { maps, memory } = createStandaloneMaps(specs, cpus, {
    before: [
      { name: 'scratch', size: 4096, writable: true },
      { name: 'rodata', size: 256, writable: false },
      { name: 'ctx', size: XDP_MD_SIZE, writable: false },
      { name: 'frame', size: XDP_FRAME_SIZE, writable: true },
      { name: 'frame:large', size: XDP_LARGE_FRAME_SIZE, writable: true },
      { name: 'stack0', size: 512, writable: true },
    ],
  });
  const [scratch, rodata, ctx, stack] = ['scratch', 'rodata', 'ctx', 'stack0'].map((name) => memory.region(name).start) as [number, number, number, number];
  bindMapIndexes(maps, memory);
  const arena = new FrameArena(memory, [memory.region('frame')], memory.region('frame:large'));
  const buff = new XdpBuff(memory, arena, ctx);
  arena.load(0, new Uint8Array(60));
  buff.attach(0, 1, 0);
  const clock = new SimClock(() => 0n);
  const state: HelperState = {
    maps,
    buff,
    cpu: 0,
    ifindex: 1,
    redirect: new RedirectInfo(),
    trace: () => {},
    now: () => clock.ktimeGet(),
    clock,
    timers: new BpfTimers(clock, memory, scratch),
  };
  const noProgram = (): never => {
    throw new Error('no program runs: callbacks and tail calls are not available to a helper called directly');
  };
  const r0 = new Int32Array(2);
  const hc: HelperCall = {
    memory,
    insn: 7,
    lockOwner: 1,
    heldLock: 0,
    invoke: noProgram,
    tailCall: noProgram,
    callback: noProgram,
    setR0Pair(lo, hi) {
      r0[0] = lo;
      r0[1] = hi;
      return R0_PAIR;
    },
  };
  return {
    memory,
    maps,
    state,
    scratch,
    rodata,
    stack,
    call(helper, ...args) {
      const lo = [0, 0, 0, 0, 0];
      const hi = [0, 0, 0, 0, 0];
      args.forEach((a, i) => {
        const v = BigInt.asUintN(64, BigInt(a));
        lo[i] = Number(BigInt.asIntN(32, v));
        hi[i] = Number(BigInt.asIntN(32, v >> 32n));
      });
      const v = helper(hc, lo[0]!, lo[1]!, lo[2]!, lo[3]!, lo[4]!, hi[0]!, hi[1]!, hi[2]!, hi[3]!, hi[4]!);
      // R0 as the interpreter writes it.
      if (v === v) {
        r0[0] = v | 0;
        r0[1] = Math.floor(v / 4294967296) | 0;
      }
      return (BigInt(r0[1]!) << 32n) | BigInt(r0[0]! >>> 0);
    },
  };
}
