import { BatchFault, type ExecutionContext, type Executable } from '../engine/index.js';
import type { BpfMap } from '../maps/map.js';
import { BPF_F_XDP_HAS_FRAGS, XDP_ABORTED, XDP_DROP, XDP_PACKET_HEADROOM, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../uapi/bpf.js';
import { ENOSPC } from '../uapi/errno.js';
import { XDP_BATCH } from '../xdp/arena.js';
import { XDP_FRAME_SIZE, XDP_MAX_LINEAR, XDP_TAILROOM } from '../xdp/constants.js';
import { RX, RX_STRIDE, TX, TX_STRIDE, VERDICT_INVALID, VERDICT_REDIRECT_ERRORS, VERDICT_STRIDE } from './counters.js';
import { CpumapRings, type CpumapKthread } from './cpumap.js';
import type { VirtualNic } from './device.js';
import { receiveWhileDown } from './down.js';
import { NicConfigError } from './errors.js';
import { driverRefuses, REDIRECT_BROADCAST, REDIRECT_CPU, REDIRECT_DEVICE, REDIRECT_XSK, Redirects, xdpOkFwdDev } from './redirect.js';
import type { FrameBatch, RxPath } from './rx.js';
import type { NicEvents, XdpSinks } from './sinks.js';
import { DISCARD_SINKS } from './sinks.js';
import type { Topology } from './topology.js';
import { xdpException } from './trace.js';

// The socket buffer generic XDP runs on, as x86-64 Linux 6.18 lays it out.
// These are kernel-internal sizes src/uapi does not generate (yet).
/** NET_SKB_PAD: the headroom a driver reserves in the skbs it builds (NET_IP_ALIGN is 0 on x86-64). */
const NET_SKB_PAD = 64;
/** SMP_CACHE_BYTES: the unit SKB_DATA_ALIGN rounds up to. */
const SMP_CACHE_BYTES = 64;
/** The object size of the skbuff_small_head cache (/proc/slabinfo): smaller heads come from it, larger from kmalloc. */
const SKB_SMALL_HEAD_CACHE_SIZE = 576;

function skbDataAlign(n: number): number {
  return (n + SMP_CACHE_BYTES - 1) & -SMP_CACHE_BYTES;
}

/**
 * kmalloc_reserve for an skb head of `size` bytes, as __alloc_skb and
 * pskb_expand_head use it: the head's end offset (the object's size less the
 * shared info). Objects past the small-head cache come from the kmalloc
 * caches (1k, 2k, 4k, 8k) or whole pages: a power of two either way.
 */
export function kmallocHeadEnd(size: number): number {
  const object = skbDataAlign(size) + XDP_TAILROOM;
  if (object <= SKB_SMALL_HEAD_CACHE_SIZE) return SKB_SMALL_HEAD_CACHE_SIZE - XDP_TAILROOM;
  return 2 ** Math.ceil(Math.log2(object)) - XDP_TAILROOM;
}

/**
 * The end offset of the skb a driver builds for a frame of `length` bytes
 * with napi_alloc_skb (NET_SKB_PAD of headroom): from kmalloc when small or
 * past a page, else a page fragment of SKB_HEAD_ALIGN(length + headroom).
 */
function napiSkbEnd(length: number): number {
  const size = length + NET_SKB_PAD;
  if (size <= XDP_FRAME_SIZE / 4 - XDP_TAILROOM || size > XDP_FRAME_SIZE - XDP_TAILROOM) return kmallocHeadEnd(size);
  return skbDataAlign(size);
}

/** netif_skb_check_for_xdp: the headroom pskb_expand_head leaves an skb with `headroom`, at least XDP_PACKET_HEADROOM. */
export function xdpHeadroom(headroom: number): number {
  return headroom >= XDP_PACKET_HEADROOM ? headroom : headroom + skbDataAlign(XDP_PACKET_HEADROOM - headroom);
}

/**
 * The frame_sz generic XDP gives a linear skb of headroom `headroom` and end
 * offset `end` after netif_skb_check_for_xdp has moved it into a new head
 * with XDP_PACKET_HEADROOM at least: the new head's end plus the shared info.
 */
export function expandedFrameSize(headroom: number, end: number): number {
  return kmallocHeadEnd(end + xdpHeadroom(headroom) - headroom) + XDP_TAILROOM;
}

/**
 * frame_sz of the xdp_buff bpf_prog_run_generic_xdp builds for a frame of
 * `length` bytes the driver received with napi_alloc_skb, whose 64 bytes of
 * headroom are too few for XDP. For a program without fragments (see
 * expandedFrameSize) the head is reallocated with 192 more bytes in front
 * and the skb stays linear whatever its length, so headroom is 256 as in
 * native mode, but the tailroom follows kmalloc's sizes (a 64-byte frame
 * gets a 1024-byte head: 384 bytes to grow into, not 3456; a 9000-byte one
 * a 32 KiB head, past a page). For a frags-aware program skb_pp_cow_data
 * copies the frame into a page_pool buffer of SKB_HEAD_ALIGN(linear) + 256
 * bytes, a whole page when two would not fit in one (the first fragment of a
 * page is assumed: one carved off a partly used page may get the rest of
 * that page too), holding at most 3520 bytes, and the rest into page
 * fragments.
 */
export function genericFrameSize(length: number, frags: boolean): number {
  if (!frags) return expandedFrameSize(NET_SKB_PAD, napiSkbEnd(length));
  const truesize = skbDataAlign(Math.min(length, XDP_MAX_LINEAR)) + XDP_TAILROOM + XDP_PACKET_HEADROOM;
  return truesize * 2 > XDP_FRAME_SIZE ? XDP_FRAME_SIZE : truesize;
}

export interface GenericRxQueueOptions {
  device: VirtualNic;
  queue: number;
  /** The namespace bpf_redirect(ifindex) and device map entries resolve in. */
  topology: Topology;
  /** The generic-mode program, and the context (one CPU's) it runs in; the context's arena holds the poll's frames. */
  executable: Executable;
  context: ExecutionContext;
  /** The program's id, for trace lines. */
  progId: number;
  /** Map ids, for trace lines (see objectMapIds). */
  mapIds: ReadonlyMap<BpfMap, number>;
  /** The program a devmap or cpumap entry names by id (see RxQueueOptions.entryProgram). */
  entryProgram: (programId: number) => Executable;
  sinks?: XdpSinks;
  events?: NicEvents;
}

/**
 * One RX queue of a virtual NIC whose program is attached in generic mode
 * (XDP_FLAGS_SKB_MODE): the driver builds an skb for every frame, and the
 * core receive path runs the program on it (do_xdp_generic), in a socket
 * buffer laid out as genericFrameSize says, and acts on the verdict at once:
 * XDP_TX and every redirect to a device go out through generic_xdp_tx, the
 * device's own transmit bypassing its qdisc, which needs no XDP support of
 * the target (a veth whose peer has no program takes them). A poll's frames
 * are run in one batch first, then acted on in order; a frame whose linear
 * skb is past a page runs alone in the context's large slot, after the
 * frames before it have been run and acted on. A device that is down runs
 * nothing (receiveWhileDown).
 *
 * Counters: generic XDP moves no driver XDP counter; the driver counts what
 * it received (packets, bytes, length_errors) and what it sent (TX packets
 * and bytes on the queue the frame leaves by), and xdpsim counts the
 * program's verdicts.
 */
export class GenericRxQueue implements RxPath {
  readonly device: VirtualNic;
  readonly queue: number;
  /** Frames one poll takes at most: NAPI's 64, or the context's page slots when fewer (entry programs run on the skb itself, in its slot). */
  readonly budget: number;
  private readonly executable: Executable;
  private readonly context: ExecutionContext;
  private readonly progId: number;
  private readonly sinks: XdpSinks;
  private readonly events: NicEvents;
  private readonly redirects: Redirects;
  /** Whether the program takes fragments: it then gets the skb as skb_pp_cow_data copies it, and the driver's rule for frame lengths is unchanged. */
  private readonly frags: boolean;
  private readonly u8: Uint8Array;
  /** Per slot, the large one included: the verdict, and the index in the polled batch of the frame loaded there (the sinks' `frame`). */
  private readonly verdicts: Uint32Array;
  private readonly slotFrame: Int32Array;
  private readonly cpumap: CpumapRings;
  /** What the cpumap kthreads do with this queue's skbs, bound once. */
  private readonly kthread: CpumapKthread;

  constructor(options: GenericRxQueueOptions) {
    this.device = options.device;
    this.queue = options.queue;
    this.executable = options.executable;
    this.context = options.context;
    this.progId = options.progId;
    this.sinks = options.sinks ?? DISCARD_SINKS;
    this.events = options.events ?? {};
    this.redirects = new Redirects({ ...options, events: this.events });
    this.frags = ((options.executable.program.sectionDef?.progFlags ?? 0) & BPF_F_XDP_HAS_FRAGS) !== 0;
    this.u8 = options.context.memory.u8;
    const arena = options.context.arena;
    // The core registers each RX queue's xdp_rxq_info with frag_size 0: a fragment cannot grow (checked on 6.18).
    arena.fragSize = 0;
    this.budget = Math.min(XDP_BATCH, arena.slots);
    if (this.budget < 1) throw new NicConfigError('an RX queue needs a context with a frame slot or more');
    this.verdicts = new Uint32Array(arena.largeSlot + 1);
    this.slotFrame = new Int32Array(arena.largeSlot + 1);
    this.cpumap = new CpumapRings(this.budget + 1, this.device, this.queue, this.context, this.slotFrame, this.sinks, this.events);
    this.kthread = {
      // cpu_map_bpf_prog_run_skb: XDP_ABORTED and invalid actions fire xdp_exception, naming the device the skb came in on.
      run: (slot, programId, cpu) => {
        const action = this.runEntry(slot, programId, 0, cpu);
        if (action !== XDP_PASS && action !== XDP_DROP && action !== XDP_REDIRECT) this.redirects.entryException(programId, action, this.device.ifindex);
        return action;
      },
      redirect: (slot, programId, cpu) => this.redirect(slot, programId, cpu),
      // What xdp_do_generic_redirect sends leaves at once: nothing is bulked for xdp_do_flush.
      flush: () => {},
    };
  }

  poll(batch: FrameBatch, which: ArrayLike<number>, count: number): void {
    if (count > this.budget) throw new RangeError(`a poll takes at most ${this.budget} frames, not ${count}`);
    const dev = this.device;
    if (!dev.up) {
      receiveWhileDown(dev, this.queue, count);
      return;
    }
    const rx = dev.counters.rx;
    const base = this.queue * RX_STRIDE;
    const arena = this.context.arena;
    let loaded = 0;
    let acted = 0;
    for (let i = 0; i < count; i++) {
      const at = which[i]!;
      const length = batch.capLen[at]!;
      rx[base + RX.packets]! += 1;
      rx[base + RX.bytes]! += length;
      // The driver has no program in generic mode: its length rule is the one for a program without fragments.
      if (driverRefuses(dev, length)) {
        rx[base + RX.length_errors]! += 1;
        continue;
      }
      const frameSize = genericFrameSize(length, this.frags);
      if (frameSize > XDP_FRAME_SIZE) {
        this.runAndAct(acted, loaded);
        acted = loaded;
        this.receiveLarge(batch, at, length, frameSize);
        continue;
      }
      arena.load(loaded, batch.bytes, batch.offset[at]!, length, frameSize);
      this.slotFrame[loaded] = at;
      loaded++;
    }
    this.runAndAct(acted, loaded);
    if (this.cpumap.pending) this.cpumap.runKthreads(this.kthread);
  }

  /**
   * A frame netif_skb_check_for_xdp makes a linear skb past a page: loaded
   * into the large slot and run and acted on alone. The kthreads first take
   * what the CPU maps hold, which may be the last frame that lay there (the
   * generic path wakes a kthread with each skb it puts on its ring).
   */
  private receiveLarge(batch: FrameBatch, at: number, length: number, frameSize: number): void {
    const large = this.context.arena.largeSlot;
    if (this.cpumap.pending) this.cpumap.runKthreads(this.kthread);
    this.context.arena.load(large, batch.bytes, batch.offset[at]!, length, frameSize);
    this.slotFrame[large] = at;
    this.runAndAct(large, large + 1);
  }

  /** Runs slots `first` .. `end` - 1 and acts on each verdict, in order. */
  private runAndAct(first: number, end: number): void {
    if (first === end) return;
    this.run(first, end);
    const counts = this.device.counters.verdicts;
    const verdictBase = this.queue * VERDICT_STRIDE;
    for (let slot = first; slot < end; slot++) {
      const verdict = this.verdicts[slot]!;
      counts[verdictBase + (verdict <= XDP_REDIRECT ? verdict : VERDICT_INVALID)]! += 1;
      this.act(slot, verdict);
    }
  }

  /** Runs slots `first` .. `end` - 1; a faulting frame is counted as aborted and the batch runs on after it. */
  private run(first: number, end: number): void {
    const dev = this.device;
    while (first < end) {
      try {
        this.executable.runBatch(this.context, first, end - first, dev.ifindex, this.queue, this.verdicts);
        return;
      } catch (e) {
        if (!(e instanceof BatchFault)) throw e;
        this.verdicts[e.slot] = XDP_ABORTED;
        this.events.exception?.(dev, this.queue, `program fault on ${dev.name} RX queue ${this.queue}: ${e.message}`);
        first = e.slot + 1;
      }
    }
  }

  /** netif_receive_generic_xdp and do_xdp_generic: what becomes of the skb. */
  private act(slot: number, verdict: number): void {
    switch (verdict) {
      case XDP_PASS: {
        const arena = this.context.arena;
        this.sinks.pass(this.device, this.queue, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
        return;
      }
      case XDP_TX:
        this.transmit(slot, this.device, XDP_TX);
        return;
      case XDP_REDIRECT:
        // A failed redirect frees the skb (SKB_DROP_REASON_XDP); no device counts it.
        if (this.redirect(slot, this.progId, this.context.cpu) !== 0) this.failed(slot, XDP_REDIRECT);
        return;
      case XDP_DROP:
        this.drop(slot, verdict);
        return;
      default:
        // XDP_ABORTED, and any action past XDP_REDIRECT: bpf_warn_invalid_xdp_action, then handled as aborted.
        this.events.trace?.('xdp:xdp_exception', xdpException(this.progId, verdict, this.device.ifindex));
        this.drop(slot, verdict);
    }
  }

  /** A redirected frame not sent: freed, and counted in xdpsim's own verdict counts (no device counts it). */
  private failed(slot: number, verdict: typeof XDP_REDIRECT): void {
    this.device.counters.verdicts[this.queue * VERDICT_STRIDE + VERDICT_REDIRECT_ERRORS]! += 1;
    this.drop(slot, verdict);
  }

  private drop(slot: number, verdict: number): void {
    const arena = this.context.arena;
    this.sinks.drop(this.device, this.queue, verdict, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
  }

  /**
   * generic_xdp_tx: the skb leaves `target` at once, bypassing its qdisc, by
   * the TX queue netdev_pick_tx picks for it: the RX queue the driver recorded,
   * reduced modulo the target's TX queues. The target is up: this device,
   * which runs the program, or one xdp_ok_fwd_dev let the frame through to.
   * `verdict` is XDP_TX or XDP_REDIRECT, for the sinks.
   */
  private transmit(slot: number, target: VirtualNic, verdict: typeof XDP_TX | typeof XDP_REDIRECT): void {
    const arena = this.context.arena;
    const start = arena.data[slot]!;
    const end = arena.dataEnd[slot]!;
    const frags = arena.frags[slot]!;
    const txQueue = this.queue % target.txQueues;
    const tx = target.counters.tx;
    const txBase = txQueue * TX_STRIDE;
    tx[txBase + TX.packets]! += 1;
    tx[txBase + TX.bytes]! += arena.frameLength(slot);
    if (verdict === XDP_TX) this.sinks.tx(target, txQueue, this.u8, start, end, frags, this.slotFrame[slot]!);
    else this.sinks.redirect(this.device, target, txQueue, this.u8, start, end, frags, this.slotFrame[slot]!);
  }

  /**
   * xdp_do_generic_redirect: sends the frame in `slot`, redirected by program
   * `progId` (this queue's, or a cpumap entry's on CPU `cpu`'s kthread), on
   * to its target(s) at once; 0, or the negative errno it fails with.
   */
  private redirect(slot: number, progId: number, cpu: number): number {
    const r = this.redirects;
    // The skb keeps the RX queue its driver recorded, which an AF_XDP socket must be bound to.
    let err = r.resolve(slot, this.queue);
    if (err === 0) {
      const arena = this.context.arena;
      // skb->len: the frame from its MAC header, fragments included, without the metadata.
      const length = arena.frameLength(slot);
      switch (r.kind) {
        case REDIRECT_DEVICE:
          err = xdpOkFwdDev(r.target!, length);
          if (err === 0) this.toDevmapEntry(slot, r.target!, r.programId, cpu);
          break;
        case REDIRECT_BROADCAST:
          err = this.broadcast(slot, length, cpu);
          break;
        case REDIRECT_XSK:
          // xsk_generic_rcv: copy mode, into the socket's RX ring at once.
          this.sinks.xsk(this.device, this.queue, r.socket, this.u8, arena.data[slot]!, arena.dataEnd[slot]!, arena.frags[slot]!, this.slotFrame[slot]!);
          break;
        case REDIRECT_CPU:
          // cpu_map_generic_redirect: onto the CPU's ring at once; a full ring refuses it.
          err = this.cpumap.produce(slot, r.mapIndex, r.qsize, r.programId, r.mapId, cpu) ? 0 : -ENOSPC;
          break;
      }
    }
    return r.trace(err, progId);
  }

  /**
   * dev_map_redirect_multi: a clone of the skb to each entry's device in the
   * map's order (the original to the last). Unlike the native path, an entry
   * whose device cannot take it (down, or the frame past its MTU) ends the
   * walk with its error: the copies already sent stay sent, and the frame is
   * counted as a failed redirect.
   */
  private broadcast(slot: number, length: number, cpu: number): number {
    const r = this.redirects;
    const targets = r.broadcastTargets;
    const programs = r.broadcastPrograms;
    for (let i = 0; i < targets.length; i++) {
      const err = xdpOkFwdDev(targets[i]!, length);
      if (err !== 0) return err;
      this.toDevmapEntry(slot, targets[i]!, programs[i]!, cpu);
    }
    return 0;
  }

  /**
   * dev_map_generic_redirect, once xdp_ok_fwd_dev has let the frame through:
   * the entry's program runs on the skb itself, on CPU `cpu` (a clone of a
   * broadcast shares the original's bytes, so what one entry's program
   * writes the next entries see, while each clone's ends are its own), then
   * generic_xdp_tx sends what it passed. A frame the program does not pass
   * is still a redirect that succeeded: XDP_DROP frees it, anything else is
   * an exception naming the entry's device (dev_map_bpf_prog_run_skb).
   */
  private toDevmapEntry(slot: number, target: VirtualNic, programId: number, cpu: number): void {
    if (programId === 0) {
      this.transmit(slot, target, XDP_REDIRECT);
      return;
    }
    const arena = this.context.arena;
    const data = arena.data[slot]!;
    const dataEnd = arena.dataEnd[slot]!;
    const dataMeta = arena.dataMeta[slot]!;
    const action = this.runEntry(slot, programId, target.ifindex, cpu);
    if (action === XDP_PASS) {
      this.transmit(slot, target, XDP_REDIRECT);
    } else {
      if (action !== XDP_DROP) this.redirects.entryException(programId, action, target.ifindex);
      this.drop(slot, action);
    }
    arena.data[slot] = data;
    arena.dataEnd[slot] = dataEnd;
    arena.dataMeta[slot] = dataMeta;
  }

  /**
   * dev_map_bpf_prog_run_skb and cpu_map_bpf_prog_run_skb: an entry's program
   * runs on the skb in its slot, from the MAC header and with no metadata
   * (bpf_prog_run_generic_xdp prepares a new xdp_buff), as received on this
   * device and queue, since the skb keeps the RX queue its driver recorded.
   * Returns its action.
   */
  private runEntry(slot: number, programId: number, egressIfindex: number, cpu: number): number {
    const arena = this.context.arena;
    arena.dataMeta[slot] = arena.data[slot]!;
    return this.redirects.runEntry(slot, programId, egressIfindex, cpu, this.queue);
  }
}
