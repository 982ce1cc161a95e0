import type { ExecutionContext, Executable } from '../engine/index.js';
import { RuntimeError } from '../vm/errors.js';
import { CpuMap } from '../maps/cpumap.js';
import { DevMap, DevMapHash, type DevmapEntry } from '../maps/devmap.js';
import type { BpfMap } from '../maps/map.js';
import { XskMap } from '../maps/xskmap.js';
import { BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS, XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_REDIRECT } from '../uapi/bpf.js';
import { EINVAL, EMSGSIZE, ENETDOWN, EOPNOTSUPP } from '../uapi/errno.js';
import { ETH_HLEN } from '../uapi/if-ether.js';
import type { VirtualNic } from './device.js';
import type { NicEvents, XdpSinks } from './sinks.js';
import type { Topology } from './topology.js';
import { REDIRECT_IFINDEX_MAP_ID, xdpCpumapEnqueue, xdpCpumapKthread, xdpException, xdpRedirect } from './trace.js';

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
  progId: number;
  mapIds: ReadonlyMap<BpfMap, number>;
  entryProgram: ((programId: number) => Executable | undefined) | undefined;
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
  private readonly progId: number;
  private readonly mapIds: ReadonlyMap<BpfMap, number>;
  private readonly entryProgram: ((programId: number) => Executable | undefined) | undefined;
  private readonly events: NicEvents;

  constructor(options: RedirectsOptions) {
    this.device = options.device;
    this.queue = options.queue;
    this.topology = options.topology;
    this.context = options.context;
    this.progId = options.progId;
    this.mapIds = options.mapIds;
    this.entryProgram = options.entryProgram;
    this.events = options.events;
  }

  /**
   * Finds the target recorded for the frame in `slot`: 0, with `kind` and its
   * fields set, or the negative errno the redirect fails with before any
   * device is asked (no such device, a socket of another queue, a CPU without
   * an entry, or a target the simulator does not model yet).
   */
  resolve(slot: number): number {
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
        return this.walk(map, (arena.redirectFlags[slot]! & BPF_F_EXCLUDE_INGRESS) !== 0);
      }
      const ifindex = map.ifindexAt(key);
      this.kind = REDIRECT_DEVICE;
      this.setTrace(ifindex, mapId, key);
      this.programId = map.programIdAt(key);
      if (this.programId !== 0 && this.entryProgram === undefined) {
        return this.unsimulated(`a devmap entry's program (map '${map.spec.name}', key ${key})`);
      }
      this.target = ifindex === 0 ? undefined : this.topology.byIfindex(ifindex);
      return this.target === undefined ? -EINVAL : 0;
    }
    this.setTrace(0, mapId, key);
    if (map instanceof XskMap) {
      this.kind = REDIRECT_XSK;
      return this.findSocket(map, key);
    }
    if (map instanceof CpuMap) {
      this.kind = REDIRECT_CPU;
      this.qsize = map.qsizeAt(key);
      if (this.qsize === 0) return -EINVAL;
      this.programId = map.programIdAt(key);
      if (this.programId !== 0 && this.entryProgram === undefined) {
        return this.unsimulated(`a cpumap entry's program (map '${map.spec.name}', CPU ${key})`);
      }
      return 0;
    }
    return this.unsimulated(`redirect into map '${map.spec.name}'`);
  }

  /** The xdp:xdp_redirect line for what resolve found, or xdp_redirect_err when `err` is not 0; returns `err`. */
  trace(err: number): number {
    if (this.events.trace !== undefined) {
      const line = xdpRedirect(this.progId, this.device.ifindex, this.toIfindex, err, this.mapId, this.mapIndex);
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
  private walk(map: DevMap | DevMapHash, excludeIngress: boolean): number {
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
    if (this.entryProgram === undefined && entries.some((e) => e.programId !== 0)) {
      return this.unsimulated(`a devmap entry's program (map '${map.spec.name}', broadcast)`);
    }
    for (const entry of entries) {
      if (excludeIngress && entry.ifindex === this.device.ifindex) continue;
      const target = this.topology.byIfindex(entry.ifindex);
      if (target === undefined) continue;
      this.broadcastTargets.push(target);
      this.broadcastPrograms.push(entry.programId);
    }
    return 0;
  }

  /**
   * xsk_rcv_check: the socket must be bound to this queue (-EINVAL). The
   * xskmap records a socket's queue but not its device: a socket is taken to
   * be bound to the device whose program redirects to it.
   */
  private findSocket(map: XskMap, key: number): number {
    const socket = map.socketAt(key);
    if (socket === undefined || socket.queueId !== this.queue) return -EINVAL;
    this.socket = socket.id;
    return 0;
  }

  /** A redirect target the simulator does not model yet: it fails as a redirect error, and says why. */
  private unsimulated(what: string): number {
    this.events.exception?.(this.device, this.queue, `${what} is not simulated yet: frame dropped`);
    return -EOPNOTSUPP;
  }

  /**
   * Runs the program a devmap entry (egressIfindex, the device it sends by)
   * or a cpumap entry (egressIfindex 0, on CPU `cpu`'s kthread) carries on the
   * frame in `slot`, as received on this device and RX queue `rxQueue`, and
   * returns its action. What the devmap and cpumap handle as an exception
   * (anything but XDP_PASS and XDP_DROP, a fault, a program the object does
   * not have, and XDP_REDIRECT from a cpumap program, not simulated yet) is
   * reported here; the caller frees the frame when the action is not XDP_PASS.
   */
  runEntry(slot: number, programId: number, egressIfindex: number, cpu: number, rxQueue: number): number {
    const executable = this.entryProgram?.(programId);
    const where = egressIfindex !== 0 ? `devmap entry program for ifindex ${egressIfindex}` : `cpumap entry program for CPU ${cpu}`;
    let action: number;
    if (executable === undefined) {
      this.events.exception?.(this.device, this.queue, `${where}: id ${programId} is not a program of the object: frame dropped`);
      action = XDP_ABORTED;
    } else {
      const context = this.context;
      const ownCpu = context.cpu;
      context.cpu = cpu;
      try {
        action = executable.run(context, slot, this.device.ifindex, rxQueue, egressIfindex);
      } catch (e) {
        if (!(e instanceof RuntimeError)) throw e;
        this.events.exception?.(this.device, this.queue, `${where}: program fault: ${e.message}`);
        action = XDP_ABORTED;
      } finally {
        context.cpu = ownCpu;
      }
    }
    if (action === XDP_PASS || action === XDP_DROP) return action;
    if (action === XDP_REDIRECT && egressIfindex === 0) {
      this.events.exception?.(this.device, this.queue, `${where}: XDP_REDIRECT from a cpumap program is not simulated yet: frame dropped`);
    } else {
      // The exception names the device the devmap program sends by, or for a cpumap program the one the frame came in on.
      this.events.trace?.('xdp:xdp_exception', xdpException(programId, action, egressIfindex !== 0 ? egressIfindex : this.device.ifindex));
    }
    return action;
  }
}

/**
 * The cpumap rings one poll fills: each frame redirected into a cpumap,
 * with its target CPU, the entry's queue size and program and the map's id;
 * then, at the end of the poll, each target CPU's kthread in turn takes its
 * frames off the ring, runs the entry's program, if any, as that CPU, and
 * hands what passes to the host stack (the pass sink) of the device they
 * came in on.
 */
export class CpumapRings {
  private readonly slots: Int32Array;
  private readonly cpus: Int32Array;
  private readonly qsizes: Int32Array;
  private readonly programs: Int32Array;
  private readonly mapIds: Int32Array;
  private readonly taken: Uint8Array;
  private count = 0;

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
    this.taken = new Uint8Array(capacity);
  }

  get pending(): number {
    return this.count;
  }

  enqueue(slot: number, cpu: number, qsize: number, programId: number, mapId: number): void {
    const i = this.count++;
    this.slots[i] = slot;
    this.cpus[i] = cpu;
    this.qsizes[i] = qsize;
    this.programs[i] = programId;
    this.mapIds[i] = mapId;
  }

  /** Frames of this poll already on CPU `cpu`'s ring of map `mapId`. */
  queued(cpu: number, mapId: number): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.cpus[i] === cpu && this.mapIds[i] === mapId) n++;
    return n;
  }

  /**
   * Runs each target CPU's kthread over its frames, in the order the CPUs
   * were first redirected to. With `bulk` (the native path, whose frames
   * reach the ring only as the poll flushes its bulk queues) the frames past
   * the ring's size are dropped here and an xdp_cpumap_enqueue line counts
   * them; the generic path put each frame on the ring as it came, refusing
   * those past its size then. `run` runs an entry's program on a slot and
   * returns the slot the frame is in after, or -1 when it did not pass it.
   */
  flush(bulk: boolean, run: (slot: number, programId: number, cpu: number) => number): void {
    const n = this.count;
    this.count = 0;
    const taken = this.taken;
    taken.fill(0, 0, n);
    const dev = this.device;
    const { data, dataEnd } = this.context.arena;
    const u8 = this.context.memory.u8;
    const slotFrame = this.slotFrame;
    const cpu = this.context.cpu;
    for (let i = 0; i < n; i++) {
      if (taken[i] !== 0) continue;
      const target = this.cpus[i]!;
      const mapId = this.mapIds[i]!;
      let queued = 0;
      let drops = 0;
      let passed = 0;
      let dropped = 0;
      for (let j = i; j < n; j++) {
        if (taken[j] !== 0 || this.cpus[j] !== target || this.mapIds[j] !== mapId) continue;
        taken[j] = 1;
        let slot = this.slots[j]!;
        if (queued >= this.qsizes[j]!) {
          drops++;
          this.sinks.drop(dev, this.queue, XDP_REDIRECT, u8, data[slot]!, dataEnd[slot]!, slotFrame[slot]!);
          continue;
        }
        queued++;
        const programId = this.programs[j]!;
        if (programId !== 0) {
          slot = run(slot, programId, target);
          if (slot < 0) {
            dropped++;
            continue;
          }
          passed++;
        }
        this.sinks.pass(dev, this.queue, u8, data[slot]!, dataEnd[slot]!, slotFrame[slot]!);
      }
      if (this.events.trace !== undefined) {
        if (bulk) this.events.trace('xdp:xdp_cpumap_enqueue', xdpCpumapEnqueue(cpu, mapId, queued + drops, drops, target));
        this.events.trace('xdp:xdp_cpumap_kthread', xdpCpumapKthread(target, mapId, queued, passed, dropped));
      }
    }
  }
}
