// The cpumap kthreads, in native and generic mode: frames taken off a CPU's
// ring in batches of CPUMAP_BATCH, the entry's program run as that CPU, and
// what it redirects sent on from there as cpu_map_bpf_prog_run_xdp
// (xdp_do_redirect, then xdp_do_flush) and cpu_map_bpf_prog_run_skb
// (xdp_do_generic_redirect) send it: to a device, through a devmap, to an
// AF_XDP socket, into another cpumap, with the kthread's xdp_redirect count.
import { describe, expect, it } from 'vitest';
import { loadObject, type LoadedObject } from '../../src/loader/load.js';
import type { XskMap } from '../../src/maps/xskmap.js';
import { CPUMAP_MAX_HOPS } from '../../src/nic/cpumap.js';
import type { VirtualNic } from '../../src/nic/device.js';
import { GenericRxQueue } from '../../src/nic/generic.js';
import { objectMapIds, RxQueue, type FrameBatch, type RxPath } from '../../src/nic/rx.js';
import type { NicEvents, XdpSinks } from '../../src/nic/sinks.js';
import { Topology } from '../../src/nic/topology.js';
import type { XdpTracepoint } from '../../src/nic/trace.js';
import { XDP_ABORTED, XDP_REDIRECT, XDP_TX } from '../../src/uapi/bpf.js';
import { frameBytes } from '../support/frame-bytes.js';

const ONWARD = new URL('../fixtures/objects/nic_onward.bpf.o', import.meta.url).pathname;

/** What xdp_cpu_onward does with the u32 at 26 (nic_onward.bpf.c's enum onward). */
const PASS = 0;
const IFINDEX = 1;
const DEVMAP = 2;
const CPUMAP = 3;
const XSKMAP = 4;
const BOUNCE = 5;
const TX = 6;
const ABORTED = 7;

interface Out {
  kind: 'pass' | 'tx' | 'drop' | 'redirect' | 'xsk';
  queue: number;
  verdict?: number;
  to?: string;
  socket?: number;
  bytes: Uint8Array;
}

class Recorder implements XdpSinks, NicEvents {
  readonly out: Out[] = [];
  readonly lines: string[] = [];
  readonly exceptions: string[] = [];

  pass(_dev: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ kind: 'pass', queue, bytes: frameBytes(b, start, end, frags) });
  }

  tx(_dev: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ kind: 'tx', queue, bytes: frameBytes(b, start, end, frags) });
  }

  drop(_dev: VirtualNic, queue: number, verdict: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ kind: 'drop', queue, verdict, bytes: frameBytes(b, start, end, frags) });
  }

  redirect(_from: VirtualNic, to: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ kind: 'redirect', to: to.name, queue, bytes: frameBytes(b, start, end, frags) });
  }

  xsk(_dev: VirtualNic, queue: number, socket: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ kind: 'xsk', queue, socket, bytes: frameBytes(b, start, end, frags) });
  }

  trace(tracepoint: XdpTracepoint, line: string): void {
    this.lines.push(`${tracepoint.slice(4)}: ${line}`);
  }

  exception(dev: VirtualNic, queue: number, message: string): void {
    this.exceptions.push(`${dev.name}/${queue}: ${message}`);
  }
}

interface Rig {
  obj: LoadedObject;
  topology: Topology;
  eth0: VirtualNic;
  rec: Recorder;
  /** The ids trace lines name: xdp_to_cpu's, xdp_cpu_onward's, and the maps'. */
  ingressId: number;
  onwardId: number;
  mapId(name: string): number;
  /** Sets the cpumap entry of `cpu`: its ring's size, and xdp_cpu_onward or no program. */
  cpu(cpu: number, qsize: number, program: boolean): void;
  native(queue: number, cpu: number): RxQueue;
  generic(queue: number, cpu: number): GenericRxQueue;
}

const u32 = (n: number): Uint8Array => new Uint8Array(Uint32Array.of(n).buffer);
const pair = (a: number, b: number): Uint8Array => new Uint8Array(Uint32Array.of(a, b).buffer);

function rig(): Rig {
  const obj = loadObject(ONWARD, { cpus: 4, contexts: 6, frameSlots: 65 });
  const program = obj.program({ program: 'xdp_to_cpu' });
  const topology = new Topology();
  const eth0 = topology.add({ name: 'eth0', rxQueues: 2 });
  const rec = new Recorder();
  const ingressId = obj.programs.indexOf(program) + 1;
  const onwardId = obj.programs.findIndex((p) => p.name === 'xdp_cpu_onward') + 1;
  const mapIds = objectMapIds(obj.maps.values());
  const common = (queue: number, cpu: number) => ({
    device: eth0,
    queue,
    topology,
    executable: obj.compile(program),
    context: obj.context(cpu),
    progId: ingressId,
    mapIds,
    entryProgram: (id: number) => obj.compile(obj.programs[id - 1]!),
    sinks: rec,
    events: rec,
  });
  return {
    obj,
    topology,
    eth0,
    rec,
    ingressId,
    onwardId,
    mapId: (name) => mapIds.get(obj.map(name))!,
    cpu: (cpu, qsize, withProgram) => obj.map('cpus').updateElem(u32(cpu), pair(qsize, withProgram ? onwardId : 0)),
    native: (queue, cpu) => new RxQueue(common(queue, cpu)),
    generic: (queue, cpu) => new GenericRxQueue(common(queue, cpu)),
  };
}

/** A frame for xdp_to_cpu to CPU `cpu`, telling xdp_cpu_onward to do `onward` with `arg`. */
function frame(cpu: number, onward: number, arg = 0): Uint8Array {
  const f = new Uint8Array(64);
  f.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
  const v = new DataView(f.buffer);
  v.setUint32(14, cpu, true);
  v.setUint32(22, onward, true);
  v.setUint32(26, arg, true);
  return f;
}

/** What xdp_cpu_onward wrote into a frame: the CPU it last ran on and how many times it ran. */
const ran = (f: Uint8Array): [number, number] => {
  const v = new DataView(f.buffer, f.byteOffset);
  return [v.getUint32(30, true), v.getUint32(34, true)];
};

function poll(rx: RxPath, frames: readonly Uint8Array[]): void {
  const bytes = new Uint8Array(frames.length * 64);
  frames.forEach((f, i) => bytes.set(f, i * 64));
  const batch: FrameBatch = { bytes, offset: frames.map((_, i) => i * 64), capLen: frames.map((f) => f.length) };
  rx.poll(batch, frames.map((_, i) => i), frames.length);
}

const INT_MAX = 2147483647;

describe('cpumap kthreads in native mode (cpu_map_bpf_prog_run_xdp)', () => {
  it('send what the entry program redirects on from their CPU, flushed after the batch: to a device, through a devmap, to an AF_XDP socket of queue 0', () => {
    const r = rig();
    const eth1 = r.topology.add({ name: 'eth1', txQueues: 4 });
    const eth2 = r.topology.add({ name: 'eth2' });
    r.obj.map('ports').updateElem(u32(0), pair(eth2.ifindex, 0));
    const sockets = r.obj.map('sockets') as XskMap;
    sockets.setSocket(0, { id: 41, queueId: 0 });
    sockets.setSocket(1, { id: 42, queueId: 1 });
    r.cpu(2, 64, true);
    const frames = [
      frame(2, IFINDEX, eth1.ifindex),
      frame(2, DEVMAP, 0),
      frame(2, XSKMAP, 0),
      // The frame came in on RX queue 1, but a kthread's xdp_rxq_info has queue 0.
      frame(2, XSKMAP, 1),
      frame(2, IFINDEX, 99),
      frame(2, PASS),
      frame(2, TX),
      frame(2, ABORTED),
    ];
    poll(r.native(1, 1), frames);
    expect(r.rec.exceptions).toEqual([]);
    expect(r.rec.out.map((o) => [o.kind, o.to ?? o.socket ?? o.verdict, o.queue, ...ran(o.bytes)])).toEqual([
      // Sent at once by the sockets' rings, and freed as they fail, in the batch's order.
      ['xsk', 41, 0, 2, 1],
      ['drop', XDP_REDIRECT, 1, 2, 1],
      ['drop', XDP_REDIRECT, 1, 2, 1],
      ['pass', undefined, 1, 2, 1],
      // XDP_TX and XDP_ABORTED from a cpumap program: freed, with no xdp_exception line.
      ['drop', XDP_TX, 1, 2, 1],
      ['drop', XDP_ABORTED, 1, 2, 1],
      // The kthread's xdp_do_flush: out of TX queue 2 (its CPU) of eth1, 0 of eth2.
      ['redirect', 'eth1', 2, 2, 1],
      ['redirect', 'eth2', 0, 2, 1],
    ]);
    const cpus = r.mapId('cpus');
    const onward = (to: number, err: number, mapId: number, index: number): string =>
      `xdp_redirect${err === 0 ? '' : '_err'}: prog_id=${r.onwardId} action=REDIRECT ifindex=2 to_ifindex=${to} err=${err} map_id=${mapId} map_index=${index}`;
    expect(r.rec.lines).toEqual([
      ...frames.map(() => `xdp_redirect: prog_id=${r.ingressId} action=REDIRECT ifindex=2 to_ifindex=0 err=0 map_id=${cpus} map_index=2`),
      `xdp_cpumap_enqueue: enqueue cpu=1 map_id=${cpus} action=REDIRECT processed=8 drops=0 to_cpu=2`,
      onward(eth1.ifindex, 0, INT_MAX, 0),
      onward(eth2.ifindex, 0, r.mapId('ports'), 0),
      onward(0, 0, r.mapId('sockets'), 0),
      onward(0, -22, r.mapId('sockets'), 1),
      onward(99, -22, INT_MAX, 0),
      `xdp_devmap_xmit: ndo_xdp_xmit from_ifindex=2 to_ifindex=${eth1.ifindex} action=REDIRECT sent=1 drops=0 err=0`,
      `xdp_devmap_xmit: ndo_xdp_xmit from_ifindex=2 to_ifindex=${eth2.ifindex} action=REDIRECT sent=1 drops=0 err=0`,
      `xdp_cpumap_kthread: kthread cpu=2 map_id=${cpus} action=REDIRECT processed=8 drops=0 sched=0 xdp_pass=1 xdp_drop=4 xdp_redirect=3`,
    ]);
    expect([eth1.counters.txStat(2, 'xdp_xmit'), eth2.counters.txStat(0, 'xdp_xmit')]).toEqual([1, 1]);
    // Frames the kthread sends on are the ingress queue's redirects, whatever becomes of them after.
    expect([r.eth0.counters.rxStat(1, 'xdp_redirect'), r.eth0.counters.rxStat(1, 'drops')]).toEqual([8, 0]);
  });

  it('into another cpumap: bulked on the kthread CPU, put on the other ring at its flush, and taken by that kthread before the poll ends', () => {
    const r = rig();
    r.cpu(2, 64, true);
    r.cpu(3, 64, false);
    poll(r.native(0, 0), [frame(2, CPUMAP, 3)]);
    expect(r.rec.out.map((o) => [o.kind, ...ran(o.bytes)])).toEqual([['pass', 2, 1]]);
    const cpus = r.mapId('cpus');
    expect(r.rec.lines).toEqual([
      `xdp_redirect: prog_id=${r.ingressId} action=REDIRECT ifindex=2 to_ifindex=0 err=0 map_id=${cpus} map_index=2`,
      `xdp_cpumap_enqueue: enqueue cpu=0 map_id=${cpus} action=REDIRECT processed=1 drops=0 to_cpu=2`,
      `xdp_redirect: prog_id=${r.onwardId} action=REDIRECT ifindex=2 to_ifindex=0 err=0 map_id=${cpus} map_index=3`,
      `xdp_cpumap_enqueue: enqueue cpu=2 map_id=${cpus} action=REDIRECT processed=1 drops=0 to_cpu=3`,
      `xdp_cpumap_kthread: kthread cpu=2 map_id=${cpus} action=REDIRECT processed=1 drops=0 sched=0 xdp_pass=0 xdp_drop=0 xdp_redirect=1`,
      `xdp_cpumap_kthread: kthread cpu=3 map_id=${cpus} action=REDIRECT processed=1 drops=0 sched=0 xdp_pass=0 xdp_drop=0 xdp_redirect=0`,
    ]);
  });

  it(`follows a frame passed from CPU to CPU for ever ${CPUMAP_MAX_HOPS} times, then drops it as unsimulated: counted, and reported`, () => {
    const r = rig();
    r.cpu(1, 64, true);
    r.cpu(2, 64, true);
    poll(r.native(0, 0), [frame(1, BOUNCE)]);
    // CPU 1 runs it first and at every even hop: the last run, the hop limit's, is its.
    expect(r.rec.out.map((o) => [o.kind, o.verdict, ...ran(o.bytes)])).toEqual([['drop', XDP_REDIRECT, 1, CPUMAP_MAX_HOPS + 1]]);
    expect(r.eth0.counters.verdictTotal('unsimulated')).toBe(1);
    expect(r.rec.exceptions).toEqual([
      `eth0/0: a frame redirected from cpumap kthread to cpumap kthread more than ${CPUMAP_MAX_HOPS} times in one poll: xdpsim stops following it there (the kernel would carry it on); frame dropped`,
    ]);
  });

  it('take the frames off their ring 8 at a time (CPUMAP_BATCH), as the poll put them on 8 at a time (CPU_MAP_BULK_SIZE)', () => {
    const r = rig();
    r.cpu(2, 16, true);
    poll(r.native(0, 0), Array.from({ length: 20 }, () => frame(2, PASS)));
    const cpus = r.mapId('cpus');
    expect(r.rec.lines.filter((l) => !l.startsWith('xdp_redirect'))).toEqual([
      `xdp_cpumap_enqueue: enqueue cpu=0 map_id=${cpus} action=REDIRECT processed=8 drops=0 to_cpu=2`,
      `xdp_cpumap_enqueue: enqueue cpu=0 map_id=${cpus} action=REDIRECT processed=8 drops=0 to_cpu=2`,
      // The ring takes 16: the last 4 are dropped.
      `xdp_cpumap_enqueue: enqueue cpu=0 map_id=${cpus} action=REDIRECT processed=4 drops=4 to_cpu=2`,
      ...[8, 8].map((n) => `xdp_cpumap_kthread: kthread cpu=2 map_id=${cpus} action=REDIRECT processed=${n} drops=0 sched=0 xdp_pass=${n} xdp_drop=0 xdp_redirect=0`),
    ]);
    expect(r.rec.out.filter((o) => o.kind === 'pass').length).toBe(16);
  });
});

describe('cpumap kthreads in generic mode (cpu_map_bpf_prog_run_skb)', () => {
  it('send what the entry program redirects on at once (xdp_do_generic_redirect); XDP_TX and XDP_ABORTED fire xdp_exception', () => {
    const r = rig();
    const eth1 = r.topology.add({ name: 'eth1', txQueues: 4 });
    const sockets = r.obj.map('sockets') as XskMap;
    sockets.setSocket(0, { id: 41, queueId: 0 });
    sockets.setSocket(1, { id: 42, queueId: 1 });
    r.cpu(2, 64, true);
    r.cpu(3, 64, false);
    const frames = [frame(2, IFINDEX, eth1.ifindex), frame(2, XSKMAP, 1), frame(2, XSKMAP, 0), frame(2, CPUMAP, 3), frame(2, TX), frame(2, ABORTED)];
    poll(r.generic(1, 1), frames);
    expect(r.rec.exceptions).toEqual([]);
    // The skb keeps its RX queue (1): generic_xdp_tx picks TX queue 1, and only queue 1's socket takes it.
    expect(r.rec.out.map((o) => [o.kind, o.to ?? o.socket ?? o.verdict, o.queue, ...ran(o.bytes)])).toEqual([
      ['redirect', 'eth1', 1, 2, 1],
      ['xsk', 42, 1, 2, 1],
      ['drop', XDP_REDIRECT, 1, 2, 1],
      ['drop', XDP_TX, 1, 2, 1],
      ['drop', XDP_ABORTED, 1, 2, 1],
      ['pass', undefined, 1, 2, 1],
    ]);
    const cpus = r.mapId('cpus');
    const onward = (to: number, err: number, mapId: number, index: number): string =>
      `xdp_redirect${err === 0 ? '' : '_err'}: prog_id=${r.onwardId} action=REDIRECT ifindex=2 to_ifindex=${to} err=${err} map_id=${mapId} map_index=${index}`;
    expect(r.rec.lines.filter((l) => !l.includes(`prog_id=${r.ingressId} `) && !l.includes('enqueue cpu=1 '))).toEqual([
      onward(eth1.ifindex, 0, INT_MAX, 0),
      onward(0, 0, r.mapId('sockets'), 1),
      onward(0, -22, r.mapId('sockets'), 0),
      `xdp_cpumap_enqueue: enqueue cpu=2 map_id=${cpus} action=REDIRECT processed=1 drops=0 to_cpu=3`,
      onward(0, 0, cpus, 3),
      `xdp_exception: prog_id=${r.onwardId} action=TX ifindex=2`,
      `xdp_exception: prog_id=${r.onwardId} action=ABORTED ifindex=2`,
      `xdp_cpumap_kthread: kthread cpu=2 map_id=${cpus} action=REDIRECT processed=6 drops=0 sched=0 xdp_pass=0 xdp_drop=3 xdp_redirect=3`,
      `xdp_cpumap_kthread: kthread cpu=3 map_id=${cpus} action=REDIRECT processed=1 drops=0 sched=0 xdp_pass=0 xdp_drop=0 xdp_redirect=0`,
    ]);
    expect(eth1.counters.txStat(1, 'packets')).toBe(1);
  });

  it(`follows a frame passed from CPU to CPU for ever ${CPUMAP_MAX_HOPS} times, then drops it as unsimulated`, () => {
    const r = rig();
    r.cpu(1, 64, true);
    r.cpu(2, 64, true);
    poll(r.generic(0, 0), [frame(1, BOUNCE)]);
    expect(r.rec.out.map((o) => [o.kind, o.verdict, ...ran(o.bytes)])).toEqual([['drop', XDP_REDIRECT, 1, CPUMAP_MAX_HOPS + 1]]);
    expect([r.eth0.counters.verdictTotal('unsimulated'), r.rec.exceptions.length]).toEqual([1, 1]);
  });
});
