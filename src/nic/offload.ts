import { BatchFault, type ExecutionContext, type Executable } from '../engine/index.js';
import { MAX_BPF_STACK } from '../isa/opcodes.js';
import type { MapSpec } from '../maps/types.js';
import { BPF_F_XDP_HAS_FRAGS, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERF_EVENT_ARRAY, MAP_TYPE_NAMES } from '../uapi/bpf.js';
import { XDP_ABORTED, XDP_PACKET_HEADROOM, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../uapi/bpf.js';
import { EINVAL, ERRNO_NAMES } from '../uapi/errno.js';
import type { OffloadHooks, OffloadRefusal, VerifierErrno } from '../verifier/index.js';
import { XDP_BATCH } from '../xdp/arena.js';
import { XDP_FRAME_SIZE } from '../xdp/constants.js';
import { FrameError } from '../xdp/frame-error.js';
import { OFFLOAD, RX, RX_STRIDE, TX, TX_STRIDE, VERDICT_INVALID, VERDICT_STRIDE } from './counters.js';
import type { VirtualNic } from './device.js';
import { receiveWhileDown } from './down.js';
import { NicConfigError, OffloadError } from './errors.js';
import { nfpVerifierHooks } from './nfp-verifier.js';
import { driverRefuses } from './redirect.js';
import type { FrameBatch, RxPath } from './rx.js';
import type { NicEvents, XdpSinks } from './sinks.js';
import { DISCARD_SINKS } from './sinks.js';

/**
 * XDP offload (HW mode), as Linux 6.18 does it for nfp, the one mainline
 * NIC that runs BPF (drivers/net/ethernet/netronome/nfp/bpf; netdevsim
 * emulates the control path only and runs no frames). A program loaded for
 * the device (prog_ifindex) is checked by the kernel verifier, with the
 * driver's hooks (nfp-verifier.ts) on every instruction it walks and once
 * every path is verified, then translated by the driver to NIC code
 * (jit.c). Its maps are created on the device too (map_ifindex): they live
 * in the NIC's memory, the host reaching them through control messages, so
 * a host program cannot use them (the verifier's "offload device mismatch
 * between prog and map"), nor can the offloaded program use a host map, but
 * for a perf event array, which stays on the host: the NIC sends its events
 * up ("offload-neutral").
 *
 * What the NIC supports is read from its firmware (capability TLVs, control
 * BAR registers), which xdpsim does not have: NfpFirmware describes it, and
 * its defaults say which values are xdpsim's assumption.
 */

/** What an nfp's firmware reports that the checks and the datapath depend on. */
export interface NfpFirmware {
  /** NFP_NET_CFG_BPF_STACK_SZ * 64: the stack the NIC gives a program, every frame of its calls included. */
  readonly stackSize: number;
  /**
   * The adjust_head TLV: where the start of the frame may move, as offsets in
   * the NIC's packet buffer (off_min, off_max; each fits the JIT's 8-bit
   * immediates), and `packetOffset`, where a received frame starts in it.
   * Null for a firmware without adjust_head ("adjust_head not supported by FW").
   */
  readonly adjustHead: { readonly offMin: number; readonly offMax: number; readonly packetOffset: number } | null;
  /** The adjust_tail capability. */
  readonly adjustTail: boolean;
  /** The helper TLV: which map helpers and perf_event_output the firmware implements. */
  readonly helpers: { readonly mapLookup: boolean; readonly mapUpdate: boolean; readonly mapDelete: boolean; readonly perfEventOutput: boolean };
  /** The random number capability: bpf_get_prandom_u32. */
  readonly pseudoRandom: boolean;
  /**
   * The queue select capability: a program may write rx_queue_index to pick
   * the host queue a frame it passes goes to. Never here: the offload
   * receive path hands a passed frame to the host path of the queue it came
   * in on and has no way to move it, so the capability could not be
   * honoured; an nfp without it refuses such a store.
   */
  readonly queueSelect: false;
  /** The map TLV's limits, each undefined when not checked: maps on the device, entries over all of them, key, value and key + value sizes (each rounded up to 8). */
  readonly maxMaps?: number;
  readonly maxElems?: number;
  readonly maxKeySize?: number;
  readonly maxValueSize?: number;
  readonly maxElemSize?: number;
}

/**
 * xdpsim's stand-in for an nfp firmware: none of these numbers is published
 * as a default, the firmware reports them. The stack is the kernel's own
 * limit for a program (MAX_BPF_STACK), the head may move 64 bytes either way
 * of where a frame arrives, every helper nfp knows is there but queue
 * selection, and the map limits are not checked.
 */
export const NFP_FIRMWARE: NfpFirmware = {
  stackSize: MAX_BPF_STACK,
  adjustHead: { offMin: 64, offMax: 192, packetOffset: 128 },
  adjustTail: true,
  helpers: { mapLookup: true, mapUpdate: true, mapDelete: true, perfEventOutput: true },
  pseudoRandom: true,
  queueSelect: false,
};

/** What the verifier said of a program loaded for the device: a VerifyOutcome, as far as a refusal needs it. */
export interface OffloadVerdict {
  readonly accepted: boolean;
  readonly insn?: number;
  readonly error?: string;
  readonly errno?: VerifierErrno;
  readonly log: string;
}

/** An nfp as loading a program bound to it meets it: its checks before the verifier, and its verifier hooks. */
export interface NfpDevice {
  /** The maps the program uses created on the device, then the program's flags: the first refusal, if any. */
  bind(program: Executable['program'], maps: readonly MapSpec[]): OffloadRefusal | undefined;
  /** nfp's verifier hooks for one verification. */
  hooks(): OffloadHooks;
}

/**
 * The nfp with `firmware`, as the loader binds a program to it. `hostMaps`
 * names the object's maps a host program already uses: the device cannot
 * have them.
 */
export function nfpDevice(firmware: NfpFirmware = NFP_FIRMWARE, hostMaps?: ReadonlySet<string>): NfpDevice {
  return {
    bind: (program, maps) => bindProgram(program, maps, firmware, hostMaps),
    hooks: () => nfpVerifierHooks(firmware),
  };
}

/** What checkOffload loads: a program that can be verified again for a device, and the object's maps a host program already uses. */
export interface OffloadCandidate {
  /** Loads the program for `device` (LoadedObject.verify with mode 'offload'). */
  verify(device: NfpDevice): OffloadVerdict;
  readonly hostMaps?: ReadonlySet<string>;
}

/**
 * Loads `candidate` for an nfp with `firmware`, as BPF_MAP_CREATE and
 * BPF_PROG_LOAD with map_ifindex and prog_ifindex would, or throws the
 * OffloadError of the first refusal, in the kernel's order: the maps the
 * program uses (libbpf creates them first), the program's flags, then the
 * verifier with nfp's hooks (each instruction as it is walked, then the
 * stack). A program's length in NIC instructions against
 * NFP_NET_CFG_BPF_MAX_LEN ("program too long") needs nfp's JIT itself and is
 * not checked.
 */
export function checkOffload(candidate: OffloadCandidate, firmware: NfpFirmware = NFP_FIRMWARE): void {
  const verdict = candidate.verify(nfpDevice(firmware, candidate.hostMaps));
  if (verdict.accepted) return;
  const errno = ERRNO_BY_NAME.get(verdict.errno ?? 'EINVAL') ?? EINVAL;
  throw new OffloadError(errno, verdict.error ?? '', verdict.insn, verdict.log);
}

const ERRNO_BY_NAME = new Map(Object.entries(ERRNO_NAMES).map(([n, name]) => [name, Number(n)]));

/** The device's checks before the verifier runs, each map the program references in object order, then the program's flags. */
function bindProgram(program: Executable['program'], maps: readonly MapSpec[], fw: NfpFirmware, hostMaps: ReadonlySet<string> | undefined): OffloadRefusal | undefined {
  const used = new Set<number>();
  for (const r of program.relocations) if (r.kind === 'map' || r.kind === 'map_value') used.add(r.mapIndex);
  let onDevice = 0;
  let elems = 0;
  for (const index of [...used].sort((a, b) => a - b)) {
    const map = maps[index]!;
    if (map.type === BPF_MAP_TYPE_PERF_EVENT_ARRAY) continue;
    if (hostMaps?.has(map.name) === true) return { errno: 'EINVAL', reason: 'offload device mismatch between prog and map' };
    const refusal = checkDeviceMap(map, fw, onDevice, elems);
    if (refusal) return refusal;
    onDevice++;
    elems += map.maxEntries;
  }
  // bpf_prog_dev_bound_init: fragments only for a program bound without offload (BPF_F_XDP_DEV_BOUND_ONLY).
  if (((program.sectionDef?.progFlags ?? 0) & BPF_F_XDP_HAS_FRAGS) !== 0) return { errno: 'EINVAL', reason: `program '${program.name}' is loaded with BPF_F_XDP_HAS_FRAGS` };
  return undefined;
}

function mapLabel(map: MapSpec): string {
  return `map '${map.name}' (${MAP_TYPE_NAMES[map.type] ?? `type ${map.type}`})`;
}

/**
 * bpf_map_offload_map_alloc (HASH and ARRAY only, EINVAL with no message),
 * then nfp_bpf_map_alloc's checks against the firmware, in their order.
 * `onDevice` and `elems` are the maps and entries already created on it.
 */
function checkDeviceMap(map: MapSpec, fw: NfpFirmware, onDevice: number, elems: number): OffloadRefusal | undefined {
  const { type, flags, maxEntries, keySize, valueSize } = map;
  const refuse = (errno: 'EINVAL' | 'ENOMEM', what: string): OffloadRefusal => ({ errno, reason: `${mapLabel(map)}${what}` });
  if (type !== BPF_MAP_TYPE_HASH && type !== BPF_MAP_TYPE_ARRAY) return refuse('EINVAL', ' cannot be created on the device');
  if (flags !== 0) return refuse('EINVAL', ': map flags are not supported');
  if (fw.maxMaps !== undefined && onDevice === fw.maxMaps) return refuse('ENOMEM', ': too many maps for a device');
  if (fw.maxElems !== undefined && fw.maxElems - elems < maxEntries) return refuse('ENOMEM', `: map with too many elements: ${maxEntries}, left: ${fw.maxElems - elems}`);
  const elemSize = roundUp8(keySize) + roundUp8(valueSize);
  if (fw.maxElemSize !== undefined && elemSize > fw.maxElemSize) {
    return refuse('ENOMEM', `: map elements too large: ${elemSize}, FW max element size (key+value): ${fw.maxElemSize}`);
  }
  if (fw.maxKeySize !== undefined && keySize > fw.maxKeySize) return refuse('ENOMEM', `: map key size ${keySize}, FW max is ${fw.maxKeySize}`);
  if (fw.maxValueSize !== undefined && valueSize > fw.maxValueSize) return refuse('ENOMEM', `: map value size ${valueSize}, FW max is ${fw.maxValueSize}`);
  return undefined;
}

const roundUp8 = (n: number): number => (n + 7) & ~7;

export interface OffloadRxQueueOptions {
  device: VirtualNic;
  queue: number;
  /** The offloaded program, and the context standing for the NIC as it runs it; the context's arena holds the poll's frames. */
  executable: Executable;
  context: ExecutionContext;
  /** The host's own receive path of this queue, when a native or generic program is attached too (xdpmulti): the frames the NIC passes go on to it. */
  next?: RxPath;
  sinks?: XdpSinks;
  events?: NicEvents;
  firmware?: NfpFirmware;
}

/** Index into counters.offload of each action's packet count, its byte count next to it: bpf_pass, app1 (drop), app2 (tx), app3 (abort). */
const STAT_BY_ACTION: readonly number[] = [OFFLOAD.bpf_app3_pkts, OFFLOAD.bpf_app1_pkts, OFFLOAD.bpf_pass_pkts, OFFLOAD.bpf_app2_pkts];

/**
 * One RX queue of a NIC whose program runs on the NIC (HW mode): each
 * frame is run before the host sees it, and what the host sees is the
 * frames it passes. XDP_DROP frees the frame on the NIC, XDP_TX sends it out
 * of the same port, and anything else (XDP_ABORTED, XDP_REDIRECT, which the
 * NIC has no helper to set up, or a value past it) the JIT's exit turns into
 * an abort: dropped and counted as app3. Running on the NIC, the program
 * fires no tracepoint and moves no host driver counter: the NIC counts each
 * action (pass, app1 drop, app2 tx, app3 abort), frames and bytes as they
 * were received. A frame passed goes to `next`, the host's own path of the
 * queue, which counts and runs it as received (its length after the
 * program); without `next` it goes to the pass sink, counted here.
 *
 * The NIC runs no fragments: a frame past the MTU, the L2 header and a VLAN
 * tag, or under 14 bytes, is refused before the program, as length_errors.
 * A NIC that is down runs nothing (receiveWhileDown).
 */
export class OffloadRxQueue implements RxPath {
  readonly device: VirtualNic;
  readonly queue: number;
  private readonly executable: Executable;
  private readonly context: ExecutionContext;
  private readonly next: RxPath | undefined;
  private readonly sinks: XdpSinks;
  private readonly events: NicEvents;
  private readonly u8: Uint8Array;
  private readonly verdicts: Uint32Array;
  /** Per slot, the frame's index in the polled batch and its length as received. */
  private readonly slotFrame: Int32Array;
  private readonly slotLength: Int32Array;
  /**
   * The frames passed to `next` this poll, copied out of the arena end to
   * end, fragments included: a batch indexed as the polled one, so next's
   * sinks see the same frame numbers. A page per frame to begin with, grown
   * (rarely, doubling) for multi-buffer frames.
   */
  private staged: Uint8Array;
  private stagedEnd = 0;
  private stagedOffset: Int32Array;
  private stagedLength: Int32Array;
  private readonly stagedWhich: Int32Array;
  private readonly stagedBatch: { bytes: Uint8Array; offset: Int32Array; capLen: Int32Array };

  constructor(options: OffloadRxQueueOptions) {
    this.device = options.device;
    this.queue = options.queue;
    this.executable = options.executable;
    this.context = options.context;
    this.next = options.next;
    this.sinks = options.sinks ?? DISCARD_SINKS;
    this.events = options.events ?? {};
    this.u8 = options.context.memory.u8;
    if (this.next !== undefined && (this.next.device !== this.device || this.next.queue !== this.queue)) {
      throw new NicConfigError(`${this.device.name}: an offloaded program's frames go on to the host path of the same queue (${this.queue})`);
    }
    const slots = Math.min(XDP_BATCH, options.context.arena.slots, this.next?.budget ?? XDP_BATCH);
    this.verdicts = new Uint32Array(slots);
    this.slotFrame = new Int32Array(slots);
    this.slotLength = new Int32Array(slots);
    this.staged = new Uint8Array(this.next === undefined ? 0 : slots * XDP_FRAME_SIZE);
    this.stagedOffset = new Int32Array(0);
    this.stagedLength = new Int32Array(0);
    this.stagedWhich = new Int32Array(slots);
    this.stagedBatch = { bytes: this.staged, offset: this.stagedOffset, capLen: this.stagedLength };
    // The firmware's packet buffer offsets, moved to where the arena lays a frame out (data at XDP_PACKET_HEADROOM).
    const head = (options.firmware ?? NFP_FIRMWARE).adjustHead;
    const shift = XDP_PACKET_HEADROOM - (head?.packetOffset ?? 0);
    // Without adjust_head in the firmware no program calling it is admitted; an empty range refuses every call all the same.
    options.context.helperState.offload = head === null ? { headMin: 0, headMax: -1 } : { headMin: head.offMin + shift, headMax: head.offMax + shift };
  }

  /** Frames one poll takes at most: NAPI's 64, or fewer when the context's arena or the host path takes fewer. */
  get budget(): number {
    return this.verdicts.length;
  }

  poll(batch: FrameBatch, which: ArrayLike<number>, count: number): void {
    if (count > this.verdicts.length) throw new RangeError(`a poll takes at most ${this.verdicts.length} frames, not ${count}`);
    const dev = this.device;
    if (!dev.up) {
      receiveWhileDown(dev, this.queue, count);
      return;
    }
    const rx = dev.counters.rx;
    const base = this.queue * RX_STRIDE;
    let loaded = 0;
    for (let i = 0; i < count; i++) {
      const at = which[i]!;
      const length = batch.capLen[at]!;
      if (driverRefuses(dev, length) || !this.load(loaded, batch.bytes, batch.offset[at]!, length)) {
        rx[base + RX.packets]! += 1;
        rx[base + RX.bytes]! += length;
        rx[base + RX.length_errors]! += 1;
        continue;
      }
      this.slotFrame[loaded] = at;
      this.slotLength[loaded] = length;
      loaded++;
    }
    this.run(loaded);
    const counts = dev.counters.verdicts;
    const verdictBase = this.queue * VERDICT_STRIDE;
    const stats = dev.counters.offload;
    let staged = 0;
    for (let slot = 0; slot < loaded; slot++) {
      const verdict = this.verdicts[slot]!;
      counts[verdictBase + (verdict <= XDP_REDIRECT ? verdict : VERDICT_INVALID)]! += 1;
      const stat = STAT_BY_ACTION[verdict] ?? OFFLOAD.bpf_app3_pkts;
      stats[stat]! += 1;
      stats[stat + 1]! += this.slotLength[slot]!;
      if (verdict === XDP_PASS && this.next !== undefined) {
        this.stage(staged++, slot);
      } else {
        rx[base + RX.packets]! += 1;
        rx[base + RX.bytes]! += this.slotLength[slot]!;
        this.act(slot, verdict);
      }
    }
    if (staged > 0) this.next!.poll(this.stagedBatch, this.stagedWhich, staged);
    this.stagedEnd = 0;
  }

  /** Loads a frame into `slot`; false when it does not fit a page. */
  private load(slot: number, bytes: Uint8Array, offset: number, length: number): boolean {
    try {
      this.context.arena.load(slot, bytes, offset, length);
      return true;
    } catch (e) {
      if (e instanceof FrameError) return false;
      throw e;
    }
  }

  /** Runs slots 0 .. count - 1; a faulting frame is aborted (the simulator's own reason, reported as an exception) and the batch runs on. */
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
        this.events.exception?.(dev, this.queue, `program fault on ${dev.name} RX queue ${this.queue} (offloaded): ${e.message}`);
        first = e.slot + 1;
      }
    }
  }

  private act(slot: number, verdict: number): void {
    const dev = this.device;
    const arena = this.context.arena;
    const start = arena.data[slot]!;
    const end = arena.dataEnd[slot]!;
    const frags = arena.frags[slot]!;
    const frame = this.slotFrame[slot]!;
    switch (verdict) {
      case XDP_PASS:
        this.sinks.pass(dev, this.queue, this.u8, start, end, frags, frame);
        return;
      case XDP_TX: {
        const txQueue = this.queue % dev.txQueues;
        const tx = dev.counters.tx;
        tx[txQueue * TX_STRIDE + TX.packets]! += 1;
        tx[txQueue * TX_STRIDE + TX.bytes]! += arena.frameLength(slot);
        this.sinks.tx(dev, txQueue, this.u8, start, end, frags, frame);
        return;
      }
      default:
        // XDP_DROP, and the aborts; no xdp:xdp_exception, as the kernel never sees them.
        this.sinks.drop(dev, this.queue, verdict, this.u8, start, end, frags, frame);
    }
  }

  /** Copies the frame in `slot` out for `next`, its linear part then its fragments, as the `n`th of this poll's passed frames. */
  private stage(n: number, slot: number): void {
    const arena = this.context.arena;
    const start = arena.data[slot]!;
    const linear = arena.dataEnd[slot]! - start;
    const length = arena.frameLength(slot);
    const frame = this.slotFrame[slot]!;
    if (frame >= this.stagedOffset.length) this.growStaged(frame + 1);
    const at = this.stagedEnd;
    if (at + length > this.staged.length) this.growStagedBytes(at + length);
    this.staged.set(this.u8.subarray(start, start + linear), at);
    let to = at + linear;
    for (const f of arena.frags[slot]!) {
      this.staged.set(f, to);
      to += f.length;
    }
    this.stagedEnd = to;
    this.stagedOffset[frame] = at;
    this.stagedLength[frame] = length;
    this.stagedWhich[n] = frame;
  }

  /** Room for `n` bytes of staged frames, keeping those staged this poll. */
  private growStagedBytes(n: number): void {
    const bytes = new Uint8Array(Math.max(n, this.staged.length * 2));
    bytes.set(this.staged.subarray(0, this.stagedEnd));
    this.staged = bytes;
    this.stagedBatch.bytes = bytes;
  }

  /** Frame numbers index the staged batch as they index the polled one: grown (rarely, doubling) to the largest seen. */
  private growStaged(n: number): void {
    const size = Math.max(n, this.stagedOffset.length * 2);
    const offset = new Int32Array(size);
    offset.set(this.stagedOffset);
    const length = new Int32Array(size);
    length.set(this.stagedLength);
    this.stagedOffset = offset;
    this.stagedLength = length;
    this.stagedBatch.offset = offset;
    this.stagedBatch.capLen = length;
  }
}
