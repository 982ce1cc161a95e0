import type { ExecutionContext, Executable } from '../engine/index.js';
import { RuntimeError } from '../vm/errors.js';
import { CpuMap } from '../maps/cpumap.js';
import { DevMap, DevMapHash, type DevmapEntry } from '../maps/devmap.js';
import type { BpfMap } from '../maps/map.js';
import { XskMap, xskRxFrameSize } from '../maps/xskmap.js';
import { BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS, XDP_ABORTED } from '../uapi/bpf.js';
import { EBADRQC, EINVAL, EMSGSIZE, ENETDOWN, ENOSPC } from '../uapi/errno.js';
import { ETH_HLEN } from '../uapi/if-ether.js';
import type { VirtualNic } from './device.js';
import type { NicEvents } from './sinks.js';
import type { Topology } from './topology.js';
import { REDIRECT_IFINDEX_MAP_ID, xdpException, xdpRedirect } from './trace.js';

/** VLAN_HLEN: one 802.1Q tag, which a device's frames may carry beyond its MTU and hard header. */
const VLAN_HLEN = 4;

/** The longest frame a device takes or sends: its MTU, L2 header and one VLAN tag (is_skb_forwardable; veth_xdp_xmit's max_len). */
export function maxFrameLength(dev: VirtualNic): number {
  return dev.mtu + ETH_HLEN + VLAN_HLEN;
}

/**
 * Whether a driver refuses a frame of `length` bytes before any XDP: shorter
 * than an Ethernet header, or past maxFrameLength, whatever the program
 * (checked on a 6.18 veth: a 9000-byte frame at MTU 1500 is dropped before
 * an xdp.frags program; fragments only let such a program run at a larger MTU).
 */
export function driverRefuses(dev: VirtualNic, length: number): boolean {
  return length < ETH_HLEN || length > maxFrameLength(dev);
}

/** xdp_ok_fwd_dev: a device takes a forwarded frame when it is up (-ENETDOWN) and the frame fits its MTU, L2 header and a VLAN tag (-EMSGSIZE). */
export function xdpOkFwdDev(target: VirtualNic, length: number): number {
  if (!target.up) return -ENETDOWN;
  if (length > maxFrameLength(target)) return -EMSGSIZE;
  return 0;
}

/** What a redirect resolved to (Redirects.kind). */
export const REDIRECT_DEVICE = 0;
export const REDIRECT_BROADCAST = 1;
export const REDIRECT_XSK = 2;
export const REDIRECT_CPU = 3;

export interface RedirectsOptions {
  device: VirtualNic;
  queue: number;
  topology: Topology;
  context: ExecutionContext;
  mapIds: ReadonlyMap<BpfMap, number>;
  /** The program a devmap or cpumap entry names by id, compiled to run in `context`. */
  entryProgram: (programId: number) => Executable;
  events: NicEvents;
}

/**
 * What the native and generic receive paths share of XDP_REDIRECT: finding
 * the target bpf_redirect or bpf_redirect_map recorded for a frame (a
 * device, a devmap entry or every entry of a broadcast, an AF_XDP socket, a
 * CPU's ring), the xdp:xdp_redirect and xdp_redirect_err lines, and running
 * the program a devmap or cpumap entry carries. What each path then does
 * with the frame (queue it for ndo_xdp_xmit, or send it at once through
 * generic_xdp_tx) stays with the path.
 */
export class Redirects {
  /** After resolve: what the target is, and what the trace line names. */
  kind = REDIRECT_DEVICE;
  /** REDIRECT_DEVICE: the device, and the devmap entry's program id (0 for none or for bpf_redirect(ifindex)). */
  target: VirtualNic | undefined = undefined;
  programId = 0;
  /** REDIRECT_BROADCAST: the entries' devices that exist and are not excluded, and their programs, in the map's order. */
  readonly broadcastTargets: VirtualNic[] = [];
  readonly broadcastPrograms: number[] = [];
  /** REDIRECT_XSK: the socket's id. REDIRECT_CPU: the entry's queue size. */
  socket = 0;
  qsize = 0;
  /** The trace line's to_ifindex, map_id and map_index; map_index is the CPU for a cpumap. */
  toIfindex = 0;
  mapId = 0;
  mapIndex = 0;
  private readonly device: VirtualNic;
  private readonly queue: number;
  private readonly topology: Topology;
  private readonly context: ExecutionContext;
  private readonly mapIds: ReadonlyMap<BpfMap, number>;
  private readonly entryProgram: (programId: number) => Executable;
  private readonly events: NicEvents;

  constructor(options: RedirectsOptions) {
    this.device = options.device;
    this.queue = options.queue;
    this.topology = options.topology;
    this.context = options.context;
    this.mapIds = options.mapIds;
    this.entryProgram = options.entryProgram;
    this.events = options.events;
  }

  /**
   * Finds the target recorded for the frame in `slot`: 0, with `kind` and its
   * fields set, or the negative errno the redirect fails with before any
   * device is asked: no such device, a socket not bound to `rxQueue` (the RX
   * queue the frame is seen on) or unable to take the frame, a CPU without
   * an entry.
   */
  resolve(slot: number, rxQueue: number): number {
    const arena = this.context.arena;
    const map = arena.redirectMap[slot];
    this.target = undefined;
    this.programId = 0;
    if (map === undefined) {
      const ifindex = arena.redirectIfindex[slot]!;
      this.kind = REDIRECT_DEVICE;
      this.setTrace(ifindex, REDIRECT_IFINDEX_MAP_ID, 0);
      this.target = this.topology.byIfindex(ifindex);
      return this.target === undefined ? -EINVAL : 0;
    }
    const key = arena.redirectKey[slot]!;
    const mapId = this.mapIds.get(map) ?? 0;
    if (map instanceof DevMap || map instanceof DevMapHash) {
      if (arena.redirectFlags[slot]! & BPF_F_BROADCAST) {
        this.kind = REDIRECT_BROADCAST;
        this.setTrace(0, mapId, key);
        this.walk(map, (arena.redirectFlags[slot]! & BPF_F_EXCLUDE_INGRESS) !== 0);
        return 0;
      }
      const ifindex = map.ifindexAt(key);
      this.kind = REDIRECT_DEVICE;
      this.setTrace(ifindex, mapId, key);
      this.programId = map.programIdAt(key);
      this.target = ifindex === 0 ? undefined : this.topology.byIfindex(ifindex);
      return this.target === undefined ? -EINVAL : 0;
    }
    this.setTrace(0, mapId, key);
    if (map instanceof XskMap) {
      this.kind = REDIRECT_XSK;
      return this.findSocket(map, key, rxQueue, slot);
    }
    if (map instanceof CpuMap) {
      this.kind = REDIRECT_CPU;
      this.qsize = map.qsizeAt(key);
      if (this.qsize === 0) return -EINVAL;
      this.programId = map.programIdAt(key);
      return 0;
    }
    // bpf_redirect_map records no other map type (isRedirectMap); __xdp_do_redirect_frame's answer to one.
    return -EBADRQC;
  }

  /**
   * The xdp:xdp_redirect line for what resolve found, or xdp_redirect_err
   * when `err` is not 0, naming the program that redirected (the receive
   * path's own, or a cpumap entry's); returns `err`.
   */
  trace(err: number, progId: number): number {
    if (this.events.trace !== undefined) {
      const line = xdpRedirect(progId, this.device.ifindex, this.toIfindex, err, this.mapId, this.mapIndex);
      this.events.trace(err === 0 ? 'xdp:xdp_redirect' : 'xdp:xdp_redirect_err', line);
    }
    return err;
  }

  private setTrace(toIfindex: number, mapId: number, mapIndex: number): void {
    this.toIfindex = toIfindex;
    this.mapId = mapId;
    this.mapIndex = mapIndex;
  }

  /**
   * The entries a broadcast goes to, in the map's order: every entry's device
   * but the ingress one with BPF_F_EXCLUDE_INGRESS (the simulated devices have
   * no upper devices to exclude too); an entry whose device is gone is skipped.
   */
  private walk(map: DevMap | DevMapHash, excludeIngress: boolean): void {
    const entries: DevmapEntry[] = [];
    if (map instanceof DevMap) {
      for (let i = 0; i < map.spec.maxEntries; i++) {
        const entry = map.deviceAt(i);
        if (entry !== undefined) entries.push(entry);
      }
    } else {
      for (const [k] of map.entries()) {
        const entry = map.deviceAt(new DataView(k.buffer, k.byteOffset).getUint32(0, true));
        if (entry !== undefined) entries.push(entry);
      }
    }
    this.broadcastTargets.length = 0;
    this.broadcastPrograms.length = 0;
    for (const entry of entries) {
      if (excludeIngress && entry.ifindex === this.device.ifindex) continue;
      const target = this.topology.byIfindex(entry.ifindex);
      if (target === undefined) continue;
      this.broadcastTargets.push(target);
      this.broadcastPrograms.push(entry.programId);
    }
  }

  /**
   * xsk_rcv_check: the socket must be bound to the RX queue the frame is seen
   * on (-EINVAL), and a frame longer than one of its chunks holds
   * (xsk_pool_get_rx_frame_size), fragments included, is refused with
   * -ENOSPC unless the socket was bound with XDP_USE_SG (it then takes it
   * as several descriptors, __xsk_rcv); a multi-buffer frame that fits one
   * chunk goes into one descriptor either way. The xskmap records a
   * socket's queue but not its device: a socket is taken to be bound to the
   * device whose program redirects to it.
   */
  private findSocket(map: XskMap, key: number, rxQueue: number, slot: number): number {
    const socket = map.socketAt(key);
    if (socket === undefined || socket.queueId !== rxQueue) return -EINVAL;
    if (!socket.sg && this.context.arena.frameLength(slot) > xskRxFrameSize(socket)) return -ENOSPC;
    this.socket = socket.id;
    return 0;
  }

  /**
   * Runs the program a devmap entry (egressIfindex, the device it sends by)
   * or a cpumap entry (egressIfindex 0, on CPU `cpu`'s kthread) carries on the
   * frame in `slot`, as received on this device and RX queue `rxQueue`, and
   * returns its action; a fault is reported and returns XDP_ABORTED. What
   * the caller does with the action, and which actions fire xdp_exception
   * (entryException), differ between the maps and the modes.
   */
  runEntry(slot: number, programId: number, egressIfindex: number, cpu: number, rxQueue: number): number {
    const context = this.context;
    const ownCpu = context.cpu;
    context.cpu = cpu;
    try {
      return this.entryProgram(programId).run(context, slot, this.device.ifindex, rxQueue, egressIfindex);
    } catch (e) {
      if (!(e instanceof RuntimeError)) throw e;
      const where = egressIfindex !== 0 ? `devmap entry program for ifindex ${egressIfindex}` : `cpumap entry program for CPU ${cpu}`;
      this.events.exception?.(this.device, this.queue, `${where}: program fault: ${e.message}`);
      return XDP_ABORTED;
    } finally {
      context.cpu = ownCpu;
    }
  }

  /** xdp:xdp_exception for entry program `programId`'s `action`, naming device `ifindex`. */
  entryException(programId: number, action: number, ifindex: number): void {
    this.events.trace?.('xdp:xdp_exception', xdpException(programId, action, ifindex));
  }
}
