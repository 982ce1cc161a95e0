import type { InsnArray } from '../isa/instruction.js';
import type { HelperState } from '../helpers/state.js';
import { RedirectInfo } from '../helpers/state.js';
import { BPF_FUNC_spin_unlock } from '../uapi/func-ids.js';
import { xdpHelpers } from '../helpers/xdp-table.js';
import { Interpreter } from '../vm/interpreter.js';
import type { Memory, MemoryLayout } from '../vm/memory.js';
import { layoutStack } from '../vm/stack.js';
import { FrameArena } from '../xdp/arena.js';
import { XdpBuff } from '../xdp/buff.js';
import { XDP_FRAME_SIZE, XDP_LARGE_FRAME_SIZE, XDP_MD_SIZE } from '../xdp/constants.js';

/** The regions of one execution context, reserved in a layout before the memory is built. */
export interface ContextLayout {
  /** R10 of each call depth, once the memory is built. */
  frameTops(memory: Memory): number[];
  /** Region indexes of its `struct xdp_md`, its frame slots and its large frame slot. */
  ctx: number;
  slots: number[];
  large: number;
}

/**
 * Reserves one execution context's regions: its call stack (8 frames between
 * guards), its read-only `struct xdp_md`, `slots` one-page frame slots, and
 * one large slot (XDP_LARGE_FRAME_SIZE) for a frame generic XDP runs linear
 * past a page.
 */
export function layoutContext(layout: MemoryLayout, slots: number): ContextLayout {
  const frameTops = layoutStack(layout);
  const ctx = layout.add({ name: 'ctx', size: XDP_MD_SIZE, writable: false });
  const slotIndexes: number[] = [];
  for (let i = 0; i < slots; i++) slotIndexes.push(layout.add({ name: 'frame', size: XDP_FRAME_SIZE, writable: true }));
  const large = layout.add({ name: 'frame:large', size: XDP_LARGE_FRAME_SIZE, writable: true });
  return { frameTops, ctx, slots: slotIndexes, large };
}

/** The execution contexts of an object, laid out once, and the counter that hands them out. */
export interface ContextPool {
  readonly layouts: readonly ContextLayout[];
  /**
   * Region index of the claim counter: an internal word of the shared
   * memory, so that every thread attached to the object draws from one
   * count and no two ever run as the same context (one stack, one xdp_md,
   * one lock owner id).
   */
  readonly claims: number;
}

/** Reserves `count` contexts of `slots` frame slots each, then their claim counter. */
export function layoutContexts(layout: MemoryLayout, count: number, slots: number): ContextPool {
  const layouts = Array.from({ length: count }, () => layoutContext(layout, slots));
  return { layouts, claims: layout.add({ name: 'contexts:claimed', size: 4, writable: false, readable: false }) };
}

/**
 * Claims the next context of `pool` not yet claimed by any thread sharing
 * `memory`, or returns -1 when all are taken. A context is claimed for good:
 * the thread that holds it may run it as often as it likes.
 */
export function claimContext(memory: Memory, pool: ContextPool): number {
  const word = memory.regions[pool.claims]!.start >>> 2;
  for (;;) {
    const claimed = Atomics.load(memory.i32, word);
    if (claimed >= pool.layouts.length) return -1;
    if (Atomics.compareExchange(memory.i32, word, claimed, claimed + 1) === claimed) return claimed;
  }
}

/** What every context of an object shares: the object's part of the helpers' HelperState, and its programs for tail calls. */
export type ContextShared = Omit<HelperState, 'buff' | 'cpu' | 'redirect' | 'ifindex'>;

/**
 * One CPU's worth of state for running an object's programs: what the kernel
 * keeps per CPU (the stack, the xdp_buff and its context, bpf_redirect_info,
 * the per-CPU map slot) plus the frame slots a driver's receive ring would
 * fill, and one large slot. Contexts of one object share its maps and
 * memory; any number of them may run the same program, interleaved, each
 * unaffected by the others.
 */
export class ExecutionContext {
  /** The frame slots, loaded by the caller and run in place. */
  readonly arena: FrameArena;
  /** The helpers' view of this context (see HelperState). */
  readonly helperState: HelperState;
  readonly buff: XdpBuff;
  /** Address of this context's `struct xdp_md`: R1 of every run. */
  readonly ctxAddress: number;
  /** The interpreter's machine state for this context (the engine's alone: nothing above it touches it). */
  readonly interpreter: Interpreter;

  constructor(
    /** Unique among the contexts of every thread sharing the memory: lock owner id - 1. */
    readonly id: number,
    cpu: number,
    readonly memory: Memory,
    layout: ContextLayout,
    shared: ContextShared,
    programs: () => readonly InsnArray[],
    budget: number | undefined,
  ) {
    this.arena = new FrameArena(memory, layout.slots.map((i) => memory.regions[i]!), memory.regions[layout.large]!);
    this.ctxAddress = memory.regions[layout.ctx]!.start;
    this.buff = new XdpBuff(memory, this.arena, this.ctxAddress);
    this.helperState = { ...shared, buff: this.buff, cpu, ifindex: 1, redirect: new RedirectInfo() };
    this.interpreter = new Interpreter(memory, xdpHelpers(this.helperState, programs), layout.frameTops(memory), {
      budget,
      spinUnlock: BPF_FUNC_spin_unlock,
    });
    this.interpreter.lockOwner = id + 1;
  }

  /** Fires the bpf_timers that came due since the last run, as the timer softirq runs between packets. */
  runDueTimers(): void {
    const timers = this.helperState.timers;
    if (timers.queued !== 0) timers.runDue();
  }

  /** The CPU this context runs as: selects per-CPU map slots and what bpf_get_smp_processor_id returns. */
  get cpu(): number {
    return this.helperState.cpu;
  }

  set cpu(cpu: number) {
    this.helperState.cpu = cpu;
  }
}
