import { BatchFault, type ExecutionContext, type Executable } from '../engine/index.js';
import type { BpfMap } from '../maps/map.js';
import { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../uapi/bpf.js';
import { ENXIO, EOPNOTSUPP } from '../uapi/errno.js';
import { ETH_HLEN } from '../uapi/if-ether.js';
import { FrameError } from '../xdp/frame-error.js';
import { XDP_BATCH } from '../xdp/arena.js';
import { RX, RX_STRIDE, TX, TX_STRIDE, VERDICT_INVALID, VERDICT_REDIRECT_ERRORS, VERDICT_STRIDE, VERDICT_TX_ERRORS } from './counters.js';
import { CpumapRings, type CpumapKthread } from './cpumap.js';
import type { VirtualNic } from './device.js';
import { receiveWhileDown } from './down.js';
import type { NicEvents, XdpSinks } from './sinks.js';
import { DISCARD_SINKS } from './sinks.js';
import { NicConfigError } from './errors.js';
import type { Topology } from './topology.js';
import { driverRefuses, maxFrameLength, REDIRECT_BROADCAST, REDIRECT_CPU, REDIRECT_DEVICE, REDIRECT_XSK, Redirects, xdpOkFwdDev } from './redirect.js';
import { xdpBulkTx, xdpDevmapXmit, xdpException } from './trace.js';

/** VETH_XDP_TX_BULK_SIZE and DEV_MAP_BULK_SIZE: frames a bulk queue takes before it is sent. */
const VETH_XDP_TX_BULK_SIZE = 16;
const DEV_MAP_BULK_SIZE = 16;

/** Frames as a capture reader hands them out (a PacketBatch is one): frame i is `bytes[offset[i], offset[i] + capLen[i])`. */
export interface FrameBatch {
  readonly bytes: Uint8Array;
  readonly offset: ArrayLike<number>;
  readonly capLen: ArrayLike<number>;
}

/**
 * One RX queue's receive path, whatever the mode: what a NicReceiver polls.
 * A poll takes at most `budget` frames and has run and acted on every one
 * of them (counters, sinks, events) when it returns.
 */
export interface RxPath {
  readonly device: VirtualNic;
  readonly queue: number;
  readonly budget: number;
  /** Receives frames `which[0 .. count)` of `batch`. */
  poll(batch: FrameBatch, which: ArrayLike<number>, count: number): void;
}

export interface RxQueueOptions {
  device: VirtualNic;
  queue: number;
  /** The namespace bpf_redirect(ifindex) and device map entries resolve in. */
  topology: Topology;
  /** The native-mode program, and the context (one CPU's) it runs in; the context's arena holds the poll's frames. */
  executable: Executable;
  context: ExecutionContext;
  /** The program's id, for trace lines. */
  progId: number;
  /** Map ids, for trace lines (see objectMapIds). */
  mapIds: ReadonlyMap<BpfMap, number>;
  /**
   * The program a devmap or cpumap entry names by id, compiled to run in the
   * same context (LoadedObject.compile of programs[id - 1]); entries only
   * name programs of the object (the maps refuse others), so there always is one.
   */
  entryProgram: (programId: number) => Executable;
  sinks?: XdpSinks;
  events?: NicEvents;
  /**
   * Whether a device takes XDP frames (ndo_xdp_xmit, and XDP_TX on itself):
   * a veth only does when its peer runs an XDP program; default, every device.
   */
  xdpReceiver?: (dev: VirtualNic) => boolean;
}

/** The ids a loaded object's maps have: their index in declaration order plus one, as its devmap entries name programs. */
export function objectMapIds(maps: Iterable<BpfMap>): ReadonlyMap<BpfMap, number> {
  const ids = new Map<BpfMap, number>();
  for (const map of maps) ids.set(map, ids.size + 1);
  return ids;
}

/**
 * One RX queue of a virtual NIC running an XDP program in native mode, polled
 * as a driver's NAPI poll is: a batch of up to 64 frames is counted, loaded
 * into the context's frame slots and run with one runBatch, then each verdict
 * is acted on as veth acts on it (XDP-FACTS 1.7) and counted in the device's
 * per-queue counters; XDP_TX and redirected frames are queued and flushed at
 * the end of the poll, as xdp_do_flush does, and the cpumap kthreads then
 * take the frames redirected to their CPUs. A device that is down runs
 * nothing (receiveWhileDown). Everything is preallocated: a poll allocates
 * nothing per frame but on error paths and for broadcasts.
 */
export class RxQueue implements RxPath {
  readonly device: VirtualNic;
  readonly queue: number;
  private readonly executable: Executable;
  private readonly context: ExecutionContext;
  private readonly progId: number;
  private readonly sinks: XdpSinks;
  private readonly events: NicEvents;
  private readonly xdpReceiver: (dev: VirtualNic) => boolean;
  private readonly redirects: Redirects;
  /** The arena slot past the poll's frames, where devmap and cpumap programs run on copies of them. */
  private readonly egressSlot: number;
  /** The memory the context's frames lie in. */
  private readonly u8: Uint8Array;
  private readonly verdicts: Uint32Array;
  /** Per slot, the index in the polled batch of the frame loaded there (the sinks' `frame`). */
  private readonly slotFrame: Int32Array;
  /** XDP_TX frames of this poll, by slot. */
  private readonly txSlots: Int32Array;
  private txCount = 0;
  /** Redirected frames of this poll, by slot, target device and devmap entry program (a broadcast queues a slot once per device). */
  private redirectSlots: Int32Array;
  private redirectPrograms: Int32Array;
  private redirectTargets: Array<VirtualNic | undefined>;
  private redirectCount = 0;
  /** Frames redirected into a cpumap this poll. */
  private readonly cpumap: CpumapRings;
  /** What the cpumap kthreads do with this queue's frames, bound once. */
  private readonly kthread: CpumapKthread;
  /** Marks the redirect queue entries a flush has sent. */
  private redirectSent: Uint8Array;

  constructor(options: RxQueueOptions) {
    this.device = options.device;
    this.queue = options.queue;
    this.executable = options.executable;
    this.context = options.context;
    this.progId = options.progId;
    this.sinks = options.sinks ?? DISCARD_SINKS;
    this.events = options.events ?? {};
    this.xdpReceiver = options.xdpReceiver ?? (() => true);
    this.redirects = new Redirects({ ...options, events: this.events });
    this.u8 = options.context.memory.u8;
    // veth registers its RX queues' xdp_rxq_info with frag_size 0: a fragment cannot grow (checked on 6.18).
    options.context.arena.fragSize = 0;
    if (options.context.arena.slots < 2) throw new NicConfigError(`an RX queue needs a context with 2 frame slots or more, not ${options.context.arena.slots}`);
    const slots = Math.min(XDP_BATCH, options.context.arena.slots - 1);
    this.egressSlot = slots;
    this.verdicts = new Uint32Array(slots);
    this.slotFrame = new Int32Array(slots + 1);
    this.txSlots = new Int32Array(slots);
    this.redirectSlots = new Int32Array(slots);
    this.redirectPrograms = new Int32Array(slots);
    this.cpumap = new CpumapRings(slots, this.device, this.queue, this.context, this.slotFrame, this.sinks, this.events);
    this.kthread = {
      // cpu_map_bpf_prog_run_xdp: on the frame where it lies, as received on this device with rx_queue_index 0 (an xdp_frame keeps no queue).
      run: (slot, programId, cpu) => this.redirects.runEntry(slot, programId, 0, cpu, 0),
      redirect: (slot, programId, cpu) => this.redirect(slot, programId, 0, cpu),
      flush: (cpu) => {
        if (this.redirectCount > 0) this.flushRedirects(cpu);
        this.cpumap.flushBulk(cpu);
      },
    };
    this.redirectTargets = new Array<VirtualNic | undefined>(slots).fill(undefined);
    this.redirectSent = new Uint8Array(slots);
  }

  /** Frames one poll takes at most: NAPI's 64, or fewer when the context has fewer than 65 slots (one is where devmap and cpumap programs run). */
  get budget(): number {
    return this.verdicts.length;
  }

  /**
   * Receives frames `which[0 .. count)` of `batch` on this queue, runs them
   * and acts on every verdict; the counters and sinks have seen all of them
   * when it returns.
   */
  poll(batch: FrameBatch, which: ArrayLike<number>, count: number): void {
    if (count > this.verdicts.length) throw new RangeError(`a poll takes at most ${this.verdicts.length} frames, not ${count}`);
    const dev = this.device;
    if (!dev.up) {
      receiveWhileDown(dev, this.queue, count);
      return;
    }
    const rx = dev.counters.rx;
    const base = this.queue * RX_STRIDE;
    const bytes = batch.bytes;
    let loaded = 0;
    for (let i = 0; i < count; i++) {
      const at = which[i]!;
      const length = batch.capLen[at]!;
      rx[base + RX.packets]! += 1;
      rx[base + RX.bytes]! += length;
      if (driverRefuses(dev, length)) {
        rx[base + RX.length_errors]! += 1;
        continue;
      }
      if (!this.load(loaded, bytes, batch.offset[at]!, length)) {
        rx[base + RX.length_errors]! += 1;
        continue;
      }
      // skb->len, as veth counts xdp_bytes: the Ethernet header is already pulled.
      rx[base + RX.xdp_packets]! += 1;
      rx[base + RX.xdp_bytes]! += length - ETH_HLEN;
      this.slotFrame[loaded] = at;
      loaded++;
    }
    this.run(loaded);
    const counts = dev.counters.verdicts;
    const verdictBase = this.queue * VERDICT_STRIDE;
    for (let slot = 0; slot < loaded; slot++) {
      const verdict = this.verdicts[slot]!;
      counts[verdictBase + (verdict <= XDP_REDIRECT ? verdict : VERDICT_INVALID)]! += 1;
      this.act(slot, verdict);
    }
    this.flush();
  }

  /** Loads a frame into `slot`; false when it needs more fragments than a frame may have. */
  private load(slot: number, bytes: Uint8Array, offset: number, length: number): boolean {
    try {
      this.context.arena.load(slot, bytes, offset, length);
      return true;
    } catch (e) {
      if (e instanceof FrameError) return false;
      throw e;
    }
  }

  /** Runs slots 0 .. count - 1; a faulting frame is counted as aborted and the batch runs on after it. */
  private run(count: number): void {
    const dev = this.device;
    let first = 0;
    while (first < count) {
      try {
        this.executable.runBatch(this.context, first, count - first, dev.ifindex, this.queue, this.verdicts);
        return;
      } catch (e) {
        if (!(e instanceof BatchFault)) throw e;
        this.verdicts[e.slot] = XDP_ABORTED;
        this.events.exception?.(dev, this.queue, `program fault on ${dev.name} RX queue ${this.queue}: ${e.message}`);
        first = e.slot + 1;
      }
    }
  }

  private act(slot: number, verdict: number): void {
    const rx = this.device.counters.rx;
    const base = this.queue * RX_STRIDE;
    const arena = this.context.arena;
    switch (verdict) {
      case XDP_PASS:
        this.sinks.pass(this.device, this.queue, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
        return;
      case XDP_TX:
        // veth_xdp_tx: a full bulk queue is sent before the frame joins it.
        if (this.txCount === VETH_XDP_TX_BULK_SIZE) this.flushTx();
        this.txSlots[this.txCount++] = slot;
        return;
      case XDP_REDIRECT: {
        const err = this.redirect(slot, this.progId, this.queue, this.context.cpu);
        if (err === 0) {
          rx[base + RX.xdp_redirect]! += 1;
        } else {
          rx[base + RX.drops]! += 1;
          this.device.counters.verdicts[this.queue * VERDICT_STRIDE + VERDICT_REDIRECT_ERRORS]! += 1;
          this.sinks.drop(this.device, this.queue, XDP_REDIRECT, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
        }
        return;
      }
      case XDP_DROP:
        rx[base + RX.xdp_drops]! += 1;
        this.sinks.drop(this.device, this.queue, verdict, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
        return;
      default:
        // XDP_ABORTED, and any action past XDP_REDIRECT: bpf_warn_invalid_xdp_action, then handled as aborted.
        rx[base + RX.xdp_drops]! += 1;
        rx[base + RX.xdp_aborted]! += 1;
        this.events.trace?.('xdp:xdp_exception', xdpException(this.progId, verdict, this.device.ifindex));
        this.sinks.drop(this.device, this.queue, verdict, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
    }
  }

  /**
   * xdp_do_redirect: queues the frame in `slot`, redirected by program
   * `progId` (this queue's, or a cpumap entry's on CPU `cpu`'s kthread), for
   * its target(s); 0, or the negative errno it fails with. `rxQueue` is the
   * RX queue the frame is seen on, which an AF_XDP socket must be bound to.
   */
  private redirect(slot: number, progId: number, rxQueue: number, cpu: number): number {
    const r = this.redirects;
    let err = r.resolve(slot, rxQueue);
    if (err === 0) {
      const arena = this.context.arena;
      // xdp_get_frame_len: the linear part and the fragments.
      const length = arena.frameLength(slot);
      switch (r.kind) {
        case REDIRECT_DEVICE:
          err = this.forwardable(r.target!, length);
          if (err === 0) this.queueRedirect(slot, r.target!, r.programId);
          break;
        case REDIRECT_BROADCAST:
          // dev_map_enqueue_multi: a device that cannot take the frame is skipped, not an error.
          for (let i = 0; i < r.broadcastTargets.length; i++) {
            const target = r.broadcastTargets[i]!;
            if (this.forwardable(target, length) === 0) this.queueRedirect(slot, target, r.broadcastPrograms[i]!);
          }
          break;
        case REDIRECT_XSK:
          // xsk_rcv copies the frame into the socket's RX ring at once (the sink stands for the ring; the flush only wakes the socket up).
          this.sinks.xsk(this.device, rxQueue, r.socket, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
          break;
        case REDIRECT_CPU:
          this.cpumap.enqueue(slot, r.mapIndex, r.qsize, r.programId, r.mapId, cpu);
          break;
      }
    }
    return r.trace(err, progId);
  }

  /** The checks of __xdp_enqueue: the device takes XDP frames (-EOPNOTSUPP), then xdp_ok_fwd_dev. */
  private forwardable(target: VirtualNic, length: number): number {
    if (!this.xdpReceiver(target)) return -EOPNOTSUPP;
    return xdpOkFwdDev(target, length);
  }

  private queueRedirect(slot: number, target: VirtualNic, programId: number): void {
    if (this.redirectCount === this.redirectSlots.length) {
      // Only broadcasts queue more than one entry per frame; grow for them.
      const n = this.redirectSlots.length * 2;
      const slots = new Int32Array(n);
      slots.set(this.redirectSlots);
      this.redirectSlots = slots;
      const programs = new Int32Array(n);
      programs.set(this.redirectPrograms);
      this.redirectPrograms = programs;
      this.redirectSent = new Uint8Array(n);
      this.redirectTargets.length = n;
      this.redirectTargets.fill(undefined, n / 2);
    }
    this.redirectSlots[this.redirectCount] = slot;
    this.redirectPrograms[this.redirectCount] = programId;
    this.redirectTargets[this.redirectCount] = target;
    this.redirectCount++;
  }

  /**
   * The end of veth_poll: xdp_do_flush sends each target device's redirected
   * frames, in the order they were first queued, and puts the frames bulked
   * for the CPU maps on their rings, whose kthreads then take them; then the
   * XDP_TX frames still queued go out of this device.
   */
  private flush(): void {
    const cpu = this.context.cpu;
    if (this.redirectCount > 0) this.flushRedirects(cpu);
    if (this.cpumap.pending) {
      this.cpumap.flushBulk(cpu);
      this.cpumap.runKthreads(this.kthread);
    }
    if (this.txCount > 0) this.flushTx();
  }

  /**
   * veth_xdp_flush_bq: XDP_TX frames leave by the TX queue paired with this
   * RX queue. A device that cannot send them (veth_xdp_xmit: no XDP receiver)
   * fails the whole bulk; otherwise they go in order until the first longer
   * than MTU + hard header + VLAN_HLEN, which stops the bulk there. What is
   * not sent counts as xdp_tx_errors. (The device is up: one that is down
   * runs no program.)
   */
  private flushTx(): void {
    const dev = this.device;
    const n = this.txCount;
    this.txCount = 0;
    const err = this.xdpReceiver(dev) ? 0 : -ENXIO;
    const rx = dev.counters.rx;
    const base = this.queue * RX_STRIDE;
    const arena = this.context.arena;
    const maxLength = maxFrameLength(dev);
    let sent = 0;
    if (err === 0) {
      const txQueue = this.queue % dev.txQueues;
      const tx = dev.counters.tx;
      const txBase = txQueue * TX_STRIDE;
      for (; sent < n; sent++) {
        const slot = this.txSlots[sent]!;
        const length = arena.frameLength(slot);
        if (length > maxLength) break;
        tx[txBase + TX.packets]! += 1;
        tx[txBase + TX.bytes]! += length;
        this.sinks.tx(dev, txQueue, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
      }
      rx[base + RX.xdp_tx]! += sent;
    }
    rx[base + RX.xdp_tx_errors]! += n - sent;
    dev.counters.verdicts[this.queue * VERDICT_STRIDE + VERDICT_TX_ERRORS]! += n - sent;
    for (let i = sent; i < n; i++) {
      const slot = this.txSlots[i]!;
      this.sinks.drop(dev, this.queue, XDP_TX, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
    }
    this.events.trace?.('xdp:xdp_bulk_tx', xdpBulkTx(dev.ifindex, sent, n - sent, err));
  }

  /**
   * __dev_flush on CPU `cpu`: each target's frames go out of its TX queue
   * chosen by that CPU, as veth_xdp_xmit picks one, in bulks of
   * DEV_MAP_BULK_SIZE. The bulk queue is the target's on that CPU, and the
   * devmap program it runs on every frame is the one of the entry that
   * started it (bq_enqueue sets bq->xdp_prog with the first frame after a
   * flush and keeps it to the next): frames that came through other entries,
   * or through bpf_redirect(ifindex), share it.
   */
  private flushRedirects(cpu: number): void {
    const n = this.redirectCount;
    this.redirectCount = 0;
    const sent = this.redirectSent;
    sent.fill(0, 0, n);
    const arena = this.context.arena;
    for (let i = 0; i < n; i++) {
      if (sent[i] !== 0) continue;
      const target = this.redirectTargets[i]!;
      const programId = this.redirectPrograms[i]!;
      const txQueue = cpu % target.txQueues;
      const tx = target.counters.tx;
      const txBase = txQueue * TX_STRIDE;
      let frames = 0;
      let sentFrames = 0;
      for (let j = i; j < n; j++) {
        if (sent[j] !== 0 || this.redirectTargets[j] !== target) continue;
        sent[j] = 1;
        // bq_enqueue: a full bulk queue is sent (bq_xmit_all, one trace line) before the frame joins it.
        if (frames === DEV_MAP_BULK_SIZE) {
          this.events.trace?.('xdp:xdp_devmap_xmit', xdpDevmapXmit(this.device.ifindex, target.ifindex, sentFrames, frames - sentFrames, 0));
          frames = 0;
          sentFrames = 0;
        }
        frames++;
        let slot = this.redirectSlots[j]!;
        if (programId !== 0) {
          slot = this.runDevmapProgram(slot, programId, target.ifindex, cpu);
          if (slot < 0) continue;
        }
        tx[txBase + TX.xdp_xmit]! += 1;
        tx[txBase + TX.packets]! += 1;
        tx[txBase + TX.bytes]! += arena.frameLength(slot);
        this.sinks.redirect(this.device, target, txQueue, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
        sentFrames++;
      }
      this.events.trace?.('xdp:xdp_devmap_xmit', xdpDevmapXmit(this.device.ifindex, target.ifindex, sentFrames, frames - sentFrames, 0));
    }
    this.redirectTargets.fill(undefined, 0, n);
  }

  /**
   * dev_map_bpf_prog_run: a devmap entry's program runs on the frame about
   * to leave by device `egressIfindex`, on CPU `cpu`, as received on this
   * device with rx_queue_index 0 (the kernel's xdp_frame keeps no queue). It
   * runs on a copy in the egress slot, so each device of a broadcast sees
   * the frame as the ingress program left it. Returns the slot to go on
   * from, or -1 when the program did not pass the frame: XDP_DROP frees it,
   * anything else (XDP_TX and XDP_REDIRECT too) is an exception.
   */
  private runDevmapProgram(slot: number, programId: number, egressIfindex: number, cpu: number): number {
    const arena = this.context.arena;
    const egress = this.egressSlot;
    arena.copy(slot, egress);
    this.slotFrame[egress] = this.slotFrame[slot]!;
    const action = this.redirects.runEntry(egress, programId, egressIfindex, cpu, 0);
    if (action === XDP_PASS) return egress;
    if (action !== XDP_DROP) this.redirects.entryException(programId, action, egressIfindex);
    this.sinks.drop(this.device, this.queue, action, this.u8, arena.data[egress]!, arena.dataEnd[egress]!, arena.frags[egress]!, this.slotFrame[egress]!);
    return -1;
  }
}
