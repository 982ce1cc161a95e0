import { BatchFault, type ExecutionContext, type Executable } from '../engine/index.js';
import { HELPER_PROTOS } from '../helpers/protos.js';
import { decode } from '../isa/decode.js';
import type { InsnArray } from '../isa/instruction.js';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_EXIT,
  BPF_FETCH,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LDDW,
  BPF_LDX,
  BPF_MODE,
  MAX_BPF_STACK,
  BPF_MOV,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_ST,
  BPF_STX,
  BPF_X,
} from '../isa/opcodes.js';
import type { BpfMap } from '../maps/map.js';
import { BPF_F_CURRENT_CPU, BPF_F_INDEX_MASK, BPF_F_XDP_HAS_FRAGS, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERF_EVENT_ARRAY, MAP_TYPE_NAMES } from '../uapi/bpf.js';
import { XDP_ABORTED, XDP_PACKET_HEADROOM, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../uapi/bpf.js';
import { EINVAL, ENOMEM, EOPNOTSUPP } from '../uapi/errno.js';
import { BPF_FUNC_perf_event_output, BPF_FUNC_xdp_adjust_head, BPF_FUNC_xdp_adjust_tail } from '../uapi/func-ids.js';
import { XDP_BATCH } from '../xdp/arena.js';
import { XDP_FRAME_SIZE } from '../xdp/constants.js';
import { FrameError } from '../xdp/frame-error.js';
import { OFFLOAD, RX, RX_STRIDE, TX, TX_STRIDE, VERDICT_INVALID, VERDICT_STRIDE } from './counters.js';
import type { VirtualNic } from './device.js';
import { receiveWhileDown } from './down.js';
import { NicConfigError, OffloadError } from './errors.js';
import { driverRefuses } from './redirect.js';
import type { FrameBatch, RxPath } from './rx.js';
import type { NicEvents, XdpSinks } from './sinks.js';
import { DISCARD_SINKS } from './sinks.js';

/**
 * XDP offload (HW mode), as Linux 6.18 does it for nfp, the one mainline
 * NIC that runs BPF (drivers/net/ethernet/netronome/nfp/bpf; netdevsim
 * emulates the control path only and runs no frames). A program loaded for
 * the device (prog_ifindex) is checked twice: by the kernel verifier, with
 * the driver's hook on every instruction it walks (nfp's verifier.c), then
 * by the driver's translation to NIC code (jit.c). Its maps are created on
 * the device too (map_ifindex): they live in the NIC's memory, the host
 * reaching them through control messages, so a host program cannot use
 * them (the verifier's "offload device mismatch between prog and map"), nor
 * can the offloaded program use a host map, but for a perf event array,
 * which stays on the host: the NIC sends its events up ("offload-neutral").
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
 * of where a frame arrives, and the map limits are not checked.
 */
export const NFP_FIRMWARE: NfpFirmware = {
  stackSize: MAX_BPF_STACK,
  adjustHead: { offMin: 64, offMax: 192, packetOffset: 128 },
  adjustTail: true,
};

/** What the checks read of a loaded program: its compiled form (instructions, relocations, subprograms) and the object's maps in object order. */
export interface OffloadCandidate {
  readonly executable: Executable;
  readonly maps: readonly BpfMap[];
  /** Maps a host program of the same object already uses: the device cannot have them. */
  readonly hostMaps?: ReadonlySet<BpfMap>;
}

/**
 * Loads `candidate` for an nfp with `firmware`, as BPF_MAP_CREATE and
 * BPF_PROG_LOAD with map_ifindex and prog_ifindex would, or throws the
 * OffloadError of the first refusal, in the kernel's order: the maps the
 * program uses (libbpf creates them first), the program's flags, each
 * instruction, then the stack.
 *
 * Not checked, because each needs the verifier's register types and ranges
 * (issue #9): stores to map values ("map writes not supported"), the stack
 * pointer a map helper gets (aligned to 4, constant), 64-bit multiplication
 * and division ("multiplier is not within u32 value range", "divisor is not
 * constant"), the type of pointer each load uses. A program's length in NIC
 * instructions against NFP_NET_CFG_BPF_MAX_LEN ("program too long") needs
 * nfp's JIT itself and is not checked either.
 */
export function checkOffload(candidate: OffloadCandidate, firmware: NfpFirmware = NFP_FIRMWARE): void {
  const program = candidate.executable.program;
  const used = new Set<number>();
  for (const r of program.relocations) if (r.kind === 'map' || r.kind === 'map_value') used.add(r.mapIndex);
  let onDevice = 0;
  let elems = 0;
  for (const index of [...used].sort((a, b) => a - b)) {
    const map = candidate.maps[index]!;
    if (map.spec.type === BPF_MAP_TYPE_PERF_EVENT_ARRAY) continue;
    if (candidate.hostMaps?.has(map) === true) throw new OffloadError(EINVAL, 'offload device mismatch between prog and map');
    checkDeviceMap(map, firmware, onDevice, elems);
    onDevice++;
    elems += map.spec.maxEntries;
  }
  // bpf_prog_dev_bound_init: fragments only for a program bound without offload (BPF_F_XDP_DEV_BOUND_ONLY).
  if (((program.sectionDef?.progFlags ?? 0) & BPF_F_XDP_HAS_FRAGS) !== 0) throw new OffloadError(EINVAL, `program '${program.name}' is loaded with BPF_F_XDP_HAS_FRAGS`);
  const insns = decode(program.insns);
  checkInsns(insns, firmware);
  const starts = [0, ...program.subprograms.map((s) => s.insnIndex)];
  const stack = stackUsage(insns, starts);
  if (stack > firmware.stackSize) throw new OffloadError(EOPNOTSUPP, `[nfp] stack too large: program ${stack}B > FW stack ${firmware.stackSize}B`);
}

function mapLabel(map: BpfMap): string {
  return `map '${map.spec.name}' (${MAP_TYPE_NAMES[map.spec.type] ?? `type ${map.spec.type}`})`;
}

/**
 * bpf_map_offload_map_alloc (HASH and ARRAY only, EINVAL with no message),
 * then nfp_bpf_map_alloc's checks against the firmware, in their order.
 * `onDevice` and `elems` are the maps and entries already created on it.
 */
function checkDeviceMap(map: BpfMap, fw: NfpFirmware, onDevice: number, elems: number): void {
  const { type, flags, maxEntries, keySize, valueSize } = map.spec;
  if (type !== BPF_MAP_TYPE_HASH && type !== BPF_MAP_TYPE_ARRAY) throw new OffloadError(EINVAL, `${mapLabel(map)} cannot be created on the device`);
  if (flags !== 0) throw new OffloadError(EINVAL, `${mapLabel(map)}: map flags are not supported`);
  if (fw.maxMaps !== undefined && onDevice === fw.maxMaps) throw new OffloadError(ENOMEM, `${mapLabel(map)}: too many maps for a device`);
  if (fw.maxElems !== undefined && fw.maxElems - elems < maxEntries) {
    throw new OffloadError(ENOMEM, `${mapLabel(map)}: map with too many elements: ${maxEntries}, left: ${fw.maxElems - elems}`);
  }
  const elemSize = roundUp8(keySize) + roundUp8(valueSize);
  if (fw.maxElemSize !== undefined && elemSize > fw.maxElemSize) {
    throw new OffloadError(ENOMEM, `${mapLabel(map)}: map elements too large: ${elemSize}, FW max element size (key+value): ${fw.maxElemSize}`);
  }
  if (fw.maxKeySize !== undefined && keySize > fw.maxKeySize) throw new OffloadError(ENOMEM, `${mapLabel(map)}: map key size ${keySize}, FW max is ${fw.maxKeySize}`);
  if (fw.maxValueSize !== undefined && valueSize > fw.maxValueSize) {
    throw new OffloadError(ENOMEM, `${mapLabel(map)}: map value size ${valueSize}, FW max is ${fw.maxValueSize}`);
  }
}

const roundUp8 = (n: number): number => (n + 7) & ~7;

/**
 * nfp's instruction hook on what can be told without register tracking:
 * each helper call against the NIC's helpers (HELPER_PROTOS marks them),
 * the firmware capabilities adjust_head and adjust_tail need, and
 * perf_event_output's flags, which must be BPF_F_CURRENT_CPU. Those flags
 * are followed as a constant moved into R3 since the last jump target or
 * call, which is how clang passes them; any other value reads as unknown, as
 * the verifier's would if R3 could hold more than one value there.
 */
function checkInsns(insns: InsnArray, fw: NfpFirmware): void {
  const targets = jumpTargets(insns);
  let r3: readonly [number, number] | undefined;
  for (let i = 0; i < insns.length; i++) {
    if (targets.has(i)) r3 = undefined;
    const code = insns.code[i]!;
    if (code === (BPF_JMP | BPF_CALL)) {
      if (insns.src[i] === 0) {
        const refusal = helperRefusal(insns.imm[i]!, fw, r3);
        if (refusal !== undefined) throw new OffloadError(EOPNOTSUPP, `[nfp] ${refusal}`, i);
      }
      r3 = undefined;
    } else if (writtenRegister(insns, i) === 3) {
      r3 = constantLoaded(insns, i);
    }
  }
}

/** The 64-bit constant (low and high u32 halves) instruction `i` loads into its destination, if it is a constant load. */
function constantLoaded(insns: InsnArray, i: number): readonly [number, number] | undefined {
  const code = insns.code[i]!;
  const imm = insns.imm[i]!;
  if (code === BPF_LDDW && insns.src[i] === 0) return [imm >>> 0, insns.imm[i + 1]! >>> 0];
  if (insns.off[i] !== 0) return undefined;
  if (code === (BPF_ALU64 | BPF_MOV | BPF_K)) return [imm >>> 0, imm < 0 ? 0xffffffff : 0];
  if (code === (BPF_ALU | BPF_MOV | BPF_K)) return [imm >>> 0, 0];
  return undefined;
}

/** The register instruction `i` writes, or -1: the destination of an ALU op or load, the source of an atomic fetch (R0 for cmpxchg). */
function writtenRegister(insns: InsnArray, i: number): number {
  const code = insns.code[i]!;
  const cls = BPF_CLASS(code);
  if (cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_LDX || code === BPF_LDDW) return insns.dst[i]!;
  if (cls === BPF_STX && BPF_MODE(code) === BPF_ATOMIC && (insns.imm[i]! & BPF_FETCH) !== 0) return insns.imm[i] === BPF_CMPXCHG ? 0 : insns.src[i]!;
  return -1;
}

/** Instructions a jump or a call lands on, where what a straight line of code knew of a register no longer holds. */
function jumpTargets(insns: InsnArray): Set<number> {
  const targets = new Set<number>();
  for (let i = 0; i < insns.length; i++) {
    const code = insns.code[i]!;
    const cls = BPF_CLASS(code);
    if (cls !== BPF_JMP && cls !== BPF_JMP32) continue;
    const op = BPF_OP(code);
    if (op === BPF_EXIT) continue;
    if (op === BPF_CALL) {
      if (insns.src[i] === BPF_PSEUDO_CALL) targets.add(i + 1 + insns.imm[i]!);
      continue;
    }
    // gotol (JMP32 | JA) keeps its offset in imm.
    targets.add(i + 1 + (cls === BPF_JMP32 && op === BPF_JA ? insns.imm[i]! : insns.off[i]!));
  }
  return targets;
}

/** nfp_bpf_check_helper_call's refusal of a call to helper `id`, without its `[nfp] ` prefix; undefined when the NIC takes it. */
function helperRefusal(id: number, fw: NfpFirmware, r3: readonly [number, number] | undefined): string | undefined {
  if (HELPER_PROTOS.get(id)?.progTypes.includes('xdp_offload') !== true) return `unsupported function id: ${id}`;
  switch (id) {
    case BPF_FUNC_xdp_adjust_head:
      return fw.adjustHead === null ? 'adjust_head not supported by FW' : undefined;
    case BPF_FUNC_xdp_adjust_tail:
      return fw.adjustTail ? undefined : 'adjust_tail not supported by FW';
    case BPF_FUNC_perf_event_output:
      // The index bits (the low half) must say the current CPU, whatever the high half (BPF_F_CTXLEN_MASK) holds.
      if (r3 !== undefined && r3[0] === (BPF_F_CURRENT_CPU & BPF_F_INDEX_MASK) >>> 0) return undefined;
      return `event_output: must use BPF_F_CURRENT_CPU, var_off: ${r3 === undefined ? '(0; 0xffffffffffffffff)' : `(${hex64(r3[0], r3[1])}; 0)`}`;
    default:
      return undefined;
  }
}

/** A u64 as printf's %#llx prints it: 0, or 0x and the hex digits. */
function hex64(lo: number, hi: number): string {
  if (lo === 0 && hi === 0) return '0';
  return `0x${hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0')}`;
}

// nfp's own sizes (drivers/net/ethernet/netronome/nfp/bpf/main.h), not UAPI.
/** STACK_FRAME_ALIGN: nfp rounds each function's frame up to it. */
const STACK_FRAME_ALIGN = 64;
/** What a called function's frame holds besides its stack: the return address (REG_WIDTH), and R6-R9 when it writes them (4 * BPF_REG_SIZE). */
const RETURN_ADDRESS_SIZE = 4;
const SAVED_REGS_SIZE = 32;

/**
 * nfp_bpf_finalize's stack usage: each function's frame (its stack depth,
 * plus the return address and saved R6-R9 for a called function, rounded
 * up to 64) added up along the deepest chain of calls. A function's stack
 * depth is the verifier's (how far below R10 it reaches), found here
 * without it: accesses through R10 and through registers holding R10 plus
 * a constant since the last jump target or call, which covers what clang
 * emits but not a stack pointer spilled and reloaded.
 */
function stackUsage(insns: InsnArray, starts: readonly number[]): number {
  const order = [...starts].sort((a, b) => a - b);
  const targets = jumpTargets(insns);
  const frames = order.map((start, f) => {
    const end = order[f + 1] ?? insns.length;
    let depth = 0;
    let pushes = false;
    const fp = new Array<number | undefined>(11).fill(undefined);
    fp[10] = 0;
    const reach = (reg: number, off: number): void => {
      const base = fp[reg];
      if (base !== undefined) depth = Math.max(depth, -(base + off));
    };
    for (let i = start; i < end; i++) {
      if (targets.has(i)) fp.fill(undefined, 0, 10);
      const code = insns.code[i]!;
      const cls = BPF_CLASS(code);
      const dst = insns.dst[i]!;
      if (dst >= 6 && dst <= 9) pushes = true;
      if (cls === BPF_LDX) reach(insns.src[i]!, insns.off[i]!);
      if (cls === BPF_ST || cls === BPF_STX) reach(dst, insns.off[i]!);
      if (code === (BPF_JMP | BPF_CALL)) {
        // A helper reaches into the stack from the pointers it is given.
        for (let r = 1; r <= 5; r++) reach(r, 0);
        fp.fill(undefined, 0, 6);
        continue;
      }
      const written = writtenRegister(insns, i);
      if (written < 0) continue;
      if (code === (BPF_ALU64 | BPF_MOV | BPF_X) && insns.off[i] === 0) fp[written] = fp[insns.src[i]!];
      else if (code === (BPF_ALU64 | BPF_ADD | BPF_K) && fp[written] !== undefined) fp[written] = fp[written]! + insns.imm[i]!;
      else fp[written] = undefined;
    }
    const extra = f === 0 ? 0 : RETURN_ADDRESS_SIZE + (pushes ? SAVED_REGS_SIZE : 0);
    return { start, end, size: Math.ceil((depth + extra) / STACK_FRAME_ALIGN) * STACK_FRAME_ALIGN };
  });
  const frameOf = (insn: number): number => frames.findIndex((fr) => insn >= fr.start && insn < fr.end);
  const deepest = (f: number): number => {
    const { start, end, size } = frames[f]!;
    let callees = 0;
    for (let i = start; i < end; i++) {
      if (insns.code[i] === (BPF_JMP | BPF_CALL) && insns.src[i] === BPF_PSEUDO_CALL) callees = Math.max(callees, deepest(frameOf(i + 1 + insns.imm[i]!)));
    }
    return size + callees;
  };
  return deepest(0);
}

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
