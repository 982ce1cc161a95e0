// XDP offload as nfp does it: which programs and maps the NIC takes (with
// the kernel's and the driver's words for the rest), and the receive path
// of a queue whose program runs on the NIC, handing what it passes to the
// host's own path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadObject, type LoadedObject } from '../../src/loader/load.js';
import { verifyObject } from '../../src/loader/verify.js';
import type { XdpProgram } from '../../src/testrun/program.js';
import type { VirtualNic } from '../../src/nic/device.js';
import { OffloadError } from '../../src/nic/errors.js';
import { checkOffload, NFP_FIRMWARE, OffloadRxQueue, type NfpDevice, type NfpFirmware } from '../../src/nic/offload.js';
import { objectMapIds, RxQueue, type FrameBatch, type RxPath } from '../../src/nic/rx.js';
import type { NicEvents, XdpSinks } from '../../src/nic/sinks.js';
import { Topology } from '../../src/nic/topology.js';
import { BPF_FUNC_ktime_get_ns } from '../../src/uapi/func-ids.js';
import { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../../src/uapi/bpf.js';
import { EINVAL, ENOMEM, EOPNOTSUPP } from '../../src/uapi/errno.js';
import { frameBytes } from '../support/frame-bytes.js';

const fixture = (name: string): string => new URL(`../fixtures/objects/${name}`, import.meta.url).pathname;

function load(name: string, budget?: number): LoadedObject {
  return loadObject(fixture(name), { cpus: 4, contexts: 4, frameSlots: 65, ...(budget !== undefined && { budget }) });
}

/** The refusal checkOffload throws for `program` of `obj`, or undefined when it takes it. */
function refusal(obj: LoadedObject, program: string, firmware?: NfpFirmware, hostMaps?: ReadonlySet<string>): OffloadError | undefined {
  const p = obj.program({ program });
  const candidate = { verify: (device: NfpDevice) => obj.verify(p, { mode: 'offload', device }), ...(hostMaps && { hostMaps }) };
  try {
    checkOffload(candidate, firmware);
    return undefined;
  } catch (e) {
    if (e instanceof OffloadError) return e;
    throw e;
  }
}

describe('checkOffload: what an nfp takes', () => {
  const ok = load('offload_ok.bpf.o');
  const bad = load('offload_refused.bpf.o');

  it('takes HASH and ARRAY maps, lookups and updates, adjust_head/tail, a BPF-to-BPF call', () => {
    expect(refusal(ok, 'offload_verdicts')).toBeUndefined();
  });

  it('takes perf_event_output with BPF_F_CURRENT_CPU into a host-side perf event array', () => {
    expect(refusal(ok, 'offload_events')).toBeUndefined();
  });

  it("refuses a helper the NIC has not, by its id, as nfp's verifier hook logs it", () => {
    const e = refusal(bad, 'uses_ktime')!;
    expect(e.code).toBe('XDP_OFFLOAD');
    expect(e.errno).toBe(EOPNOTSUPP);
    expect(e.log).toBe(`[nfp] unsupported function id: ${BPF_FUNC_ktime_get_ns}`);
    expect(e.message).toBe(`insn ${e.insn}: [nfp] unsupported function id: 5: EOPNOTSUPP`);
  });

  it('refuses a tail call at its prog array, which cannot be made on the device before the call is seen', () => {
    const e = refusal(bad, 'tail_calls')!;
    expect(e.errno).toBe(EINVAL);
    expect(e.log).toBe("map 'jumps' (prog_array) cannot be created on the device");
  });

  it('refuses an LPM trie (bpf_map_offload_map_alloc: HASH and ARRAY only, EINVAL)', () => {
    const e = refusal(bad, 'uses_lpm')!;
    expect([e.errno, e.log]).toEqual([EINVAL, "map 'routes' (lpm_trie) cannot be created on the device"]);
  });

  it('refuses map flags (nfp_bpf_map_alloc)', () => {
    const e = refusal(bad, 'uses_flags')!;
    expect([e.errno, e.log]).toEqual([EINVAL, "map 'lazy' (hash): map flags are not supported"]);
  });

  it('refuses perf_event_output on another CPU than the current one, printing the flags as the verifier tracks them', () => {
    const e = refusal(bad, 'events_cpu0')!;
    expect([e.errno, e.log]).toEqual([EOPNOTSUPP, '[nfp] event_output: must use BPF_F_CURRENT_CPU, var_off: (0x0; 0x0)']);
  });

  it('refuses a program taking fragments (bpf_prog_dev_bound_init: EINVAL)', () => {
    const e = refusal(bad, 'takes_frags')!;
    expect([e.errno, e.message]).toEqual([EINVAL, "program 'takes_frags' is loaded with BPF_F_XDP_HAS_FRAGS: EINVAL"]);
  });

  it("refuses a stack deeper than the firmware's, frames rounded to 64 bytes", () => {
    expect(refusal(bad, 'big_stack')).toBeUndefined();
    const e = refusal(bad, 'big_stack', { ...NFP_FIRMWARE, stackSize: 256 })!;
    expect([e.errno, e.log]).toEqual([EOPNOTSUPP, '[nfp] stack too large: program 320B > FW stack 256B']);
  });

  it("adds a called function's frame to its caller's, each rounded up to 64 bytes", () => {
    // offload_verdicts reaches 20 bytes below R10, count() 16 (and its return address): a 64-byte frame each.
    expect(refusal(ok, 'offload_verdicts', { ...NFP_FIRMWARE, stackSize: 128 })).toBeUndefined();
    expect(refusal(ok, 'offload_verdicts', { ...NFP_FIRMWARE, stackSize: 64 })?.log).toBe('[nfp] stack too large: program 128B > FW stack 64B');
  });

  it("checks the firmware's map limits and capabilities in nfp's words", () => {
    const fw = (f: Partial<NfpFirmware>): NfpFirmware => ({ ...NFP_FIRMWARE, ...f });
    // The object's maps in its order: stats (array), events (perf, on the host), seen (hash).
    expect(refusal(ok, 'offload_verdicts', fw({ maxMaps: 1 }))?.log).toBe("map 'seen' (hash): too many maps for a device");
    expect(refusal(ok, 'offload_verdicts', fw({ maxElems: 9 }))?.log).toBe("map 'seen' (hash): map with too many elements: 8, left: 7");
    expect(refusal(ok, 'offload_verdicts', fw({ maxKeySize: 2 }))?.log).toBe("map 'stats' (array): map key size 4, FW max is 2");
    expect(refusal(ok, 'offload_verdicts', fw({ maxValueSize: 4 }))?.log).toBe("map 'stats' (array): map value size 8, FW max is 4");
    expect(refusal(ok, 'offload_verdicts', fw({ maxElemSize: 8 }))?.log).toBe("map 'stats' (array): map elements too large: 16, FW max element size (key+value): 8");
    expect(refusal(ok, 'offload_verdicts', fw({ maxMaps: 1 }))?.errno).toBe(ENOMEM);
    expect(refusal(ok, 'offload_verdicts', fw({ adjustTail: false }))?.log).toBe('[nfp] adjust_tail not supported by FW');
    expect(refusal(ok, 'offload_verdicts', fw({ adjustHead: null }))?.log).toBe('[nfp] adjust_head not supported by FW');
  });

  it('refuses a map a host program already uses: it cannot live on the device too', () => {
    expect(refusal(ok, 'offload_verdicts', undefined, new Set(['seen']))?.log).toBe('offload device mismatch between prog and map');
  });
});

describe("nfp's verifier hooks: what the NIC refuses from the register state of each walk", () => {
  // Each program of offload_rules is one rule, or the edge of one, which the kernel's verifier takes natively;
  // offload_native's it refuses natively. No nfp is at hand: each expected line is the driver's own format.
  // Verified from the object as `xdpsim verify` does: loadObject would verify it natively first, which those of `native` fail.
  const rules = readFileSync(fixture('offload_rules.bpf.o'));
  const native = readFileSync(new URL('../fixtures/refused/offload_native.bpf.o', import.meta.url));
  const NATIVELY_REFUSED = new Set(['load_maybe_null', 'queue_select', 'ctx_store']);
  const rulesRefusal = (program: string, firmware?: NfpFirmware): OffloadError | undefined => {
    const bytes = NATIVELY_REFUSED.has(program) ? native : rules;
    try {
      checkOffload({ verify: (device) => verifyObject(bytes, { select: { program }, mode: 'offload', device }) }, firmware);
      return undefined;
    } catch (e) {
      if (e instanceof OffloadError) return e;
      throw e;
    }
  };
  const refused = (program: string, firmware?: NfpFirmware): [number, string, number | undefined] | undefined => {
    const e = rulesRefusal(program, firmware);
    return e && [e.errno, e.log, e.insn];
  };

  it('refuses the opcodes its JIT has no translation for, and takes what shares an opcode with one it has (sdiv)', () => {
    expect(refused('op_mod')).toEqual([EINVAL, '[nfp] instruction 0x97 not supported', 1]);
    expect(refused('op_bswap')).toEqual([EINVAL, '[nfp] instruction 0xd7 not supported', 1]);
    expect(refused('op_ldsx')).toEqual([EINVAL, '[nfp] instruction 0x91 not supported', 2]);
    expect(refused('op_gotol')).toEqual([EINVAL, '[nfp] instruction 0x6 not supported', 1]);
    expect(refused('op_may_goto')).toEqual([EINVAL, '[nfp] instruction 0xe5 not supported', 1]);
    expect(refused('op_sdiv')).toBeUndefined();
  });

  it('multiplies operands proven below 2^32 only, and no negative immediate in 64 bits', () => {
    expect(refused('mul_bounded')).toBeUndefined();
    expect(refused('mul_unbounded')).toEqual([EINVAL, '[nfp] multiplier is not within u32 value range', 1]);
    expect(refused('mul_multiplicand')).toEqual([EINVAL, '[nfp] multiplicand is not within u32 value range', 2]);
    expect(refused('mul_negative_imm')).toEqual([EINVAL, "[nfp] sign extended multiplicand won't be within u32 value range", 2]);
    expect(refused('mul32_negative_imm')).toBeUndefined();
  });

  it('divides a dividend below 2^32 by a constant, a register the verifier knows exactly included', () => {
    expect(refused('div_const')).toBeUndefined();
    expect(refused('div_reg_const')).toBeUndefined();
    expect(refused('div_unbounded')).toEqual([EINVAL, '[nfp] dividend is not within u32 value range', 1]);
    expect(refused('div_reg_variable')).toEqual([EINVAL, '[nfp] divisor is not constant', 6]);
    expect(refused('div_negative_imm')).toEqual([EINVAL, '[nfp] divide by negative constant is not supported', 2]);
  });

  it('takes the bounds of every walk of a division together: a constant on each path, but not the same one, is no constant', () => {
    expect(refused('div_two_constants')).toEqual([EINVAL, '[nfp] divisor is not constant', 6]);
  });

  it('loads and stores through the context, the stack, map values and the packet only, by its type number', () => {
    expect(refused('load_pkt_meta')).toEqual([EINVAL, '[nfp] unsupported ptr type: 7', 6]);
    // PTR_TO_MAP_VALUE | PTR_MAYBE_NULL: the hook sees the load before the verifier refuses it.
    expect(refused('load_maybe_null')).toEqual([EINVAL, '[nfp] unsupported ptr type: 260', 7]);
    expect(refused('ptr_type_changed')).toEqual([EINVAL, '[nfp] ptr type changed for instruction 8 -> 6', 10]);
  });

  it('reaches the stack at constant offsets, which may change between walks by whole words only', () => {
    expect(refused('stack_moves_by_words')).toBeUndefined();
    expect(refused('stack_moves_unaligned')).toEqual([EINVAL, '[nfp] stack access changed location was:-6 is:-8', 7]);
    expect(refused('stack_variable')).toEqual([EINVAL, '[nfp] variable ptr stack access', 7]);
  });

  it('reads map values and adds to them atomically, each word one way, but never writes them', () => {
    expect(refused('map_write')).toEqual([EOPNOTSUPP, '[nfp] map writes not supported', 11]);
    expect(refused('map_atomic_add')).toBeUndefined();
    expect(refused('map_read_then_atomic')).toEqual([EOPNOTSUPP, '[nfp] map value use type conflict read vs atomic off: 8', 12]);
    expect(refused('map_atomic_fetch')).toEqual([EOPNOTSUPP, '[nfp] atomic op not implemented: 1', 11]);
    expect(refused('atomic_on_stack')).toEqual([EOPNOTSUPP, '[nfp] atomic add not to a map value pointer: 6', 3]);
    expect(refused('map_offset_variable')).toEqual([EOPNOTSUPP, '[nfp] map value offset is variable', 14]);
  });

  it('keeps atomic counters zero until the program adds to them: map_update_elem may store only known zeroes there', () => {
    expect(refused('update_zero_then_atomic')).toBeUndefined();
    // Linux 6.18 keeps a BPF_ST of 0 at a word boundary as a spilled zero register: not zero bytes to nfp.
    expect(refused('update_st_spill_then_atomic')).toEqual([EOPNOTSUPP, '[nfp] atomic counter in map value may already be initialized to non-zero value off: 0', 23]);
    expect(refused('update_spill_then_atomic')).toEqual([EOPNOTSUPP, '[nfp] atomic counter in map value may already be initialized to non-zero value off: 0', 24]);
    expect(refused('atomic_then_update')).toEqual([
      EOPNOTSUPP,
      '[nfp] value at offset 0/23 may be non-zero, bpf_map_update_elem() is required to initialize atomic counters to zero to avoid offload endian issues',
      24,
    ]);
  });

  it('gives map helpers constant, 4-byte aligned stack pointers only', () => {
    expect(refused('key_unaligned')).toEqual([EOPNOTSUPP, '[nfp] map_lookup: unaligned stack pointer 6', 7]);
    expect(refused('key_in_map_value')).toEqual([EOPNOTSUPP, '[nfp] map_lookup: unsupported ptr type 4', 13]);
    expect(refused('key_variable')).toEqual([EOPNOTSUPP, '[nfp] map_lookup: variable pointer', 10]);
  });

  it('sends events for the current CPU, known exactly, from data of one kind on every walk', () => {
    expect(refused('events_flags_from_map')).toEqual([EOPNOTSUPP, '[nfp] event_output: must use BPF_F_CURRENT_CPU, var_off: (0x0; 0xffffffffffffffff)', 20]);
    expect(refused('events_data_changes')).toEqual([EINVAL, '[nfp] event_output: ptr type changed: 6 4', 25]);
  });

  it('picks no RX queue (xdpsim firmware has no queue selection) and stores to no other context field', () => {
    expect(NFP_FIRMWARE.queueSelect).toBe(false);
    expect(refused('queue_select')).toEqual([EOPNOTSUPP, '[nfp] queue selection not supported by FW', 1]);
    expect(refused('ctx_store')).toEqual([EOPNOTSUPP, '[nfp] unsupported store to context field', 1]);
  });

  it("adds up the frames of the deepest chain of calls, with each callee's return address and saved R6-R9, against the firmware's stack", () => {
    // 104 bytes each: the main function 128, deep and deeper (which keep R6) 104 + 4 + 32 -> 192, deepest 104 + 4 -> 128.
    expect(refused('deep_calls')).toEqual([EOPNOTSUPP, '[nfp] stack too large: program 640B > FW stack 512B', 0]);
    expect(refused('deep_calls', { ...NFP_FIRMWARE, stackSize: 640 })).toBeUndefined();
  });

  it("refuses the helpers its firmware lacks, in nfp's words", () => {
    const fw = (f: Partial<NfpFirmware>): NfpFirmware => ({ ...NFP_FIRMWARE, ...f });
    const helpers = NFP_FIRMWARE.helpers;
    expect(refused('key_unaligned', fw({ helpers: { ...helpers, mapLookup: false } }))).toEqual([EOPNOTSUPP, '[nfp] map_lookup: not supported by FW', 7]);
    expect(refused('atomic_then_update', fw({ helpers: { ...helpers, mapUpdate: false } }))?.[1]).toBe('[nfp] map_update: not supported by FW');
    expect(refused('mul_bounded', fw({ pseudoRandom: false }))?.[1]).toBe("[nfp] bpf_get_prandom_u32(): FW doesn't support random number generation");
    expect(refused('events_data_changes', fw({ helpers: { ...helpers, perfEventOutput: false } }))?.[1]).toBe('[nfp] event_output: not supported by FW');
  });

  it("carries the verifier's log with the refusal", () => {
    const e = rulesRefusal('map_write')!;
    // The instruction, nfp's line, then the kernel's statistics.
    expect(e.verifierLog?.trimEnd().split('\n').slice(-3, -1)).toEqual(['11: (7b) *(u64 *)(r0 +0) = r1', '[nfp] map writes not supported']);
  });
});

/** The frames laid end to end in one buffer, as a capture reader's batch holds them. */
function frameBatch(frames: readonly Uint8Array[]): FrameBatch {
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length + 3, 0));
  const offset: number[] = [];
  let at = 0;
  for (const f of frames) {
    at += 3;
    bytes.set(f, at);
    offset.push(at);
    at += f.length;
  }
  return { bytes, offset, capLen: frames.map((f) => f.length) };
}

/** A frame for offload_verdicts: byte 14 its action, byte 15 the adjust call to make, byte 16 a tag. */
function frame(action: number, op = 0, tag = 0, length = 64): Uint8Array {
  const f = new Uint8Array(length);
  f.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, action, op, tag]);
  return f;
}

interface Out {
  kind: 'pass' | 'tx' | 'drop';
  queue: number;
  verdict?: number;
  frame: number;
  bytes: Uint8Array;
}

class Recorder implements XdpSinks, NicEvents {
  readonly out: Out[] = [];
  readonly lines: string[] = [];
  readonly exceptions: string[] = [];
  pass(_d: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.out.push({ kind: 'pass', queue, frame, bytes: frameBytes(b, start, end, frags) });
  }
  tx(_d: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.out.push({ kind: 'tx', queue, frame, bytes: frameBytes(b, start, end, frags) });
  }
  drop(_d: VirtualNic, queue: number, verdict: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.out.push({ kind: 'drop', queue, verdict, frame, bytes: frameBytes(b, start, end, frags) });
  }
  redirect(): void {
    throw new Error('an offloaded program redirects nothing');
  }
  xsk(): void {
    throw new Error('an offloaded program redirects nothing');
  }
  trace(tracepoint: string, line: string): void {
    this.lines.push(`${tracepoint}: ${line}`);
  }
  exception(_d: VirtualNic, _q: number, message: string): void {
    this.exceptions.push(message);
  }
}

interface Rig {
  obj: LoadedObject;
  program: XdpProgram;
  eth0: VirtualNic;
  rec: Recorder;
  rx: OffloadRxQueue;
}

function rig(options: { next?: (r: Omit<Rig, 'rx'>, topology: Topology) => RxPath; firmware?: NfpFirmware; budget?: number } = {}): Rig {
  const obj = load('offload_ok.bpf.o', options.budget);
  const program = obj.program({ program: 'offload_verdicts' });
  const topology = new Topology();
  const eth0 = topology.add({ name: 'eth0' });
  const rec = new Recorder();
  const base = { obj, program, eth0, rec };
  checkOffload({ verify: (device) => obj.verify(program, { mode: 'offload', device }) });
  const rx = new OffloadRxQueue({
    device: eth0,
    queue: 0,
    executable: obj.compile(program),
    context: obj.context(0),
    sinks: rec,
    events: rec,
    ...(options.next && { next: options.next(base, topology) }),
    ...(options.firmware && { firmware: options.firmware }),
  });
  return { ...base, rx };
}

function poll(rx: RxPath, frames: readonly Uint8Array[]): void {
  rx.poll(frameBatch(frames), Array.from(frames, (_, i) => i), frames.length);
}

const stat = (obj: LoadedObject, i: number): bigint => new DataView((obj.maps.get('stats')!.lookupElem(Uint8Array.of(i, 0, 0, 0)) as Uint8Array).buffer).getBigInt64(0, true);

describe('OffloadRxQueue: the program on the NIC', () => {
  it('runs nothing while the NIC is down: the frames count as its RX dropped, and its statistics do not move', () => {
    const r = rig();
    r.eth0.up = false;
    poll(r.rx, [frame(XDP_PASS), frame(XDP_TX)]);
    const c = r.eth0.counters;
    expect([c.rxStat(0, 'dropped'), c.rxStat(0, 'packets'), c.offloadStat('bpf_pass_pkts'), c.offloadStat('bpf_app2_pkts'), c.verdictTotal('pass')]).toEqual([2, 0, 0, 0, 0]);
    expect(r.rec.out).toEqual([]);
  });

  it('acts on each verdict: PASS to the host, DROP freed, TX out of the port, REDIRECT and invalid actions aborted', () => {
    const r = rig();
    const frames = [frame(XDP_PASS), frame(XDP_DROP, 0, 0, 70), frame(XDP_TX, 0, 0, 80), frame(XDP_ABORTED), frame(XDP_REDIRECT, 0, 0, 90), frame(7, 0, 0, 100)];
    poll(r.rx, frames);
    expect(r.rec.out.map((o) => [o.kind, o.verdict, o.frame])).toEqual([
      ['pass', undefined, 0],
      ['drop', XDP_DROP, 1],
      ['tx', undefined, 2],
      ['drop', XDP_ABORTED, 3],
      ['drop', XDP_REDIRECT, 4],
      ['drop', 7, 5],
    ]);
    const c = r.eth0.counters;
    // What the program returned, per queue; the NIC's own statistics, bytes as received.
    expect(c.snapshot().verdicts[0]).toEqual({ queue: 0, aborted: 1, drop: 1, pass: 1, tx: 1, redirect: 1, invalid: 1, tx_errors: 0, redirect_errors: 0, unsimulated: 0 });
    expect(c.snapshot().offload).toEqual({
      bpf_pass_pkts: 1,
      bpf_pass_bytes: 64,
      bpf_app1_pkts: 1,
      bpf_app1_bytes: 70,
      bpf_app2_pkts: 1,
      bpf_app2_bytes: 80,
      bpf_app3_pkts: 3,
      bpf_app3_bytes: 64 + 90 + 100,
    });
    expect(c.rxStat(0, 'packets')).toBe(6);
    expect(c.rxStat(0, 'bytes')).toBe(64 + 70 + 80 + 64 + 90 + 100);
    expect([c.txStat(0, 'packets'), c.txStat(0, 'bytes')]).toEqual([1, 80]);
    // Nothing of the host driver's XDP counting, and no tracepoint: the kernel never sees these frames run.
    for (const s of ['xdp_packets', 'xdp_drops', 'xdp_aborted', 'xdp_tx', 'xdp_redirect', 'drops'] as const) expect(c.rxStat(0, s), s).toBe(0);
    expect(r.rec.lines).toEqual([]);
    expect(stat(r.obj, 0)).toBe(6n);
    // The maps are the device's: the host reads what the NIC's program wrote.
    expect(r.obj.maps.get('seen')!.lookupElem(Uint8Array.of(XDP_TX, 0, 0, 0))).toEqual(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
  });

  it('refuses frames a driver refuses before the program, as length errors', () => {
    const r = rig();
    poll(r.rx, [new Uint8Array(13), frame(XDP_PASS, 0, 0, 1500 + 14 + 4 + 1), frame(XDP_PASS, 0, 0, 1518)]);
    const c = r.eth0.counters;
    expect(c.rxStat(0, 'length_errors')).toBe(2);
    expect(c.rxStat(0, 'packets')).toBe(3);
    expect(c.offloadStat('bpf_pass_pkts')).toBe(1);
    expect(r.rec.out.map((o) => o.frame)).toEqual([2]);
  });

  it('shrinks with adjust_tail and adjust_head, and fails growing the tail, or by 0, with -EINVAL', () => {
    const r = rig();
    poll(r.rx, [frame(XDP_PASS, 2, 0xaa)]);
    expect(stat(r.obj, 1)).toBe(0n);
    expect(r.rec.out[0]!.bytes.length).toBe(60);
    poll(r.rx, [frame(XDP_PASS, 1, 0xbb)]);
    expect(stat(r.obj, 1)).toBe(0n);
    expect(r.rec.out[1]!.bytes.length).toBe(60);
    expect(r.rec.out[1]!.bytes).toEqual(frame(XDP_PASS, 1, 0xbb).slice(4));
    poll(r.rx, [frame(XDP_PASS, 3, 0xcc)]);
    expect(stat(r.obj, 1)).toBe(BigInt(-EINVAL));
    expect(r.rec.out[2]!.bytes.length).toBe(64);
    poll(r.rx, [frame(XDP_PASS, 5)]);
    expect(stat(r.obj, 1)).toBe(BigInt(-EINVAL));
  });

  it("limits adjust_head to the firmware's offsets", () => {
    // The default firmware lets the start move 64 bytes before where a frame arrives.
    const r = rig();
    poll(r.rx, [frame(XDP_PASS, 4)]);
    expect(stat(r.obj, 1)).toBe(0n);
    expect(r.rec.out[0]!.bytes.length).toBe(128);
    const tight = rig({ firmware: { ...NFP_FIRMWARE, adjustHead: { offMin: 100, offMax: 192, packetOffset: 128 } } });
    poll(tight.rx, [frame(XDP_PASS, 4)]);
    expect(stat(tight.obj, 1)).toBe(BigInt(-EINVAL));
    expect(tight.rec.out[0]!.bytes.length).toBe(64);
  });

  it('xdpmulti: the frames the NIC passes go on to the native program of the same queue, which counts them as received', () => {
    let native: RxQueue | undefined;
    const r = rig({
      next: (b, topology) =>
        (native = new RxQueue({
          device: b.eth0,
          queue: 0,
          topology,
          executable: b.obj.compile(b.program),
          context: b.obj.context(1),
          progId: 1,
          mapIds: objectMapIds(b.obj.maps.values()),
          entryProgram: (id) => b.obj.compile(b.obj.programs[id - 1]!),
          sinks: b.rec,
          events: b.rec,
        })),
    });
    expect(native).toBeDefined();
    // The NIC passes the first two, the first shrunk by 4, and drops the third; the
    // host's program runs the same code on what it passed, so shrinks the first once more.
    poll(r.rx, [frame(XDP_PASS, 2, 0, 200), frame(XDP_PASS), frame(XDP_DROP)]);
    const c = r.eth0.counters;
    expect(c.offloadStat('bpf_pass_pkts')).toBe(2);
    expect(c.offloadStat('bpf_app1_pkts')).toBe(1);
    expect(c.rxStat(0, 'xdp_packets')).toBe(2);
    expect(c.rxStat(0, 'packets')).toBe(3);
    expect(c.rxStat(0, 'bytes')).toBe(196 + 64 + 64);
    expect(r.rec.out.map((o) => [o.kind, o.frame, o.bytes.length])).toEqual([
      ['drop', 2, 64],
      ['pass', 0, 192],
      ['pass', 1, 64],
    ]);
    expect(stat(r.obj, 0)).toBe(5n);
    // Only the NIC's context follows the NIC's helpers: growing the tail fails there and works on the host.
    poll(r.rx, [frame(XDP_PASS, 3)]);
    expect(stat(r.obj, 1)).toBe(0n);
    expect(r.rec.out[3]!.bytes.length).toBe(68);
  });

  it('hands frames past a page on whole, fragments included: to its sinks, to TX (bytes counted), and copied out for the host path', () => {
    let native: RxQueue | undefined;
    const r = rig({
      next: (b, topology) =>
        (native = new RxQueue({
          device: b.eth0,
          queue: 0,
          topology,
          executable: b.obj.compile(b.program),
          context: b.obj.context(1),
          progId: 1,
          mapIds: objectMapIds(b.obj.maps.values()),
          entryProgram: (id) => b.obj.compile(b.obj.programs[id - 1]!),
          sinks: b.rec,
          events: b.rec,
        })),
    });
    expect(native).toBeDefined();
    // netdevsim's HW mode sets no MTU bound: frames past 3520 bytes lie in a page and fragments.
    r.eth0.mtu = 9000;
    const frames = [frame(XDP_TX, 0, 1, 9000), frame(XDP_PASS, 0, 2, 5000), frame(XDP_PASS, 0, 3, 9018), frame(XDP_DROP, 0, 4, 4000)];
    for (const f of frames) for (let i = 17; i < f.length; i++) f[i] = i * 13;
    poll(r.rx, frames);
    // The two passed go on to the host's program, which passes them too: whole, through the staging copy.
    expect(r.rec.out.map((o) => [o.kind, o.frame, o.bytes.length])).toEqual([
      ['tx', 0, 9000],
      ['drop', 3, 4000],
      ['pass', 1, 5000],
      ['pass', 2, 9018],
    ]);
    for (const o of r.rec.out) expect(o.bytes, `frame ${o.frame}`).toEqual(frames[o.frame]);
    expect([r.eth0.counters.txStat(0, 'packets'), r.eth0.counters.txStat(0, 'bytes')]).toEqual([1, 9000]);
    expect(r.eth0.counters.rxStat(0, 'xdp_bytes')).toBe(5000 + 9018 - 2 * 14);
  });

  it('takes as next only the host path of the same queue', () => {
    expect(() =>
      rig({ next: (b) => new OffloadRxQueue({ device: b.eth0, queue: 1, executable: b.obj.compile(b.program), context: b.obj.context(1) }) }),
    ).toThrow('go on to the host path of the same queue (0)');
  });

  it('aborts a frame the program faults on, reporting it as an exception of its own', () => {
    const r = rig({ budget: 10 });
    poll(r.rx, [frame(XDP_PASS), frame(XDP_TX)]);
    const c = r.eth0.counters;
    expect(c.verdictTotal('aborted')).toBe(2);
    expect([c.offloadStat('bpf_app3_pkts'), c.offloadStat('bpf_app3_bytes')]).toEqual([2, 128]);
    expect(r.rec.out.map((o) => [o.kind, o.verdict])).toEqual([
      ['drop', XDP_ABORTED],
      ['drop', XDP_ABORTED],
    ]);
    expect(r.rec.exceptions.length).toBe(2);
    expect(r.rec.exceptions[0]).toMatch(/^program fault on eth0 RX queue 0 \(offloaded\): /);
    expect(r.rec.lines).toEqual([]);
  });
});
