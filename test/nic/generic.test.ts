// The generic (SKB mode) receive path of an RX queue: the socket buffer the
// program runs in, each verdict acted on at once as do_xdp_generic does,
// through generic_xdp_tx for TX and redirects, no driver XDP counter, and
// the xdp:* lines the generic path fires; each against what the native path
// does with the same frames.
import { describe, expect, it } from 'vitest';
import { loadObject, type LoadedObject } from '../../src/loader/load.js';
import type { XdpProgram } from '../../src/testrun/program.js';
import type { VirtualNic } from '../../src/nic/device.js';
import { expandedFrameSize, GenericRxQueue, genericFrameSize, kmallocHeadEnd, xdpHeadroom } from '../../src/nic/generic.js';
import { NicReceiver } from '../../src/nic/receive.js';
import { objectMapIds, RxQueue, type FrameBatch, type RxPath } from '../../src/nic/rx.js';
import type { NicEvents, XdpSinks } from '../../src/nic/sinks.js';
import { Topology } from '../../src/nic/topology.js';
import type { XdpTracepoint } from '../../src/nic/trace.js';
import type { XskMap } from '../../src/maps/xskmap.js';
import { RX_QUEUE_STATS } from '../../src/nic/counters.js';
import { BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS, XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../../src/uapi/bpf.js';
import { XDP_LARGE_FRAME_SIZE } from '../../src/xdp/constants.js';
import { frameBytes } from '../support/frame-bytes.js';

const fixture = (name: string): string => new URL(`../fixtures/objects/${name}`, import.meta.url).pathname;
const PROBE = fixture('generic_probe.bpf.o');
const VERDICTS = fixture('nic_verdicts.bpf.o');

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

interface Out {
  kind: 'pass' | 'tx' | 'drop' | 'redirect' | 'xsk';
  dev: string;
  queue: number;
  verdict?: number;
  to?: string;
  socket?: number;
  frame: number;
  bytes: Uint8Array;
}

class Recorder implements XdpSinks, NicEvents {
  readonly out: Out[] = [];
  readonly lines: string[] = [];
  readonly exceptions: string[] = [];

  pass(dev: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.out.push({ kind: 'pass', dev: dev.name, queue, frame, bytes: frameBytes(b, start, end, frags) });
  }

  tx(dev: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.out.push({ kind: 'tx', dev: dev.name, queue, frame, bytes: frameBytes(b, start, end, frags) });
  }

  drop(dev: VirtualNic, queue: number, verdict: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.out.push({ kind: 'drop', dev: dev.name, queue, verdict, frame, bytes: frameBytes(b, start, end, frags) });
  }

  redirect(from: VirtualNic, to: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.out.push({ kind: 'redirect', dev: from.name, to: to.name, queue, frame, bytes: frameBytes(b, start, end, frags) });
  }

  xsk(dev: VirtualNic, queue: number, socket: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.out.push({ kind: 'xsk', dev: dev.name, queue, socket, frame, bytes: frameBytes(b, start, end, frags) });
  }

  trace(tracepoint: XdpTracepoint, line: string): void {
    this.lines.push(`${tracepoint.slice(4)}: ${line}`);
  }

  exception(dev: VirtualNic, queue: number, message: string): void {
    this.exceptions.push(`${dev.name}/${queue}: ${message}`);
  }

  of(kind: Out['kind']): Out[] {
    return this.out.filter((o) => o.kind === kind);
  }
}

interface Rig {
  obj: LoadedObject;
  program: XdpProgram;
  topology: Topology;
  eth0: VirtualNic;
  rec: Recorder;
  generic(q: number, options?: { cpu?: number }): GenericRxQueue;
  native(q: number, options?: { cpu?: number; xdpReceiver?: (dev: VirtualNic) => boolean }): RxQueue;
}

function rig(path: string, name: string, options: { rxQueues?: number; txQueues?: number; mtu?: number } = {}): Rig {
  const obj = loadObject(path, { cpus: 4, contexts: 8, frameSlots: 65 });
  const program = obj.program({ program: name });
  const topology = new Topology();
  const eth0 = topology.add({
    name: 'eth0',
    rxQueues: options.rxQueues ?? 1,
    ...(options.txQueues !== undefined && { txQueues: options.txQueues }),
    ...(options.mtu !== undefined && { mtu: options.mtu }),
  });
  const rec = new Recorder();
  const common = (q: number, cpu: number | undefined) => ({
    device: eth0,
    queue: q,
    topology,
    executable: obj.compile(program),
    context: obj.context(cpu ?? q),
    progId: obj.programs.indexOf(program) + 1,
    mapIds: objectMapIds(obj.maps.values()),
    sinks: rec,
    events: rec,
    entryProgram: (id: number) => obj.compile(obj.programs[id - 1]!),
  });
  return {
    obj,
    program,
    topology,
    eth0,
    rec,
    generic: (q, o = {}) => new GenericRxQueue(common(q, o.cpu)),
    native: (q, o = {}) => new RxQueue({ ...common(q, o.cpu), ...(o.xdpReceiver && { xdpReceiver: o.xdpReceiver }) }),
  };
}

function pollAll(rx: RxPath, frames: readonly Uint8Array[]): void {
  const batch = frameBatch(frames);
  for (let first = 0; first < frames.length; first += rx.budget) {
    const which = Array.from({ length: Math.min(rx.budget, frames.length - first) }, (_, i) => first + i);
    rx.poll(batch, which, which.length);
  }
}

/** An Ethernet frame (IPv4 ethertype) carrying u32 `action` and u32 `arg` after the header, padded to `length`. */
function verdictFrame(action: number, arg = 0, length = 64): Uint8Array {
  const f = new Uint8Array(length);
  f.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
  const v = new DataView(f.buffer);
  v.setUint32(14, action, true);
  v.setUint32(18, arg, true);
  return f;
}

/** For nic_verdicts' xdp_port and xdp_to_cpu: key, flags, then the action the entry's program returns at 34. */
function entryFrame(key: number, flags: number, action: number, tag: number): Uint8Array {
  const f = verdictFrame(key, flags, 64);
  new DataView(f.buffer).setUint32(34, action, true);
  f[40] = tag;
  return f;
}

/** What the entry programs write at 22, 26 and 30. */
const seen = (f: Uint8Array): number[] => [0, 1, 2].map((i) => new DataView(f.buffer, f.byteOffset).getUint32(22 + 4 * i, true));
const u32 = (n: number): Uint8Array => new Uint8Array(Uint32Array.of(n).buffer);
const pair = (a: number, b: number): Uint8Array => new Uint8Array(Uint32Array.of(a, b).buffer);

/** generic_probe's findings for the last frame: adjust_head room, adjust_tail room, length, rx_queue_index. */
function probed(obj: LoadedObject): number[] {
  const probe = obj.map('probe');
  return [0, 1, 2, 3].map((k) => new DataView((probe.lookupElem(u32(k)) as Uint8Array).buffer).getUint32(0, true));
}

/** The driver's counters no generic-mode frame may move. */
const XDP_COUNTERS = RX_QUEUE_STATS.filter((s) => s !== 'packets' && s !== 'bytes' && s !== 'length_errors');

describe('GenericRxQueue: the socket buffer the program runs in', () => {
  it('skb sizes as the kernel computes them, checked against a veth in generic mode (frames sent by AF_PACKET on its peer)', () => {
    // Measured on 6.18 with generic_probe.bpf.o on vB of a veth pair, each frame sent by an AF_PACKET socket on vA:
    // the socket's skb has 2 bytes of headroom (16 reserved, less the 14-byte header) and a head of
    // SKB_HEAD_ALIGN(16 + length) from kmalloc; data - data_hard_start was 258 for every length.
    const measured: [number, number][] = [
      [64, 382],
      [200, 246],
      [241, 1229],
      [300, 1170],
      [1000, 2518],
      [1514, 2004],
    ];
    expect(xdpHeadroom(2)).toBe(258);
    for (const [length, tailroom] of measured) {
      const frameSize = expandedFrameSize(2, kmallocHeadEnd(16 + length));
      expect(frameSize - 320 - 258 - length, `${length} bytes`).toBe(tailroom);
    }
    // Past a page AF_PACKET's skb keeps only the 14-byte header in its head and the rest in fragments:
    // pskb_expand_head adds 256 bytes in front and the fragments plus 128 behind, then skb_linearize.
    // A 9000-byte frame (veth MTU 9000) ran linear: data_end - data 9000, 258 of headroom, 6806 of tailroom.
    expect(kmallocHeadEnd(16 + (9000 - 14) + 256 + 128) - 258 - 9000).toBe(6806);
    expect(xdpHeadroom(64)).toBe(256);
    expect(xdpHeadroom(300)).toBe(300);
  });

  it('headroom is 256 as in native mode, but tailroom follows the skb head kmalloc gives it', () => {
    const r = rig(PROBE, 'xdp_probe');
    const native = r.native(0);
    const generic = r.generic(0, { cpu: 1 });
    // Frame length, then the room adjust_tail found: napi_alloc_skb's head (64 bytes of headroom),
    // reallocated by netif_skb_check_for_xdp with 192 more in front (1024, 2048, 2048 and 4096 bytes).
    const cases: [number, number][] = [
      [64, 384],
      [300, 1172],
      [1000, 472],
      [1514, 2006],
    ];
    for (const [length, tailroom] of cases) {
      pollAll(generic, [verdictFrame(XDP_DROP, 0, length)]);
      expect(probed(r.obj), `generic, ${length} bytes`).toEqual([216, tailroom, length, 0]);
      expect(genericFrameSize(length, false)).toBe(256 + length + tailroom + 320);
      pollAll(native, [verdictFrame(XDP_DROP, 0, length)]);
      expect(probed(r.obj), `native, ${length} bytes`).toEqual([216, 3520 - length, length, 0]);
    }
  });

  it('a frags-aware program gets a page_pool copy: SKB_HEAD_ALIGN(length) + 256, or a page (as measured on veth)', () => {
    const r = rig(PROBE, 'xdp_probe_frags');
    const generic = r.generic(0);
    pollAll(generic, [verdictFrame(XDP_DROP, 0, 64)]);
    expect(probed(r.obj)).toEqual([216, 0, 64, 0]);
    pollAll(generic, [verdictFrame(XDP_DROP, 0, 300)]);
    expect(probed(r.obj)).toEqual([216, 20, 300, 0]);
    pollAll(generic, [verdictFrame(XDP_DROP, 0, 1514)]);
    expect(probed(r.obj)).toEqual([216, 2006, 1514, 0]);
  });

  it('the program sees the RX queue the frame came in on, and frames a driver refuses never run, frags-aware or not', () => {
    const r = rig(PROBE, 'xdp_probe_frags', { rxQueues: 4, mtu: 1500 });
    const rx = r.generic(3);
    pollAll(rx, [verdictFrame(XDP_DROP, 0, 100)]);
    expect(probed(r.obj)[3]).toBe(3);
    pollAll(rx, [verdictFrame(XDP_PASS, 0, 22).subarray(0, 13), verdictFrame(XDP_PASS, 0, 1518), verdictFrame(XDP_PASS, 0, 1519), verdictFrame(XDP_PASS, 0, 3000)]);
    const c = r.eth0.counters;
    expect([c.rxStat(3, 'packets'), c.rxStat(3, 'length_errors'), c.verdictTotal('pass'), c.verdictTotal('drop')]).toEqual([5, 3, 1, 1]);
    expect(r.rec.of('pass').map((o) => o.bytes.length)).toEqual([1518]);
  });

  it('a program without fragments gets the skb linear whatever its length: past a page it runs in the large slot, in order', () => {
    const r = rig(PROBE, 'xdp_probe', { mtu: 9000 });
    const rx = r.generic(0);
    // napi_alloc_skb's 4000-byte frame has an 8 KiB head, expanded by 192 bytes into a 16 KiB one; a 9000-byte frame's
    // 16 KiB head into a 32 KiB one, more than the probe looks for (16384).
    expect([genericFrameSize(4000, false), genericFrameSize(9000, false)]).toEqual([16384, 32768]);
    pollAll(rx, [verdictFrame(XDP_DROP, 0, 4000)]);
    expect(probed(r.obj)).toEqual([216, 16384 - 320 - 256 - 4000, 4000, 0]);
    pollAll(rx, [verdictFrame(XDP_DROP, 0, 9000)]);
    expect(probed(r.obj)).toEqual([216, 16384, 9000, 0]);
    // The longest frame a device takes (ETH_MAX_MTU) fits the large slot every context has.
    expect(genericFrameSize(65535 + 18, false)).toBe(XDP_LARGE_FRAME_SIZE);

    // Page-sized and larger frames in one poll: each verdict acted on in the frames' order, every byte of them.
    r.rec.out.length = 0;
    const frames = [verdictFrame(XDP_PASS, 0, 100), verdictFrame(XDP_DROP, 0, 9000), verdictFrame(XDP_PASS, 0, 3521), verdictFrame(XDP_PASS, 0, 9018), verdictFrame(XDP_PASS, 0, 300)];
    frames[3]![9017] = 0xab;
    pollAll(rx, frames);
    expect(r.rec.out.map((o) => [o.kind, o.frame, o.bytes.length])).toEqual([
      ['pass', 0, 100],
      ['drop', 1, 9000],
      ['pass', 2, 3521],
      ['pass', 3, 9018],
      ['pass', 4, 300],
    ]);
    expect(r.rec.of('pass')[2]!.bytes).toEqual(frames[3]);
    expect(r.rec.exceptions).toEqual([]);
    const c = r.eth0.counters;
    expect([c.rxStat(0, 'packets'), c.verdictTotal('pass'), c.verdictTotal('drop'), c.verdictTotal('unsimulated')]).toEqual([7, 4, 3, 0]);
  });

  it('a frags-aware program gets frames past a page 3520 bytes linear, the rest in fragments that cannot grow (as on a 6.18 veth, native and generic alike)', () => {
    const r = rig(PROBE, 'xdp_probe_frags', { mtu: 9000 });
    // skb_pp_cow_data copies the skb; the core's RX queues, as veth's, register frag_size 0, so bpf_xdp_adjust_tail cannot grow the last fragment.
    pollAll(r.generic(0), [verdictFrame(XDP_PASS, 0, 9000)]);
    expect(probed(r.obj)).toEqual([216, 0, 3520, 0]);
    pollAll(r.native(0, { cpu: 1 }), [verdictFrame(XDP_PASS, 0, 9000)]);
    expect(probed(r.obj)).toEqual([216, 0, 3520, 0]);
  });
});

describe('GenericRxQueue: each verdict', () => {
  it('PASS, DROP, ABORTED and invalid actions: the verdict counts and xdp_exception lines, and no driver XDP counter', () => {
    const r = rig(VERDICTS, 'xdp_verdict');
    const frames = [2, 1, 0, 9, 0xffffffff, 2, 5].map((a) => verdictFrame(a));
    const rx = r.generic(0);
    pollAll(rx, frames);
    const c = r.eth0.counters;
    expect([c.rxStat(0, 'packets'), c.rxStat(0, 'bytes')]).toEqual([7, 7 * 64]);
    for (const stat of XDP_COUNTERS) expect(c.rxStat(0, stat), stat).toBe(0);
    expect(c.snapshot().verdicts[0]).toEqual({ queue: 0, aborted: 1, drop: 1, pass: 2, tx: 0, redirect: 0, invalid: 3, tx_errors: 0, redirect_errors: 0, unsimulated: 0 });
    expect(r.rec.lines).toEqual([
      'xdp_exception: prog_id=1 action=ABORTED ifindex=2',
      'xdp_exception: prog_id=1 action=0x9 ifindex=2',
      'xdp_exception: prog_id=1 action=0xffffffff ifindex=2',
      'xdp_exception: prog_id=1 action=0x5 ifindex=2',
    ]);
    expect(r.rec.out.map((o) => [o.kind, o.verdict, o.frame])).toEqual([
      ['pass', undefined, 0],
      ['drop', 1, 1],
      ['drop', 0, 2],
      ['drop', 9, 3],
      ['drop', 0xffffffff, 4],
      ['pass', undefined, 5],
      ['drop', 5, 6],
    ]);
    expect(r.rec.out.map((o) => o.bytes)).toEqual(frames);
  });

  it('a device that is down receives nothing: no program runs, and the frames count as its RX dropped', () => {
    const r = rig(VERDICTS, 'xdp_verdict', { rxQueues: 2 });
    r.eth0.up = false;
    pollAll(r.generic(1), [verdictFrame(XDP_TX), verdictFrame(XDP_PASS), verdictFrame(XDP_DROP, 0, 9000)]);
    const c = r.eth0.counters;
    expect([c.rxStat(1, 'dropped'), c.rxStat(1, 'packets'), c.rxStat(1, 'length_errors'), c.txTotal('packets'), c.verdictTotal('tx'), c.verdictTotal('pass')]).toEqual([3, 0, 0, 0, 0, 0]);
    expect([r.rec.out, r.rec.lines]).toEqual([[], []]);
  });

  it('TX leaves at once by the recorded RX queue modulo the TX queues, with no bulk_tx line', () => {
    const r = rig(VERDICTS, 'xdp_verdict', { rxQueues: 4, txQueues: 2 });
    const frames = [verdictFrame(XDP_TX, 0, 60), verdictFrame(XDP_PASS), verdictFrame(XDP_TX, 0, 70)];
    pollAll(r.generic(3, { cpu: 0 }), frames);
    const c = r.eth0.counters;
    expect([c.txStat(1, 'packets'), c.txStat(1, 'bytes'), c.txStat(0, 'packets'), c.txStat(1, 'xdp_xmit')]).toEqual([2, 130, 0, 0]);
    expect(c.rxTotal('xdp_tx')).toBe(0);
    expect(c.verdictTotal('tx')).toBe(2);
    // In order: the TX frames are not held to the end of the poll as a driver's XDP TX ring holds them.
    expect(r.rec.out.map((o) => [o.kind, o.queue, o.frame])).toEqual([
      ['tx', 1, 0],
      ['pass', 3, 1],
      ['tx', 1, 2],
    ]);
    expect(r.rec.lines).toEqual([]);
  });
});

describe('GenericRxQueue: redirects', () => {
  it('bpf_redirect(ifindex) sends through generic_xdp_tx: no XDP support needed of the target, xdp_ok_fwd_dev errors as native', () => {
    const r = rig(VERDICTS, 'xdp_verdict', { rxQueues: 4 });
    const veth1 = r.topology.add({ name: 'veth1', txQueues: 2 });
    const small = r.topology.add({ name: 'small', mtu: 68 });
    const down = r.topology.add({ name: 'down' });
    down.up = false;
    const frames = [
      verdictFrame(XDP_REDIRECT, veth1.ifindex),
      verdictFrame(XDP_REDIRECT, 99),
      verdictFrame(XDP_REDIRECT, down.ifindex),
      verdictFrame(XDP_REDIRECT, small.ifindex, 86),
      verdictFrame(XDP_REDIRECT, small.ifindex, 87),
    ];
    // veth1 stands for a veth whose peer runs no program: the native path refuses it (-EOPNOTSUPP).
    pollAll(r.native(3, { xdpReceiver: (dev) => dev !== veth1 }), frames.slice(0, 1));
    expect(r.rec.lines).toEqual(['xdp_redirect_err: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=3 err=-95 map_id=2147483647 map_index=0']);
    r.rec.lines.length = 0;
    r.rec.out.length = 0;
    r.eth0.counters.reset();

    pollAll(r.generic(3, { cpu: 0 }), frames);
    expect(r.rec.lines).toEqual([
      'xdp_redirect: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=3 err=0 map_id=2147483647 map_index=0',
      'xdp_redirect_err: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=99 err=-22 map_id=2147483647 map_index=0',
      'xdp_redirect_err: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=5 err=-100 map_id=2147483647 map_index=0',
      'xdp_redirect: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=4 err=0 map_id=2147483647 map_index=0',
      'xdp_redirect_err: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=4 err=-90 map_id=2147483647 map_index=0',
    ]);
    // RX queue 3 of 2 TX queues: queue 1, whatever the CPU (the native path picks by CPU).
    expect(r.rec.of('redirect').map((o) => [o.to, o.queue, o.frame])).toEqual([
      ['veth1', 1, 0],
      ['small', 0, 3],
    ]);
    expect([veth1.counters.txStat(1, 'packets'), veth1.counters.txStat(1, 'bytes'), veth1.counters.txStat(1, 'xdp_xmit')]).toEqual([1, 64, 0]);
    expect(r.rec.of('drop').map((o) => [o.verdict, o.frame])).toEqual([
      [XDP_REDIRECT, 1],
      [XDP_REDIRECT, 2],
      [XDP_REDIRECT, 4],
    ]);
    for (const stat of XDP_COUNTERS) expect(r.eth0.counters.rxTotal(stat), stat).toBe(0);
    expect(r.eth0.counters.verdictTotal('redirect')).toBe(5);
  });

  it("a devmap entry's program runs on the skb with the RX queue it came in on (native: 0), and may drop it after a redirect that succeeded", () => {
    const r = rig(VERDICTS, 'xdp_port', { rxQueues: 2 });
    const eth1 = r.topology.add({ name: 'eth1' });
    const egressId = r.obj.programs.findIndex((p) => p.name === 'xdp_egress') + 1;
    r.obj.map('ports').updateElem(u32(0), pair(eth1.ifindex, egressId));
    const frames = [entryFrame(0, 0, XDP_PASS, 1), entryFrame(0, 0, XDP_DROP, 2), entryFrame(0, 0, 9, 3)];
    pollAll(r.generic(1), frames);
    expect(r.rec.out.map((o) => [o.kind, o.to ?? o.verdict, o.bytes[40]])).toEqual([
      ['redirect', 'eth1', 1],
      ['drop', XDP_DROP, 2],
      ['drop', 9, 3],
    ]);
    expect(seen(r.rec.of('redirect')[0]!.bytes)).toEqual([eth1.ifindex, r.eth0.ifindex, 1]);
    const progId = r.obj.programs.indexOf(r.program) + 1;
    expect(r.rec.lines).toEqual([
      `xdp_redirect: prog_id=${progId} action=REDIRECT ifindex=2 to_ifindex=3 err=0 map_id=1 map_index=0`,
      `xdp_redirect: prog_id=${progId} action=REDIRECT ifindex=2 to_ifindex=3 err=0 map_id=1 map_index=0`,
      `xdp_exception: prog_id=${egressId} action=0x9 ifindex=3`,
      `xdp_redirect: prog_id=${progId} action=REDIRECT ifindex=2 to_ifindex=3 err=0 map_id=1 map_index=0`,
    ]);
    expect([eth1.counters.txStat(0, 'packets'), eth1.counters.txStat(0, 'xdp_xmit')]).toEqual([1, 0]);

    r.rec.out.length = 0;
    pollAll(r.native(1, { cpu: 2 }), frames.slice(0, 1));
    expect(seen(r.rec.of('redirect')[0]!.bytes)).toEqual([eth1.ifindex, r.eth0.ifindex, 0]);
  });

  it('broadcast: a copy to each entry in map order, the ingress device left out when told; an entry that cannot take it ends the walk with its error', () => {
    const r = rig(fixture('redirect_map.bpf.o'), 'xdp_devmap');
    const eth1 = r.topology.add({ name: 'eth1' });
    const eth2 = r.topology.add({ name: 'eth2', mtu: 68 });
    const eth3 = r.topology.add({ name: 'eth3' });
    const devs = r.obj.map('devs');
    devs.updateElem(u32(0), pair(r.eth0.ifindex, 0));
    devs.updateElem(u32(1), pair(eth1.ifindex, 0));
    const mapFrame = (key: number, flags: number, tag: number, length = 60): Uint8Array => {
      const f = new Uint8Array(length);
      f.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
      const v = new DataView(f.buffer);
      v.setUint32(14, key, true);
      v.setBigUint64(18, BigInt(flags), true);
      f[40] = tag;
      return f;
    };
    const rx = r.generic(0);
    pollAll(rx, [mapFrame(0, BPF_F_BROADCAST, 1), mapFrame(0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS, 2)]);
    expect(r.rec.out.map((o) => [o.kind, o.to, o.bytes[40]])).toEqual([
      ['redirect', 'eth0', 1],
      ['redirect', 'eth1', 1],
      ['redirect', 'eth1', 2],
    ]);
    // Entry 2 (eth2, MTU 68) cannot take a 100-byte frame: eth0 got its copy, eth3 gets none.
    devs.updateElem(u32(2), pair(eth2.ifindex, 0));
    devs.updateElem(u32(3), pair(eth3.ifindex, 0));
    r.rec.out.length = 0;
    r.rec.lines.length = 0;
    pollAll(rx, [mapFrame(0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS, 3, 100)]);
    expect(r.rec.out.map((o) => [o.kind, o.to ?? o.verdict])).toEqual([
      ['redirect', 'eth1'],
      ['drop', XDP_REDIRECT],
    ]);
    expect(r.rec.lines).toEqual(['xdp_redirect_err: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=0 err=-90 map_id=1 map_index=0']);
    // The native path skips that entry and sends on.
    r.rec.out.length = 0;
    pollAll(r.native(0, { cpu: 1 }), [mapFrame(0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS, 3, 100)]);
    expect(r.rec.out.map((o) => o.to)).toEqual(['eth1', 'eth3']);
  });

  it('an xskmap takes the frame in copy mode when the socket is bound to this queue', () => {
    const r = rig(fixture('redirect_map.bpf.o'), 'xdp_xskmap', { rxQueues: 2 });
    const sockets = r.obj.map('sockets') as XskMap;
    sockets.setSocket(0, { id: 41, queueId: 1 });
    sockets.setSocket(1, { id: 42, queueId: 0 });
    const frame = (key: number): Uint8Array => {
      const f = new Uint8Array(60);
      f.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
      new DataView(f.buffer).setUint32(14, key, true);
      return f;
    };
    pollAll(r.generic(1), [frame(0), frame(1)]);
    expect(r.rec.out.map((o) => [o.kind, o.socket ?? o.verdict, o.queue])).toEqual([
      ['xsk', 41, 1],
      ['drop', XDP_REDIRECT, 1],
    ]);
    const mapId = objectMapIds(r.obj.maps.values()).get(sockets);
    const progId = r.obj.programs.indexOf(r.program) + 1;
    expect(r.rec.lines).toEqual([
      `xdp_redirect: prog_id=${progId} action=REDIRECT ifindex=2 to_ifindex=0 err=0 map_id=${mapId} map_index=0`,
      `xdp_redirect_err: prog_id=${progId} action=REDIRECT ifindex=2 to_ifindex=0 err=-22 map_id=${mapId} map_index=1`,
    ]);
  });

  it("a cpumap: each skb onto the ring at once with its own enqueue line, a full ring refuses it (-ENOSPC), the kthread's program sees the RX queue", () => {
    const r = rig(VERDICTS, 'xdp_to_cpu', { rxQueues: 2 });
    const onCpu = r.obj.programs.findIndex((p) => p.name === 'xdp_on_cpu') + 1;
    const cpus = r.obj.map('cpus');
    cpus.updateElem(u32(1), pair(2, onCpu));
    cpus.updateElem(u32(2), pair(64, 0));
    const frames = [entryFrame(1, 0, XDP_PASS, 1), entryFrame(1, 0, XDP_DROP, 2), entryFrame(1, 0, XDP_PASS, 3), entryFrame(2, 0, XDP_TX, 4)];
    pollAll(r.generic(1, { cpu: 0 }), frames);
    expect(r.rec.out.map((o) => [o.kind, o.verdict, o.bytes[40], seen(o.bytes)])).toEqual([
      // Refused by CPU 1's full ring, at once.
      ['drop', XDP_REDIRECT, 3, [0, 0, 0]],
      // CPU 1's kthread: its program sees CPU 1, eth0 and RX queue 1 (native: 0).
      ['pass', undefined, 1, [1, r.eth0.ifindex, 1]],
      ['drop', XDP_DROP, 2, [1, r.eth0.ifindex, 1]],
      ['pass', undefined, 4, [0, 0, 0]],
    ]);
    const progId = r.obj.programs.indexOf(r.program) + 1;
    const mapId = objectMapIds(r.obj.maps.values()).get(cpus)!;
    const enqueue = (processed: number, drops: number, to: number): string =>
      `xdp_cpumap_enqueue: enqueue cpu=0 map_id=${mapId} action=REDIRECT processed=${processed} drops=${drops} to_cpu=${to}`;
    const redirect = (err: number, cpu: number): string =>
      `xdp_redirect${err === 0 ? '' : '_err'}: prog_id=${progId} action=REDIRECT ifindex=2 to_ifindex=0 err=${err} map_id=${mapId} map_index=${cpu}`;
    expect(r.rec.lines).toEqual([
      enqueue(1, 0, 1),
      redirect(0, 1),
      enqueue(1, 0, 1),
      redirect(0, 1),
      enqueue(0, 1, 1),
      redirect(-28, 1),
      enqueue(1, 0, 2),
      redirect(0, 2),
      `xdp_cpumap_kthread: kthread cpu=1 map_id=${mapId} action=REDIRECT processed=2 drops=0 sched=0 xdp_pass=1 xdp_drop=1 xdp_redirect=0`,
      `xdp_cpumap_kthread: kthread cpu=2 map_id=${mapId} action=REDIRECT processed=1 drops=0 sched=0 xdp_pass=0 xdp_drop=0 xdp_redirect=0`,
    ]);
  });
});

describe('GenericRxQueue: fed by a NicReceiver', () => {
  it('each queue a generic path, frames filed by RSS, the receiver indifferent to the mode', () => {
    const r = rig(VERDICTS, 'xdp_verdict', { rxQueues: 2 });
    const receiver = new NicReceiver(r.eth0, [r.generic(0), r.generic(1)]);
    const frames = Array.from({ length: 100 }, (_, i) => {
      const f = verdictFrame(i % 3 === 0 ? XDP_DROP : XDP_PASS);
      f[29] = i;
      return f;
    });
    receiver.receive(frameBatch(frames), 0, frames.length);
    const c = r.eth0.counters;
    expect(c.rxTotal('packets')).toBe(100);
    expect([c.verdictTotal('drop'), c.verdictTotal('pass')]).toEqual([34, 66]);
    expect(r.rec.of('pass').length).toBe(66);
    expect(r.rec.of('tx')).toEqual([]);
  });
});
