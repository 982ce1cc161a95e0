import type { ExecutionContext } from '../engine/index.js';
import { XDP_PASS, XDP_REDIRECT } from '../uapi/bpf.js';
import { VERDICT_STRIDE, VERDICT_UNSIMULATED } from './counters.js';
import type { VirtualNic } from './device.js';
import type { NicEvents, XdpSinks } from './sinks.js';
import { xdpCpumapEnqueue, xdpCpumapKthread } from './trace.js';

/** CPU_MAP_BULK_SIZE: frames a CPU's bulk queue for one cpumap entry holds before they go onto the entry's ring. */
const CPU_MAP_BULK_SIZE = 8;
/** CPUMAP_BATCH: frames a cpumap kthread takes off its ring at a time, and runs and flushes together. */
const CPUMAP_BATCH = 8;
/**
 * How many times xdpsim follows one frame from a cpumap kthread into
 * another cpumap within a poll: a frame bounced that many times is still
 * run (and may pass); the next arrival is freed and counted `unsimulated`
 * (on top of the XDP_REDIRECT its ingress program was counted with). The
 * kernel sets no bound: a frame its programs pass from CPU to CPU
 * circulates for ever, while xdpsim must run every kthread to an empty ring
 * before the next poll loads other frames into the slots.
 */
export const CPUMAP_MAX_HOPS = 16;

/** What an entry's frame is: in a CPU's bulk queue (native mode, until that CPU's xdp_do_flush), on the entry's ring, or taken off it. */
const IN_BULK = 0;
const ON_RING = 1;
const TAKEN = 2;

/**
 * What a cpumap kthread does with a frame, as the receive path whose frames
 * they are does it (cpu_map_bpf_prog_run_xdp in native mode, _skb in
 * generic mode).
 */
export interface CpumapKthread {
  /** Runs the entry's program `programId` on the frame in `slot` as CPU `cpu`; returns its action. */
  run(slot: number, programId: number, cpu: number): number;
  /**
   * The frame in `slot` that program `programId` redirected, sent on from
   * CPU `cpu` (xdp_do_redirect, or xdp_do_generic_redirect); 0, or the
   * negative errno it failed with (the kthread then frees it).
   */
  redirect(slot: number, programId: number, cpu: number): number;
  /** xdp_do_flush on CPU `cpu`, after a batch of which some frames were redirected. */
  flush(cpu: number): void;
}

/**
 * The cpumaps one RX queue's frames were redirected into during a poll: in
 * native mode each frame first waits in the bulk queue of the CPU that
 * redirected it and goes onto the entry's ring as that CPU flushes
 * (__cpu_map_flush), in generic mode it goes onto the ring at once; then,
 * at the end of the poll, each CPU's kthread takes its frames off the ring
 * a batch at a time, runs the entry's program, if any, as that CPU, and
 * hands what passes to the host stack (the pass sink) of the device it came
 * in on. A frame the program redirects is sent on from the kthread's CPU;
 * into a cpumap, it is taken off that ring in turn before the poll ends.
 * Frames stay in the arena slots they were received in throughout.
 */
export class CpumapRings {
  private slots: Int32Array;
  private cpus: Int32Array;
  private qsizes: Int32Array;
  private programs: Int32Array;
  private mapIds: Int32Array;
  /** The CPU whose bulk queue the frame went into. */
  private from: Int32Array;
  /** Times the frame was redirected into a cpumap by a kthread. */
  private hops: Int32Array;
  private state: Uint8Array;
  private count = 0;
  /** The entries of the kthread batch under way. */
  private readonly batch = new Int32Array(CPUMAP_BATCH);
  /** While a kthread's redirect is under way, the hops of its frame; -1 otherwise. */
  private redirecting = -1;

  constructor(
    capacity: number,
    private readonly device: VirtualNic,
    private readonly queue: number,
    /** The context whose arena holds the frames. */
    private readonly context: ExecutionContext,
    /** Per slot, the index in the polled batch of the frame loaded there (the sinks' `frame`). */
    private readonly slotFrame: Int32Array,
    private readonly sinks: XdpSinks,
    private readonly events: NicEvents,
  ) {
    this.slots = new Int32Array(capacity);
    this.cpus = new Int32Array(capacity);
    this.qsizes = new Int32Array(capacity);
    this.programs = new Int32Array(capacity);
    this.mapIds = new Int32Array(capacity);
    this.from = new Int32Array(capacity);
    this.hops = new Int32Array(capacity);
    this.state = new Uint8Array(capacity);
  }

  /** Whether any frame waits in a bulk queue or on a ring. */
  get pending(): boolean {
    return this.count > 0;
  }

  /** cpu_map_enqueue (native mode): the frame in `slot` into CPU `from`'s bulk queue for the entry of CPU `cpu`. */
  enqueue(slot: number, cpu: number, qsize: number, programId: number, mapId: number, from: number): void {
    this.add(slot, cpu, qsize, programId, mapId, from, IN_BULK);
  }

  /**
   * __cpu_map_flush on CPU `from`: each of its bulk queues onto its entry's
   * ring (bq_flush_to_queue), CPU_MAP_BULK_SIZE frames to an
   * xdp_cpumap_enqueue line; a frame the ring has no room for is freed.
   */
  flushBulk(from: number): void {
    const { state, cpus, mapIds } = this;
    for (let i = 0; i < this.count; i++) {
      if (state[i] !== IN_BULK || this.from[i] !== from) continue;
      const cpu = cpus[i]!;
      const mapId = mapIds[i]!;
      let onRing = this.onRing(cpu, mapId);
      let processed = 0;
      let drops = 0;
      for (let j = i; j < this.count; j++) {
        if (state[j] !== IN_BULK || this.from[j] !== from || cpus[j] !== cpu || mapIds[j] !== mapId) continue;
        if (onRing < this.qsizes[j]!) {
          state[j] = ON_RING;
          onRing++;
        } else {
          state[j] = TAKEN;
          drops++;
          this.free(j, XDP_REDIRECT);
        }
        if (++processed === CPU_MAP_BULK_SIZE) {
          this.events.trace?.('xdp:xdp_cpumap_enqueue', xdpCpumapEnqueue(from, mapId, processed, drops, cpu));
          processed = drops = 0;
        }
      }
      if (processed > 0) this.events.trace?.('xdp:xdp_cpumap_enqueue', xdpCpumapEnqueue(from, mapId, processed, drops, cpu));
    }
  }

  /**
   * cpu_map_generic_redirect (generic mode): the frame onto the ring of the
   * entry of CPU `cpu` at once, from CPU `from`, with an xdp_cpumap_enqueue
   * line of its own; false when the ring is full (the frame is the caller's to free).
   */
  produce(slot: number, cpu: number, qsize: number, programId: number, mapId: number, from: number): boolean {
    const full = this.onRing(cpu, mapId) >= qsize;
    if (!full) this.add(slot, cpu, qsize, programId, mapId, from, ON_RING);
    this.events.trace?.('xdp:xdp_cpumap_enqueue', xdpCpumapEnqueue(from, mapId, full ? 0 : 1, full ? 1 : 0, cpu));
    return !full;
  }

  /**
   * The kthreads, woken: each takes the frames off its ring CPUMAP_BATCH at
   * a time, in the order the CPUs' rings were first filled, until every ring
   * is empty. A batch's frames are run by the entry's program (none: they go
   * up as they came); the kthread flushes what they redirected
   * (xdp_do_flush) and fires its xdp_cpumap_kthread line.
   */
  runKthreads(kthread: CpumapKthread): void {
    const { state, cpus, mapIds, batch } = this;
    for (let first = 0; first < this.count; ) {
      if (state[first] !== ON_RING) {
        first++;
        continue;
      }
      const cpu = cpus[first]!;
      const mapId = mapIds[first]!;
      let n = 0;
      for (let j = first; j < this.count && n < CPUMAP_BATCH; j++) {
        if (state[j] !== ON_RING || cpus[j] !== cpu || mapIds[j] !== mapId) continue;
        state[j] = TAKEN;
        batch[n++] = j;
      }
      let passed = 0;
      let dropped = 0;
      let redirected = 0;
      for (let k = 0; k < n; k++) {
        const j = batch[k]!;
        const slot = this.slots[j]!;
        const programId = this.programs[j]!;
        if (this.hops[j]! > CPUMAP_MAX_HOPS) {
          this.unsimulated(j);
          continue;
        }
        if (programId === 0) {
          this.pass(slot);
          continue;
        }
        const action = kthread.run(slot, programId, cpu);
        if (action === XDP_PASS) {
          passed++;
          this.pass(slot);
        } else if (action === XDP_REDIRECT) {
          this.redirecting = this.hops[j]!;
          const err = kthread.redirect(slot, programId, cpu);
          this.redirecting = -1;
          if (err === 0) {
            redirected++;
          } else {
            dropped++;
            this.free(j, XDP_REDIRECT);
          }
        } else {
          dropped++;
          this.free(j, action);
        }
      }
      if (redirected > 0) kthread.flush(cpu);
      this.events.trace?.('xdp:xdp_cpumap_kthread', xdpCpumapKthread(cpu, mapId, n, passed, dropped, redirected));
    }
    this.count = 0;
  }

  private add(slot: number, cpu: number, qsize: number, programId: number, mapId: number, from: number, state: number): void {
    if (this.count === this.slots.length) this.grow();
    const i = this.count++;
    this.slots[i] = slot;
    this.cpus[i] = cpu;
    this.qsizes[i] = qsize;
    this.programs[i] = programId;
    this.mapIds[i] = mapId;
    this.from[i] = from;
    this.hops[i] = this.redirecting + 1;
    this.state[i] = state;
  }

  /** Frames on the ring of CPU `cpu` of map `mapId`, not yet taken off by its kthread. */
  private onRing(cpu: number, mapId: number): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.state[i] === ON_RING && this.cpus[i] === cpu && this.mapIds[i] === mapId) n++;
    return n;
  }

  private pass(slot: number): void {
    const { data, dataEnd, frags } = this.context.arena;
    this.sinks.pass(this.device, this.queue, this.context.memory.u8, data[slot]!, dataEnd[slot]!, frags[slot]!, this.slotFrame[slot]!);
  }

  private free(entry: number, verdict: number): void {
    const slot = this.slots[entry]!;
    const { data, dataEnd, frags } = this.context.arena;
    this.sinks.drop(this.device, this.queue, verdict, this.context.memory.u8, data[slot]!, dataEnd[slot]!, frags[slot]!, this.slotFrame[slot]!);
  }

  /** A frame past CPUMAP_MAX_HOPS: freed where the kernel would carry it on, counted and reported as such. */
  private unsimulated(entry: number): void {
    this.device.counters.verdicts[this.queue * VERDICT_STRIDE + VERDICT_UNSIMULATED]! += 1;
    this.events.exception?.(
      this.device,
      this.queue,
      `a frame redirected from cpumap kthread to cpumap kthread more than ${CPUMAP_MAX_HOPS} times in one poll: xdpsim stops following it there (the kernel would carry it on); frame dropped`,
    );
    this.free(entry, XDP_REDIRECT);
  }

  /** Twice the room: only redirects from kthreads into cpumaps add entries past the poll's frames. */
  private grow(): void {
    const n = this.slots.length * 2;
    const wider = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.slots = wider(this.slots);
    this.cpus = wider(this.cpus);
    this.qsizes = wider(this.qsizes);
    this.programs = wider(this.programs);
    this.mapIds = wider(this.mapIds);
    this.from = wider(this.from);
    this.hops = wider(this.hops);
    const state = new Uint8Array(n);
    state.set(this.state);
    this.state = state;
  }
}
