// The native receive path of an RX queue: every frame counted, refused
// before XDP when a driver would refuse it, run in one batch, and each
// verdict acted on and counted as veth does, with the xdp:* trace lines.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applySetup, parseSetup } from '../../src/loader/setup.js';
import { loadObject, type LoadedObject } from '../../src/loader/load.js';
import type { XdpProgram } from '../../src/testrun/program.js';
import type { VirtualNic } from '../../src/nic/device.js';
import { NicReceiver } from '../../src/nic/receive.js';
import { objectMapIds, RxQueue, type FrameBatch } from '../../src/nic/rx.js';
import type { NicEvents, XdpSinks } from '../../src/nic/sinks.js';
import { Topology } from '../../src/nic/topology.js';
import type { XdpTracepoint } from '../../src/nic/trace.js';
import type { XskMap } from '../../src/maps/xskmap.js';
import { VERDICT_STATS } from '../../src/nic/counters.js';
import { readCapture, toEthernet } from '../../src/pcap/index.js';
import { BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS, XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../../src/uapi/bpf.js';
import { frameBytes } from '../support/frame-bytes.js';

const example = (name: string): string => new URL(`../../examples/${name}`, import.meta.url).pathname;
const fixture = (name: string): string => new URL(`../fixtures/objects/${name}`, import.meta.url).pathname;
const capture = (name: string): Uint8Array[] =>
  readCapture(new Uint8Array(readFileSync(new URL(`../../captures/${name}`, import.meta.url)))).packets.map(toEthernet);

/** The frames laid end to end in one buffer, as a capture reader's batch holds them. */
function frameBatch(frames: readonly Uint8Array[]): FrameBatch {
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length + 3, 0));
  const offset: number[] = [];
  let at = 0;
  for (const f of frames) {
    // Three bytes apart, so no frame starts where a whole buffer would.
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
  bytes: Uint8Array;
}

/** Sinks that keep a copy of every frame, and events that keep every line. */
class Recorder implements XdpSinks, NicEvents {
  readonly out: Out[] = [];
  readonly lines: string[] = [];
  readonly exceptions: string[] = [];

  pass(dev: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ kind: 'pass', dev: dev.name, queue, bytes: frameBytes(b, start, end, frags) });
  }

  tx(dev: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ kind: 'tx', dev: dev.name, queue, bytes: frameBytes(b, start, end, frags) });
  }

  drop(dev: VirtualNic, queue: number, verdict: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ kind: 'drop', dev: dev.name, queue, verdict, bytes: frameBytes(b, start, end, frags) });
  }

  redirect(from: VirtualNic, to: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ kind: 'redirect', dev: from.name, to: to.name, queue, bytes: frameBytes(b, start, end, frags) });
  }

  xsk(dev: VirtualNic, queue: number, socket: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ kind: 'xsk', dev: dev.name, queue, socket, bytes: frameBytes(b, start, end, frags) });
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

interface QueueOptions {
  cpu?: number;
  xdpReceiver?: (dev: VirtualNic) => boolean;
  /** The device the queue is of: eth0 unless told. */
  device?: VirtualNic;
}

interface Rig {
  obj: LoadedObject;
  program: XdpProgram;
  topology: Topology;
  eth0: VirtualNic;
  rec: Recorder;
  queue(q: number, options?: QueueOptions): RxQueue;
}

function rig(path: string, options: { name?: string; queues?: number; budget?: number; mtu?: number } = {}): Rig {
  const queues = options.queues ?? 1;
  const obj = loadObject(path, { cpus: 4, contexts: queues + 3, frameSlots: 65, ...(options.budget !== undefined && { budget: options.budget }) });
  const program = obj.program(options.name !== undefined ? { program: options.name } : {});
  const topology = new Topology();
  const eth0 = topology.add({ name: 'eth0', rxQueues: queues, ...(options.mtu !== undefined && { mtu: options.mtu }) });
  const rec = new Recorder();
  const queue = (q: number, o: QueueOptions = {}): RxQueue =>
    new RxQueue({
      device: o.device ?? eth0,
      queue: q,
      topology,
      executable: obj.compile(program),
      context: obj.context(o.cpu ?? q),
      progId: obj.programs.indexOf(program) + 1,
      mapIds: objectMapIds(obj.maps.values()),
      sinks: rec,
      events: rec,
      entryProgram: (id) => obj.compile(obj.programs[id - 1]!),
      ...(o.xdpReceiver && { xdpReceiver: o.xdpReceiver }),
    });
  return { obj, program, topology, eth0, rec, queue };
}

/** Polls every frame of `frames` on `rx`, as many to a poll as it takes. */
function pollAll(rx: RxQueue, frames: readonly Uint8Array[]): void {
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
  f[30] = length & 0xff;
  return f;
}

/** A frame for redirect_map.bpf.o: u32 key then u64 flags after the header. */
function mapFrame(key: number, flags: number, tag: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
  const v = new DataView(f.buffer);
  v.setUint32(14, key, true);
  v.setBigUint64(18, BigInt(flags), true);
  f[40] = tag;
  return f;
}

const u32 = (n: number): Uint8Array => new Uint8Array(Uint32Array.of(n).buffer);
const devmapVal = (ifindex: number): Uint8Array => new Uint8Array(Uint32Array.of(ifindex, 0).buffer);

describe('RxQueue: the firewall over the demo capture on a 4-queue NIC', () => {
  it('gives the test run verdicts and frames, files frames as RSS does, and its queues add up to the totals', () => {
    const frames = capture('demo.pcap');
    const r = rig(example('xdp_firewall.o'), { queues: 4 });
    applySetup(r.obj, parseSetup(readFileSync(example('xdp_firewall.setup'), 'utf8')));
    const expected = frames.map((f) => r.program.run(f, { ifindex: r.eth0.ifindex }));
    const rxs = [0, 1, 2, 3].map((q) => r.queue(q));
    const byQueue: number[][] = [[], [], [], []];
    frames.forEach((f, i) => byQueue[r.eth0.rss.queue(f, 0, f.length)]!.push(i));
    expect(byQueue.filter((q) => q.length > 0).length, 'the capture spreads over several queues').toBeGreaterThan(1);
    expect(rxs[0]!.budget).toBe(64);
    // The capture as a reader hands it out, 64 frames to a batch.
    const receiver = new NicReceiver(r.eth0, rxs);
    for (let first = 0; first < frames.length; first += 64) {
      const part = frames.slice(first, first + 64);
      receiver.receive(frameBatch(part), 0, part.length);
    }

    const c = r.eth0.counters;
    const count = (v: number): number => expected.filter((e) => e.verdict === v).length;
    expect(count(XDP_PASS) + count(XDP_DROP)).toBe(frames.length);
    expect(count(XDP_DROP)).toBeGreaterThan(0);
    expect(c.rxTotal('packets')).toBe(frames.length);
    expect(c.rxTotal('bytes')).toBe(frames.reduce((n, f) => n + f.length, 0));
    expect(c.rxTotal('xdp_packets')).toBe(frames.length);
    expect(c.rxTotal('xdp_bytes')).toBe(frames.reduce((n, f) => n + f.length - 14, 0));
    expect(c.rxTotal('xdp_drops')).toBe(count(XDP_DROP));
    expect(r.rec.of('pass').length).toBe(count(XDP_PASS));
    expect(r.rec.of('drop').length).toBe(count(XDP_DROP));
    for (const stat of ['xdp_aborted', 'xdp_tx', 'xdp_tx_errors', 'xdp_redirect', 'drops', 'length_errors'] as const) expect(c.rxTotal(stat), stat).toBe(0);

    for (let q = 0; q < 4; q++) {
      const mine = byQueue[q]!.map((i) => expected[i]!);
      expect(c.rxStat(q, 'packets'), `queue ${q}`).toBe(byQueue[q]!.length);
      expect(c.rxStat(q, 'xdp_drops'), `queue ${q}`).toBe(mine.filter((e) => e.verdict === XDP_DROP).length);
      // In order within a queue, byte for byte what the test run left.
      const passed = r.rec.out.filter((o) => o.kind === 'pass' && o.queue === q).map((o) => o.bytes);
      expect(passed).toEqual(mine.filter((e) => e.verdict === XDP_PASS).map((e) => e.data));
      const dropped = r.rec.out.filter((o) => o.kind === 'drop' && o.queue === q).map((o) => o.bytes);
      expect(dropped).toEqual(mine.filter((e) => e.verdict === XDP_DROP).map((e) => e.data));
    }
    // Drops are silent: no trace line, no exception.
    expect(r.rec.lines).toEqual([]);
    expect(r.rec.exceptions).toEqual([]);
    expect(c.ethtoolListing()).toContain(`rx_queue_3_xdp_packets: ${byQueue[3]!.length}\n`);
  });

  it('a receiver takes only the RX queues of its device, in order', () => {
    const r = rig(example('xdp_drop.o'), { queues: 2 });
    expect(() => new NicReceiver(r.eth0, [r.queue(1), r.queue(0)])).toThrow('eth0: a receiver needs RX queues 0..1 of the device, in order');
  });
});

describe('RxQueue: each verdict', () => {
  const VERDICTS = fixture('nic_verdicts.bpf.o');

  it('PASS, DROP, ABORTED and invalid actions as veth counts them, with xdp_exception lines for the last two', () => {
    const r = rig(VERDICTS, { name: 'xdp_verdict' });
    const rx = r.queue(0);
    const frames = [2, 1, 0, 9, 0xffffffff, 2, 5].map((a) => verdictFrame(a));
    pollAll(rx, frames);
    const c = r.eth0.counters;
    expect(c.rxStat(0, 'packets')).toBe(7);
    expect(c.rxStat(0, 'xdp_packets')).toBe(7);
    expect(c.rxStat(0, 'xdp_bytes')).toBe(7 * 50);
    expect(c.rxStat(0, 'xdp_drops')).toBe(5);
    expect(c.rxStat(0, 'xdp_aborted')).toBe(4);
    expect(r.rec.lines).toEqual([
      'xdp_exception: prog_id=1 action=ABORTED ifindex=2',
      'xdp_exception: prog_id=1 action=0x9 ifindex=2',
      'xdp_exception: prog_id=1 action=0xffffffff ifindex=2',
      'xdp_exception: prog_id=1 action=0x5 ifindex=2',
    ]);
    expect(r.rec.out.map((o) => [o.kind, o.verdict])).toEqual([
      ['pass', undefined],
      ['drop', 1],
      ['drop', 0],
      ['drop', 9],
      ['drop', 0xffffffff],
      ['pass', undefined],
      ['drop', 5],
    ]);
    expect(r.rec.out.map((o) => o.bytes)).toEqual(frames);
  });

  it('a program fault aborts its frame with an exception event, and the batch runs on after it', () => {
    const r = rig(VERDICTS, { name: 'xdp_verdict', budget: 2000 });
    const rx = r.queue(0);
    pollAll(rx, [verdictFrame(2), verdictFrame(0x5319), verdictFrame(2), verdictFrame(1)]);
    const c = r.eth0.counters;
    expect(c.rxStat(0, 'xdp_packets')).toBe(4);
    expect([c.rxStat(0, 'xdp_drops'), c.rxStat(0, 'xdp_aborted')]).toEqual([2, 1]);
    expect(r.rec.out.map((o) => [o.kind, o.verdict])).toEqual([
      ['pass', undefined],
      ['drop', 0],
      ['pass', undefined],
      ['drop', 1],
    ]);
    expect(r.rec.exceptions).toHaveLength(1);
    expect(r.rec.exceptions[0]).toMatch(/^eth0\/0: program fault on eth0 RX queue 0: .*instruction budget of 2000 exhausted/);
    expect(r.rec.lines).toEqual(['xdp_exception: prog_id=1 action=ABORTED ifindex=2']);
  });

  it('TX leaves by the paired TX queue, bulked; xdp_tx_errors when the device cannot send (a veth whose peer has no program)', () => {
    const r = rig(VERDICTS, { name: 'xdp_verdict', queues: 2 });
    const rx = r.queue(1);
    const frames = [verdictFrame(3, 0, 60), verdictFrame(2), verdictFrame(3, 0, 70)];
    pollAll(rx, frames);
    const c = r.eth0.counters;
    expect(c.rxStat(1, 'xdp_tx')).toBe(2);
    expect([c.txStat(1, 'packets'), c.txStat(1, 'bytes'), c.txStat(0, 'packets')]).toEqual([2, 130, 0]);
    // The pass goes up at once; the TX frames at the end of the poll.
    expect(r.rec.out.map((o) => [o.kind, o.queue])).toEqual([
      ['pass', 1],
      ['tx', 1],
      ['tx', 1],
    ]);
    expect(r.rec.of('tx').map((o) => o.bytes)).toEqual([frames[0], frames[2]].map((f) => r.program.run(f!).data));
    expect(r.rec.lines).toEqual(['xdp_bulk_tx: ifindex=2 action=TX sent=2 drops=0 err=0']);

    const noPeerProgram = r.queue(0, { xdpReceiver: () => false });
    pollAll(noPeerProgram, [verdictFrame(3), verdictFrame(3)]);
    expect([c.rxStat(0, 'xdp_tx_errors'), c.rxStat(1, 'xdp_tx_errors'), c.rxTotal('xdp_tx')]).toEqual([2, 0, 2]);
    expect(r.rec.lines.slice(1)).toEqual(['xdp_bulk_tx: ifindex=2 action=TX sent=0 drops=2 err=-6']);
    expect(r.rec.out.slice(3).map((o) => [o.kind, o.verdict])).toEqual([
      ['drop', 3],
      ['drop', 3],
    ]);
  });
});

describe('RxQueue: redirects', () => {
  it('bpf_redirect(ifindex): out of the target TX queue this CPU picks, or a redirect error as xdp_do_redirect fails it', () => {
    const r = rig(fixture('nic_verdicts.bpf.o'), { name: 'xdp_verdict' });
    const eth1 = r.topology.add({ name: 'eth1', rxQueues: 2 });
    const small = r.topology.add({ name: 'small', mtu: 68 });
    const down = r.topology.add({ name: 'down' });
    const vethNoPeerProg = r.topology.add({ name: 'veth1' });
    down.up = false;
    const rx = r.queue(0, { cpu: 3, xdpReceiver: (dev) => dev !== vethNoPeerProg });
    const frames = [
      verdictFrame(4, eth1.ifindex),
      verdictFrame(4, 99),
      verdictFrame(4, down.ifindex),
      verdictFrame(4, small.ifindex, 86),
      verdictFrame(4, small.ifindex, 87),
      verdictFrame(4, vethNoPeerProg.ifindex),
      verdictFrame(4, eth1.ifindex, 100),
    ];
    pollAll(rx, frames);
    const c = r.eth0.counters;
    expect([c.rxStat(0, 'xdp_redirect'), c.rxStat(0, 'drops'), c.rxStat(0, 'xdp_drops')]).toEqual([3, 4, 0]);
    // CPU 3 of 2 TX queues: queue 1.
    expect([eth1.counters.txStat(1, 'xdp_xmit'), eth1.counters.txStat(1, 'packets'), eth1.counters.txStat(1, 'bytes')]).toEqual([2, 2, 164]);
    expect(eth1.counters.txStat(0, 'xdp_xmit')).toBe(0);
    expect(small.counters.txStat(0, 'xdp_xmit')).toBe(1);
    expect(r.rec.lines).toEqual([
      'xdp_redirect: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=3 err=0 map_id=2147483647 map_index=0',
      'xdp_redirect_err: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=99 err=-22 map_id=2147483647 map_index=0',
      'xdp_redirect_err: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=5 err=-100 map_id=2147483647 map_index=0',
      'xdp_redirect: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=4 err=0 map_id=2147483647 map_index=0',
      'xdp_redirect_err: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=4 err=-90 map_id=2147483647 map_index=0',
      'xdp_redirect_err: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=6 err=-95 map_id=2147483647 map_index=0',
      'xdp_redirect: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=3 err=0 map_id=2147483647 map_index=0',
      'xdp_devmap_xmit: ndo_xdp_xmit from_ifindex=2 to_ifindex=3 action=REDIRECT sent=2 drops=0 err=0',
      'xdp_devmap_xmit: ndo_xdp_xmit from_ifindex=2 to_ifindex=4 action=REDIRECT sent=1 drops=0 err=0',
    ]);
    const redirected = r.rec.of('redirect');
    expect(redirected.map((o) => [o.to, o.queue])).toEqual([
      ['eth1', 1],
      ['eth1', 1],
      ['small', 0],
    ]);
    expect(redirected.map((o) => o.bytes)).toEqual([frames[0], frames[6], frames[3]]);
    expect(r.rec.of('drop').map((o) => o.verdict)).toEqual([XDP_REDIRECT, XDP_REDIRECT, XDP_REDIRECT, XDP_REDIRECT]);
  });

  it('a devmap (examples/xdp_redirect.o) forwards port to port, and a miss falls back to the action in the flags', () => {
    const r = rig(example('xdp_redirect.o'));
    const eth1 = r.topology.add({ name: 'eth1' });
    r.obj.map('egress_ports').updateElem(u32(r.eth0.ifindex), devmapVal(eth1.ifindex));
    const frames = capture('demo.pcap').slice(0, 100);
    pollAll(r.queue(0), frames);
    expect(r.eth0.counters.rxStat(0, 'xdp_redirect')).toBe(100);
    expect(eth1.counters.txStat(0, 'xdp_xmit')).toBe(100);
    expect(r.rec.of('redirect').map((o) => o.bytes)).toEqual(frames.map((f) => r.program.run(f, { ifindex: r.eth0.ifindex }).data));
    expect(r.rec.lines[0]).toBe('xdp_redirect: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=3 err=0 map_id=1 map_index=2');
    // DEV_MAP_BULK_SIZE: a poll's 64 frames leave in bulks of 16, one line each; then the second poll's 36.
    const line = (n: number): string => `xdp_devmap_xmit: ndo_xdp_xmit from_ifindex=2 to_ifindex=3 action=REDIRECT sent=${n} drops=0 err=0`;
    expect(r.rec.lines.filter((l) => l.startsWith('xdp_devmap_xmit'))).toEqual([16, 16, 16, 16, 16, 16, 4].map(line));

    // From eth1, whose port has no entry: XDP_PASS.
    const back = new RxQueue({
      device: eth1,
      queue: 0,
      topology: r.topology,
      executable: r.obj.compile(r.program),
      context: r.obj.context(1),
      progId: 1,
      mapIds: objectMapIds(r.obj.maps.values()),
      entryProgram: (id) => r.obj.compile(r.obj.programs[id - 1]!),
      sinks: r.rec,
    });
    pollAll(back, frames.slice(0, 3));
    expect([eth1.counters.rxStat(0, 'xdp_redirect'), r.rec.of('pass').length]).toEqual([0, 3]);
  });

  it('broadcast to every devmap entry, without the ingress device when told; devmap_hash by key', () => {
    const r = rig(fixture('redirect_map.bpf.o'), { name: 'xdp_devmap' });
    const eth1 = r.topology.add({ name: 'eth1' });
    const eth2 = r.topology.add({ name: 'eth2', mtu: 68 });
    const devs = r.obj.map('devs');
    devs.updateElem(u32(0), devmapVal(r.eth0.ifindex));
    devs.updateElem(u32(1), devmapVal(eth1.ifindex));
    devs.updateElem(u32(3), devmapVal(eth2.ifindex));
    const rx = r.queue(0);
    const frames = [mapFrame(1, 0, 1), mapFrame(0, BPF_F_BROADCAST, 2), mapFrame(0, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS, 3)];
    pollAll(rx, frames);
    expect(r.rec.of('redirect').map((o) => [o.to, o.bytes[40]])).toEqual([
      ['eth1', 1],
      ['eth1', 2],
      ['eth1', 3],
      ['eth0', 2],
      ['eth2', 2],
      ['eth2', 3],
    ]);
    expect(r.eth0.counters.rxStat(0, 'xdp_redirect')).toBe(3);
    expect([r.eth0.counters.txStat(0, 'xdp_xmit'), eth1.counters.txStat(0, 'xdp_xmit'), eth2.counters.txStat(0, 'xdp_xmit')]).toEqual([1, 3, 2]);
    const mapId = objectMapIds(r.obj.maps.values()).get(devs);
    expect(mapId).toBe(1);
    expect(r.rec.lines.slice(0, 3)).toEqual([
      'xdp_redirect: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=3 err=0 map_id=1 map_index=1',
      'xdp_redirect: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=0 err=0 map_id=1 map_index=0',
      'xdp_redirect: prog_id=1 action=REDIRECT ifindex=2 to_ifindex=0 err=0 map_id=1 map_index=0',
    ]);

    const h = rig(fixture('redirect_map.bpf.o'), { name: 'xdp_devmap_hash' });
    const far = h.topology.add({ name: 'far' });
    h.obj.map('devs_by_index').updateElem(u32(77), u32(far.ifindex));
    pollAll(h.queue(0), [mapFrame(77, 0, 7), mapFrame(78, XDP_DROP, 8)]);
    expect(h.rec.out.map((o) => [o.kind, o.to, o.bytes[40]])).toEqual([
      ['drop', undefined, 8],
      ['redirect', 'far', 7],
    ]);
    expect(h.rec.lines[0]).toBe('xdp_redirect: prog_id=2 action=REDIRECT ifindex=2 to_ifindex=3 err=0 map_id=2 map_index=77');
  });

  it("a devmap entry's program runs on its own copy before transmit, with egress_ifindex, and may drop", () => {
    const r = rig(fixture('nic_verdicts.bpf.o'), { name: 'xdp_port' });
    const eth1 = r.topology.add({ name: 'eth1' });
    const eth2 = r.topology.add({ name: 'eth2' });
    const egressId = r.obj.programs.findIndex((p) => p.name === 'xdp_egress') + 1;
    const ports = r.obj.map('ports');
    ports.updateElem(u32(0), new Uint8Array(Uint32Array.of(eth1.ifindex, egressId).buffer));
    ports.updateElem(u32(1), devmapVal(eth2.ifindex));
    const frame = (key: number, flags: number, action: number): Uint8Array => {
      const f = verdictFrame(key, flags, 64);
      new DataView(f.buffer).setUint32(34, action, true);
      return f;
    };
    const frames = [frame(0, 0, XDP_PASS), frame(0, 0, XDP_DROP), frame(0, 0, 9), frame(0, BPF_F_BROADCAST, XDP_PASS)];
    pollAll(r.queue(0), frames);
    const seen = (f: Uint8Array): number[] => [0, 1, 2].map((i) => new DataView(f.buffer, f.byteOffset).getUint32(22 + 4 * i, true));
    const out = r.rec.out.map((o) => [o.kind, o.to ?? o.verdict, o.kind === 'redirect' && o.to === 'eth1' ? seen(o.bytes) : o.bytes.length]);
    // At the flush, each device's frames in the order they were queued.
    expect(out).toEqual([
      ['redirect', 'eth1', [eth1.ifindex, r.eth0.ifindex, 0]],
      ['drop', XDP_DROP, 64],
      ['drop', 9, 64],
      ['redirect', 'eth1', [eth1.ifindex, r.eth0.ifindex, 0]],
      ['redirect', 'eth2', 64],
    ]);
    // eth2 has no program: it gets the frame as the ingress program left it.
    expect(r.rec.of('redirect').at(-1)!.bytes).toEqual(frames[3]);
    expect([r.eth0.counters.rxStat(0, 'xdp_redirect'), eth1.counters.txStat(0, 'xdp_xmit'), eth2.counters.txStat(0, 'xdp_xmit')]).toEqual([4, 2, 1]);
    expect(r.rec.lines.filter((l) => !l.startsWith('xdp_redirect:'))).toEqual([
      `xdp_exception: prog_id=${egressId} action=0x9 ifindex=${eth1.ifindex}`,
      'xdp_devmap_xmit: ndo_xdp_xmit from_ifindex=2 to_ifindex=3 action=REDIRECT sent=2 drops=2 err=0',
      'xdp_devmap_xmit: ndo_xdp_xmit from_ifindex=2 to_ifindex=4 action=REDIRECT sent=1 drops=0 err=0',
    ]);

  });

  it("a device's bulk queue runs the program of the entry that started it on every frame of the poll (bq_enqueue keeps bq->xdp_prog to the flush)", () => {
    const r = rig(fixture('nic_verdicts.bpf.o'), { name: 'xdp_port' });
    const eth1 = r.topology.add({ name: 'eth1' });
    const egressId = r.obj.programs.findIndex((p) => p.name === 'xdp_egress') + 1;
    const ports = r.obj.map('ports');
    // Two entries for eth1: the first with xdp_egress, the second with no program.
    ports.updateElem(u32(0), new Uint8Array(Uint32Array.of(eth1.ifindex, egressId).buffer));
    ports.updateElem(u32(1), devmapVal(eth1.ifindex));
    const frame = (key: number, tag: number): Uint8Array => {
      const f = verdictFrame(key, 0, 64);
      new DataView(f.buffer).setUint32(34, XDP_PASS, true);
      f[40] = tag;
      return f;
    };
    const seen = (f: Uint8Array): number[] => [0, 1, 2].map((i) => new DataView(f.buffer, f.byteOffset).getUint32(22 + 4 * i, true));
    const rx = r.queue(0);
    // Started by entry 1: no frame of the poll runs a program, entry 0's neither.
    pollAll(rx, [frame(1, 1), frame(0, 2), frame(1, 3)]);
    // Started by entry 0: every frame runs xdp_egress, entry 1's too.
    pollAll(rx, [frame(0, 4), frame(1, 5)]);
    // (A frame no program ran on keeps what verdictFrame wrote: its length at 30.)
    expect(r.rec.of('redirect').map((o) => [o.bytes[40], seen(o.bytes)])).toEqual([
      [1, [0, 0, 64]],
      [2, [0, 0, 64]],
      [3, [0, 0, 64]],
      [4, [eth1.ifindex, r.eth0.ifindex, 0]],
      [5, [eth1.ifindex, r.eth0.ifindex, 0]],
    ]);
  });

  it('a redirected frame must fit the target whole, fragments included (xdp_get_frame_len in xdp_ok_fwd_dev)', () => {
    const r = rig(fixture('nic_onward.bpf.o'), { name: 'xdp_frags_verdict', mtu: 9000 });
    const mid = r.topology.add({ name: 'mid', mtu: 4000 });
    const big = r.topology.add({ name: 'big', mtu: 9000 });
    // 3520 bytes are linear in each: the 5000-byte frame's 1480 in fragments take it past mid's 4018.
    pollAll(r.queue(0), [verdictFrame(XDP_REDIRECT, mid.ifindex, 4018), verdictFrame(XDP_REDIRECT, mid.ifindex, 5000), verdictFrame(XDP_REDIRECT, big.ifindex, 5000)]);
    expect(r.rec.lines.filter((l) => l.startsWith('xdp_redirect'))).toEqual([
      `xdp_redirect: prog_id=3 action=REDIRECT ifindex=2 to_ifindex=${mid.ifindex} err=0 map_id=2147483647 map_index=0`,
      `xdp_redirect_err: prog_id=3 action=REDIRECT ifindex=2 to_ifindex=${mid.ifindex} err=-90 map_id=2147483647 map_index=0`,
      `xdp_redirect: prog_id=3 action=REDIRECT ifindex=2 to_ifindex=${big.ifindex} err=0 map_id=2147483647 map_index=0`,
    ]);
    expect([r.eth0.counters.rxStat(0, 'xdp_redirect'), r.eth0.counters.rxStat(0, 'drops')]).toEqual([2, 1]);
    // Each device counts every byte it sent, the fragments' too.
    expect([mid.counters.txStat(0, 'bytes'), big.counters.txStat(0, 'bytes')]).toEqual([4018, 5000]);
  });

  it('an xskmap hands the frame to the socket bound to this queue; a socket bound to another queue refuses (-EINVAL)', () => {
    const r = rig(fixture('redirect_map.bpf.o'), { name: 'xdp_xskmap', queues: 2 });
    const sockets = r.obj.map('sockets') as XskMap;
    sockets.setSocket(0, { id: 41, queueId: 1 });
    sockets.setSocket(1, { id: 42, queueId: 0 });
    const frames = [mapFrame(0, 0, 1), mapFrame(1, 0, 2)];
    pollAll(r.queue(1), frames);
    expect(r.rec.out.map((o) => [o.kind, o.socket ?? o.verdict, o.queue])).toEqual([
      ['xsk', 41, 1],
      ['drop', XDP_REDIRECT, 1],
    ]);
    expect(r.rec.of('xsk')[0]!.bytes).toEqual(frames[0]);
    expect([r.eth0.counters.rxStat(1, 'xdp_redirect'), r.eth0.counters.rxStat(1, 'drops')]).toEqual([1, 1]);
    const progId = r.obj.programs.indexOf(r.program) + 1;
    const mapId = objectMapIds(r.obj.maps.values()).get(sockets);
    expect(r.rec.lines).toEqual([
      `xdp_redirect: prog_id=${progId} action=REDIRECT ifindex=2 to_ifindex=0 err=0 map_id=${mapId} map_index=0`,
      `xdp_redirect_err: prog_id=${progId} action=REDIRECT ifindex=2 to_ifindex=0 err=-22 map_id=${mapId} map_index=1`,
    ]);
  });

  it("a cpumap: each CPU's ring takes qsize frames, its kthread runs the entry's program as that CPU, and what passes goes up the stack", () => {
    const r = rig(fixture('nic_verdicts.bpf.o'), { name: 'xdp_to_cpu' });
    const onCpu = r.obj.programs.findIndex((p) => p.name === 'xdp_on_cpu') + 1;
    const cpus = r.obj.map('cpus');
    cpus.updateElem(u32(1), new Uint8Array(Uint32Array.of(2, onCpu).buffer));
    cpus.updateElem(u32(2), new Uint8Array(Uint32Array.of(64, 0).buffer));
    const frame = (cpu: number, flags: number, action: number, tag: number): Uint8Array => {
      const f = verdictFrame(cpu, flags, 64);
      new DataView(f.buffer).setUint32(34, action, true);
      f[40] = tag;
      return f;
    };
    const frames = [frame(1, 0, XDP_PASS, 1), frame(1, 0, XDP_DROP, 2), frame(1, 0, XDP_PASS, 3), frame(2, 0, XDP_DROP, 4), frame(3, XDP_PASS, 0, 5)];
    pollAll(r.queue(0), frames);
    const seen = (f: Uint8Array): number[] => [0, 1, 2].map((i) => new DataView(f.buffer, f.byteOffset).getUint32(22 + 4 * i, true));
    expect(r.rec.out.map((o) => [o.kind, o.verdict, o.bytes[40], seen(o.bytes)])).toEqual([
      // CPU 3 has no entry: the helper returns the action in the flags, XDP_PASS.
      ['pass', undefined, 5, [0, 0, 64]],
      // Past CPU 1's qsize of 2: freed as the poll's flush puts the bulk on the ring.
      ['drop', XDP_REDIRECT, 3, [0, 0, 64]],
      // CPU 1's program sees itself on CPU 1, the frame from eth0, queue 0.
      ['pass', undefined, 1, [1, r.eth0.ifindex, 0]],
      ['drop', XDP_DROP, 2, [1, r.eth0.ifindex, 0]],
      // CPU 2 has no program: the frame goes up as it came.
      ['pass', undefined, 4, [0, 0, 64]],
    ]);
    expect([r.eth0.counters.rxStat(0, 'xdp_redirect'), r.eth0.counters.rxStat(0, 'drops')]).toEqual([4, 0]);
    const progId = r.obj.programs.indexOf(r.program) + 1;
    const mapId = objectMapIds(r.obj.maps.values()).get(cpus)!;
    // __cpu_map_flush puts every bulk on its ring, then wakes the kthreads.
    expect(r.rec.lines).toEqual([
      ...[1, 1, 1, 2].map((cpu) => `xdp_redirect: prog_id=${progId} action=REDIRECT ifindex=2 to_ifindex=0 err=0 map_id=${mapId} map_index=${cpu}`),
      `xdp_cpumap_enqueue: enqueue cpu=0 map_id=${mapId} action=REDIRECT processed=3 drops=1 to_cpu=1`,
      `xdp_cpumap_enqueue: enqueue cpu=0 map_id=${mapId} action=REDIRECT processed=1 drops=0 to_cpu=2`,
      `xdp_cpumap_kthread: kthread cpu=1 map_id=${mapId} action=REDIRECT processed=2 drops=0 sched=0 xdp_pass=1 xdp_drop=1 xdp_redirect=0`,
      `xdp_cpumap_kthread: kthread cpu=2 map_id=${mapId} action=REDIRECT processed=1 drops=0 sched=0 xdp_pass=0 xdp_drop=0 xdp_redirect=0`,
    ]);
  });
});

describe('RxQueue: a device that is down', () => {
  it("receives nothing and runs no program: a NIC's frames count as its RX dropped, a veth's as its peer's TX dropped", () => {
    const r = rig(fixture('nic_verdicts.bpf.o'), { name: 'xdp_verdict', queues: 2 });
    r.eth0.up = false;
    const frames = [verdictFrame(XDP_PASS), verdictFrame(XDP_TX), verdictFrame(XDP_REDIRECT, 99)];
    pollAll(r.queue(1), frames);
    const c = r.eth0.counters;
    expect([c.rxStat(1, 'dropped'), c.rxStat(1, 'packets'), c.rxStat(1, 'xdp_packets'), c.txTotal('packets'), c.rxTotal('xdp_tx_errors')]).toEqual([3, 0, 0, 0, 0]);
    expect(VERDICT_STATS.map((v) => c.verdictTotal(v))).toEqual(VERDICT_STATS.map(() => 0));
    expect([r.rec.out, r.rec.lines, r.rec.exceptions]).toEqual([[], [], []]);

    // A veth pair, veth1 down: veth0 has no carrier and drops what it sends, a count of the device as a whole (dev_core_stats), no TX queue's.
    const veth0 = r.topology.add({ name: 'veth0', txQueues: 2 });
    const veth1 = r.topology.add({ name: 'veth1', rxQueues: 2 });
    veth0.peer = veth1;
    veth1.peer = veth0;
    veth1.up = false;
    pollAll(r.queue(1, { device: veth1, cpu: 3 }), frames);
    expect([veth0.counters.coreStat('tx_dropped'), veth0.counters.snapshot().core, veth1.counters.rxTotal('dropped'), veth1.counters.rxTotal('packets')]).toEqual([3, { tx_dropped: 3 }, 0, 0]);
    expect(veth0.counters.snapshot().tx.map((row) => Object.values(row).slice(1).every((n) => n === 0))).toEqual([true, true]);
    expect(veth0.counters.ethtoolListing()).toContain('     tx_dropped: 3\n');
    expect(r.rec.out).toEqual([]);
  });
});

describe('RxQueue: frames a driver refuses before XDP', () => {
  it('shorter than an Ethernet header, or past MTU + L2 header for a program without frags: counted, never run', () => {
    const r = rig(example('xdp_drop.o'), { mtu: 1500 });
    const rx = r.queue(0);
    const sizes = [13, 14, 1518, 1519, 9000];
    pollAll(rx, sizes.map((n) => verdictFrame(0, 0, Math.max(n, 22)).subarray(0, n)));
    const c = r.eth0.counters;
    expect([c.rxStat(0, 'packets'), c.rxStat(0, 'bytes')]).toEqual([5, sizes.reduce((a, b) => a + b, 0)]);
    expect([c.rxStat(0, 'length_errors'), c.rxStat(0, 'xdp_packets'), c.rxStat(0, 'xdp_drops')]).toEqual([3, 2, 2]);
    expect(r.rec.of('drop').map((o) => o.bytes.length)).toEqual([14, 1518]);
  });

  it('refuses frames past the MTU even to a frags-aware program, which only runs at a larger MTU (a 6.18 veth drops a 9000-byte frame at MTU 1500 before it)', () => {
    const r = rig(fixture('nic_verdicts.bpf.o'), { name: 'xdp_frags_pass' });
    pollAll(r.queue(0), [verdictFrame(0, 0, 22).subarray(0, 13), verdictFrame(0, 0, 1519), verdictFrame(0, 0, 3000)]);
    const c = r.eth0.counters;
    expect([c.rxStat(0, 'length_errors'), c.rxStat(0, 'xdp_packets'), r.rec.of('pass').length]).toEqual([3, 0, 0]);
    const jumbo = rig(fixture('nic_verdicts.bpf.o'), { name: 'xdp_frags_pass', mtu: 9000 });
    pollAll(jumbo.queue(0), [verdictFrame(0, 0, 1519), verdictFrame(0, 0, 9018)]);
    expect([jumbo.eth0.counters.rxStat(0, 'length_errors'), jumbo.rec.of('pass').length]).toEqual([0, 2]);
  });
});

describe('RxQueue: XDP_TX in bulks, as veth sends them', () => {
  /** A frame for nic_tx_grow.bpf.o: the program grows it by `grow` bytes, then returns XDP_TX. */
  const growFrame = (length: number, grow: number): Uint8Array => {
    const f = new Uint8Array(length);
    f.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00, grow >> 8, grow & 0xff]);
    return f;
  };

  it('sends a bulk every 16 frames (VETH_XDP_TX_BULK_SIZE), then the rest at the end of the poll', () => {
    const r = rig(fixture('nic_tx_grow.bpf.o'));
    pollAll(r.queue(0), Array.from({ length: 40 }, () => growFrame(100, 0)));
    expect(r.rec.lines.filter((l) => l.startsWith('xdp_bulk_tx'))).toEqual([16, 16, 8].map((n) => `xdp_bulk_tx: ifindex=2 action=TX sent=${n} drops=0 err=0`));
    expect(r.eth0.counters.rxStat(0, 'xdp_tx')).toBe(40);
  });

  it('stops a bulk at its first frame longer than MTU + 18, the rest of it counted as xdp_tx_errors (16 frames grown past 1518 on a 6.18 veth: sent=0 drops=16 err=0)', () => {
    const r = rig(fixture('nic_tx_grow.bpf.o'));
    // Bulk one: 3 frames that fit, one grown past 1518 bytes, 12 that fit; bulk two: 4 that fit.
    const frames = Array.from({ length: 20 }, (_, i) => (i === 3 ? growFrame(1514, 100) : growFrame(100, 0)));
    pollAll(r.queue(0), frames);
    const c = r.eth0.counters;
    expect(r.rec.lines.filter((l) => l.startsWith('xdp_bulk_tx'))).toEqual([
      'xdp_bulk_tx: ifindex=2 action=TX sent=3 drops=13 err=0',
      'xdp_bulk_tx: ifindex=2 action=TX sent=4 drops=0 err=0',
    ]);
    expect([c.rxStat(0, 'xdp_tx'), c.rxStat(0, 'xdp_tx_errors'), c.txStat(0, 'packets')]).toEqual([7, 13, 7]);
    expect(r.rec.of('drop').map((o) => o.verdict)).toEqual(new Array(13).fill(XDP_TX));
    expect(r.rec.of('drop')[0]!.bytes.length).toBe(1614);
  });
});
