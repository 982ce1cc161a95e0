// Calling helpers directly, without a program: registers in, R0 out, over a
// memory holding a writable scratch region, a read-only one and some maps.
import { SimClock } from '../../src/helpers/clock.js';
import { BpfTimers } from '../../src/helpers/hrtimer.js';
import { bindMapIndexes, RedirectInfo, type Runtime } from '../../src/helpers/runtime.js';
import { createMap } from '../../src/maps/create.js';
import type { BpfMap } from '../../src/maps/map.js';
import type { MapSpec } from '../../src/maps/types.js';
import type { Helper, HelperCall } from '../../src/vm/helper.js';
import { MemoryLayout, type Memory } from '../../src/vm/memory.js';
import { FrameArena } from '../../src/xdp/arena.js';
import { XdpBuff } from '../../src/xdp/buff.js';
import { XDP_FRAME_SIZE, XDP_MD_SIZE } from '../../src/xdp/constants.js';

export interface Bench {
  memory: Memory;
  maps: BpfMap[];
  rt: Runtime;
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
  const maps = specs.map((s) => createMap(s, cpus));
  const l = new MemoryLayout();
  const scratchIndex = l.add({ name: 'scratch', size: 4096, writable: true });
  const rodataIndex = l.add({ name: 'rodata', size: 256, writable: false });
  const ctxIndex = l.add({ name: 'ctx', size: XDP_MD_SIZE, writable: false });
  const frameIndex = l.add({ name: 'frame', size: XDP_FRAME_SIZE, writable: true });
  const indexes = maps.map((m) => m.regions().map((r) => l.add(r)));
  const stackIndex = l.add({ name: 'stack0', size: 512, writable: true });
  const memory = l.build();
  maps.forEach((m, i) => {
    m.bind(memory, indexes[i]!.map((r) => memory.regions[r]!));
    m.init();
  });
  bindMapIndexes(maps, memory);
  const arena = new FrameArena(memory, [memory.regions[frameIndex]!]);
  const buff = new XdpBuff(memory, arena, memory.regions[ctxIndex]!.start);
  arena.load(0, new Uint8Array(60));
  buff.attach(0, 1, 0);
  const clock = new SimClock(() => 0n);
  const rt: Runtime = {
    maps,
    buff,
    cpu: 0,
    ifindex: 1,
    redirect: new RedirectInfo(),
    trace: () => {},
    now: () => clock.now(),
    clock,
    timers: new BpfTimers(clock, memory, memory.regions[scratchIndex]!.start),
  };
  const regs = new Int32Array(22);
  const noProgram = (): never => {
    throw new Error('no program runs: callbacks and tail calls are not available to a helper called directly');
  };
  const hc: HelperCall = { regs, memory, insn: 7, lockOwner: 1, heldLock: 0, invoke: noProgram, tailCall: noProgram, callback: noProgram };
  return {
    memory,
    maps,
    rt,
    scratch: memory.regions[scratchIndex]!.start,
    rodata: memory.regions[rodataIndex]!.start,
    stack: memory.regions[stackIndex]!.start,
    call(helper, ...args) {
      regs.fill(0);
      args.forEach((a, i) => {
        const v = BigInt.asUintN(64, BigInt(a));
        regs[2 * (i + 1)] = Number(BigInt.asIntN(32, v));
        regs[2 * (i + 1) + 1] = Number(BigInt.asIntN(32, v >> 32n));
      });
      helper(hc);
      return (BigInt(regs[1]!) << 32n) | BigInt(regs[0]! >>> 0);
    },
  };
}
