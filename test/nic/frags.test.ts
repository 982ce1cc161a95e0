// Multi-buffer frames on their way out of the receive path, in native and
// generic mode: what goes up the stack, out of a device (XDP_TX, a redirect,
// a devmap entry), through a cpumap or into an AF_XDP socket is the whole
// frame, its linear part then every fragment, as the program left it, and
// the byte counters count those bytes; a frame freed is handed to the drop
// sink whole too. An AF_XDP socket takes a frame longer than its chunks only
// when bound with XDP_USE_SG (xsk_rcv_check), as the kernel does
// (nic_frags.netns.sh asks it). And cpumap kthreads follow a frame through
// CPUMAP_MAX_HOPS bounces, no more.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadObject, type LoadedObject } from '../../src/loader/load.js';
import { XSK_UMEM_DEFAULT_CHUNK_SIZE, type XskMap } from '../../src/maps/xskmap.js';
import { CPUMAP_MAX_HOPS } from '../../src/nic/cpumap.js';
import type { VirtualNic } from '../../src/nic/device.js';
import { GenericRxQueue } from '../../src/nic/generic.js';
import { objectMapIds, RxQueue, type FrameBatch, type RxPath } from '../../src/nic/rx.js';
import type { NicEvents, XdpSinks } from '../../src/nic/sinks.js';
import { Topology } from '../../src/nic/topology.js';
import type { XdpTracepoint } from '../../src/nic/trace.js';
import { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../../src/uapi/bpf.js';
import { NO_FRAGS } from '../../src/xdp/arena.js';
import { XDP_MAX_LINEAR } from '../../src/xdp/constants.js';
import { kernelMissing } from '../oracle/support.js';
import { frameBytes } from '../support/frame-bytes.js';

const FRAGS = new URL('../fixtures/objects/nic_frags.bpf.o', import.meta.url).pathname;
const NETNS_SCRIPT = new URL('../fixtures/objects/nic_frags.netns.sh', import.meta.url).pathname;

/** What xdp_frags_out does besides returning the u32 at 14 (nic_frags.bpf.c). */
const MARK = 0x5eedf00d;
const REDIRECT_DEVMAP = 5;
const REDIRECT_CPUMAP = 6;
const REDIRECT_XSKMAP = 7;

interface Out {
  kind: 'pass' | 'tx' | 'drop' | 'redirect' | 'xsk';
  queue: number;
  verdict?: number;
  to?: string;
  socket?: number;
  frame: number;
  bytes: Uint8Array;
  /** The fragments the sink was handed, and whether they were the arena's shared empty list. */
  frags: number;
  noFrags: boolean;
}

class Recorder implements XdpSinks, NicEvents {
  readonly out: Out[] = [];
  readonly lines: string[] = [];
  readonly exceptions: string[] = [];

  private push(o: Omit<Out, 'bytes' | 'frags' | 'noFrags'>, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[]): void {
    this.out.push({ ...o, bytes: frameBytes(b, start, end, frags), frags: frags.length, noFrags: frags === NO_FRAGS });
  }

  pass(_dev: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.push({ kind: 'pass', queue, frame }, b, start, end, frags);
  }

  tx(_dev: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.push({ kind: 'tx', queue, frame }, b, start, end, frags);
  }

  drop(_dev: VirtualNic, queue: number, verdict: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.push({ kind: 'drop', queue, verdict, frame }, b, start, end, frags);
  }

  redirect(_from: VirtualNic, to: VirtualNic, queue: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.push({ kind: 'redirect', to: to.name, queue, frame }, b, start, end, frags);
  }

  xsk(_dev: VirtualNic, queue: number, socket: number, b: Uint8Array, start: number, end: number, frags: readonly Uint8Array[], frame: number): void {
    this.push({ kind: 'xsk', queue, socket, frame }, b, start, end, frags);
  }

  trace(tracepoint: XdpTracepoint, line: string): void {
    this.lines.push(`${tracepoint.slice(4)}: ${line}`);
  }

  exception(dev: VirtualNic, queue: number, message: string): void {
    this.exceptions.push(`${dev.name}/${queue}: ${message}`);
  }
}

type Mode = 'native' | 'generic';
const MODES: readonly Mode[] = ['native', 'generic'];

interface Rig {
  obj: LoadedObject;
  topology: Topology;
  eth0: VirtualNic;
  eth1: VirtualNic;
  rec: Recorder;
  progId: number;
  mapId(name: string): number;
  /** RX queue `queue` of eth0 in `mode`, running xdp_frags_out as CPU `cpu`. */
  path(mode: Mode, queue?: number, cpu?: number): RxPath;
}

const u32 = (n: number): Uint8Array => new Uint8Array(Uint32Array.of(n).buffer);
const pair = (a: number, b: number): Uint8Array => new Uint8Array(Uint32Array.of(a, b).buffer);

/** eth0 receives at MTU 9000; eth1, at MTU 9000 too, takes what is redirected. */
function rig(): Rig {
  const obj = loadObject(FRAGS, { cpus: 4, contexts: 6, frameSlots: 65 });
  const program = obj.program({ program: 'xdp_frags_out' });
  const topology = new Topology();
  const eth0 = topology.add({ name: 'eth0', rxQueues: 2, mtu: 9000 });
  const eth1 = topology.add({ name: 'eth1', txQueues: 2, mtu: 9000 });
  const rec = new Recorder();
  const progId = obj.programs.indexOf(program) + 1;
  const mapIds = objectMapIds(obj.maps.values());
  const path = (mode: Mode, queue = 0, cpu = queue): RxPath => {
    const options = {
      device: eth0,
      queue,
      topology,
      executable: obj.compile(program),
      context: obj.context(cpu),
      progId,
      mapIds,
      entryProgram: (id: number) => obj.compile(obj.programs[id - 1]!),
      sinks: rec,
      events: rec,
    };
    return mode === 'native' ? new RxQueue(options) : new GenericRxQueue(options);
  };
  return { obj, topology, eth0, eth1, rec, progId, mapId: (name) => mapIds.get(obj.map(name))!, path };
}

/** A frame of `length` bytes for xdp_frags_out: the u32 at 14 its verdict, the one at 18 its argument, every other byte from `seed`. */
function frame(verdict: number, arg: number, length: number, seed = 0): Uint8Array {
  const f = new Uint8Array(length);
  for (let i = 0; i < length; i++) f[i] = (i * 7 + seed) & 0xff;
  f.fill(0xff, 0, 6);
  f.set([0x88, 0xb5], 12);
  const v = new DataView(f.buffer);
  v.setUint32(14, verdict, true);
  v.setUint32(18, arg, true);
  return f;
}

/** The frame as xdp_frags_out leaves it: its last four bytes the mark, its length xored with MARK. */
function marked(f: Uint8Array): Uint8Array {
  const out = f.slice();
  new DataView(out.buffer).setUint32(out.length - 4, (MARK ^ out.length) >>> 0, true);
  return out;
}

/** Polls every frame of `frames` on `rx`, as many to a poll as it takes. */
function pollAll(rx: RxPath, frames: readonly Uint8Array[]): void {
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  const offset: number[] = [];
  let at = 0;
  for (const f of frames) {
    bytes.set(f, at);
    offset.push(at);
    at += f.length;
  }
  const batch: FrameBatch = { bytes, offset, capLen: frames.map((f) => f.length) };
  for (let first = 0; first < frames.length; first += rx.budget) {
    const which = Array.from({ length: Math.min(rx.budget, frames.length - first) }, (_, i) => first + i);
    rx.poll(batch, which, which.length);
  }
}

const sum = (outs: readonly Out[]): number => outs.reduce((n, o) => n + o.bytes.length, 0);

describe.each(MODES)('multi-buffer frames leave whole (%s mode)', (mode) => {
  it('to every sink, linear part then fragments, as the program left them; TX and redirect bytes count the same bytes', () => {
    const r = rig();
    // A devmap entry to eth1 without a program; a cpumap entry on CPU 1 without one (its kthread passes the frames).
    r.obj.map('ports').updateElem(u32(0), pair(r.eth1.ifindex, 0));
    r.obj.map('cpus').updateElem(u32(1), pair(64, 0));
    const plan: Array<[number, number]> = [
      [XDP_PASS, 0],
      [XDP_TX, 0],
      [XDP_DROP, 0],
      [XDP_ABORTED, 0],
      [9, 0],
      [XDP_REDIRECT, r.eth1.ifindex],
      [XDP_REDIRECT, 99],
      [REDIRECT_DEVMAP, 0],
      [REDIRECT_CPUMAP, 1],
    ];
    // 9000 bytes at MTU 9000, 3521 just past the linear part, 9018 the longest the MTU takes; and a linear frame of each.
    const lengths = [9000, XDP_MAX_LINEAR + 1, 9018, 64];
    const frames = lengths.flatMap((length, l) => plan.map(([verdict, arg], i) => frame(verdict, arg, length, l * 16 + i)));
    pollAll(r.path(mode), frames);
    expect(r.rec.exceptions).toEqual([]);
    expect(r.rec.out).toHaveLength(frames.length);
    const where = (o: Out): string => `${o.kind} ${o.verdict ?? o.to ?? ''}`.trim();
    const byFrame = [...r.rec.out].sort((a, b) => a.frame - b.frame);
    expect(byFrame.map(where)).toEqual(
      lengths.flatMap(() => ['pass', 'tx', `drop ${XDP_DROP}`, `drop ${XDP_ABORTED}`, 'drop 9', 'redirect eth1', `drop ${XDP_REDIRECT}`, 'redirect eth1', 'pass']),
    );
    for (const o of byFrame) {
      const sent = frames[o.frame]!;
      expect(o.bytes.length, `frame ${o.frame} (${where(o)})`).toBe(sent.length);
      expect(o.bytes, `frame ${o.frame} (${where(o)})`).toEqual(marked(sent));
      // Fragments past the linear part, and none at all (the arena's shared empty list, nothing allocated) for a linear frame.
      expect([o.frags > 0, o.noFrags], `frame ${o.frame}`).toEqual(sent.length > XDP_MAX_LINEAR ? [true, false] : [false, true]);
    }
    const tx = r.rec.out.filter((o) => o.kind === 'tx');
    const redirected = r.rec.out.filter((o) => o.kind === 'redirect');
    expect([r.eth0.counters.txTotal('packets'), r.eth0.counters.txTotal('bytes')]).toEqual([tx.length, sum(tx)]);
    expect([r.eth1.counters.txTotal('packets'), r.eth1.counters.txTotal('bytes')]).toEqual([redirected.length, sum(redirected)]);
    expect(sum(tx)).toBe(lengths.reduce((n, l) => n + l, 0));
  });

  it("through a devmap entry's program and a cpumap entry's program (xdp.frags ones), whole", () => {
    const r = rig();
    const bounce = r.obj.programs.findIndex((p) => p.name === 'xdp_bounce') + 1;
    r.obj.map('cpus').updateElem(u32(1), pair(64, bounce));
    r.obj.map('cpus').updateElem(u32(2), pair(64, bounce));
    // Bounced twice (CPU 1, 2, 1), then passed: xdp_bounce counts its runs at 26.
    const f = frame(REDIRECT_CPUMAP, 1, 9000);
    new DataView(f.buffer).setUint32(22, 2, true);
    new DataView(f.buffer).setUint32(26, 0, true);
    pollAll(r.path(mode), [f]);
    const want = marked(f);
    new DataView(want.buffer).setUint32(26, 3, true);
    expect(r.rec.out.map((o) => [o.kind, o.bytes.length])).toEqual([['pass', 9000]]);
    expect(r.rec.out[0]!.bytes).toEqual(want);
  });
});

/** Frames for an AF_XDP socket: within a 4096-byte chunk (3700 has fragments in native mode), and past one. */
const XSK_LENGTHS = [3000, 3700, 9000];

describe.each(MODES)('an AF_XDP socket and multi-buffer frames (%s mode)', (mode) => {

  it('takes a frame longer than a chunk holds only when bound with XDP_USE_SG; without, the redirect fails with -ENOSPC', () => {
    const r = rig();
    const sockets = r.obj.map('sockets') as XskMap;
    sockets.setSocket(0, { id: 41, queueId: 0 });
    sockets.setSocket(1, { id: 42, queueId: 0, sg: true });
    expect(sockets.socketAt(0)).toEqual({ id: 41, queueId: 0, sg: false, chunkSize: XSK_UMEM_DEFAULT_CHUNK_SIZE, headroom: 0 });
    const frames = [...XSK_LENGTHS.map((l, i) => frame(REDIRECT_XSKMAP, 0, l, i)), ...XSK_LENGTHS.map((l, i) => frame(REDIRECT_XSKMAP, 1, l, 8 + i))];
    pollAll(r.path(mode), frames);
    // 4096-byte chunks hold 3840 bytes of a frame (XDP_PACKET_HEADROOM before it): 3700 fits one, fragments and all.
    expect(r.rec.out.map((o) => [o.kind, o.socket ?? o.verdict, o.bytes.length])).toEqual([
      ['xsk', 41, 3000],
      ['xsk', 41, 3700],
      ['drop', XDP_REDIRECT, 9000],
      ['xsk', 42, 3000],
      ['xsk', 42, 3700],
      ['xsk', 42, 9000],
    ]);
    for (const o of r.rec.out) expect(o.bytes).toEqual(marked(frames[o.frame]!));
    const mapId = r.mapId('sockets');
    const line = (err: number, key: number): string =>
      `xdp_redirect${err === 0 ? '' : '_err'}: prog_id=${r.progId} action=REDIRECT ifindex=2 to_ifindex=0 err=${err} map_id=${mapId} map_index=${key}`;
    expect(r.rec.lines).toEqual([line(0, 0), line(0, 0), line(-28, 0), line(0, 1), line(0, 1), line(0, 1)]);
    const c = r.eth0.counters;
    expect([c.verdictTotal('redirect'), c.verdictTotal('redirect_errors')]).toEqual([6, 1]);
    // veth counts a failed redirect as drops; generic mode moves no driver counter.
    expect([c.rxStat(0, 'xdp_redirect'), c.rxStat(0, 'drops')]).toEqual(mode === 'native' ? [5, 1] : [0, 0]);
  });

  it("measures a chunk by the socket's UMEM: chunk size less XDP_PACKET_HEADROOM and its own headroom", () => {
    const r = rig();
    const sockets = r.obj.map('sockets') as XskMap;
    sockets.setSocket(0, { id: 41, queueId: 0, chunkSize: 2048 });
    sockets.setSocket(1, { id: 42, queueId: 0, headroom: 200 });
    // 2048 - 256 = 1792; 4096 - 256 - 200 = 3640.
    pollAll(r.path(mode), [frame(REDIRECT_XSKMAP, 0, 1792), frame(REDIRECT_XSKMAP, 0, 1793), frame(REDIRECT_XSKMAP, 1, 3640), frame(REDIRECT_XSKMAP, 1, 3641)]);
    expect(r.rec.out.map((o) => [o.kind, o.socket ?? o.verdict, o.bytes.length])).toEqual([
      ['xsk', 41, 1792],
      ['drop', XDP_REDIRECT, 1793],
      ['xsk', 42, 3640],
      ['drop', XDP_REDIRECT, 3641],
    ]);
    expect(() => sockets.setSocket(0, { id: 41, queueId: 0, chunkSize: 1024 })).toThrow(/EINVAL|Invalid argument/);
    expect(() => sockets.setSocket(0, { id: 41, queueId: 0, headroom: 4096 - 256 })).toThrow(/EINVAL|Invalid argument/);
  });
});

const kernelWhy = kernelMissing() ?? (spawnSync('unshare', ['--version']).error ? 'unshare is not installed' : undefined);

describe('an AF_XDP socket and multi-buffer frames in the kernel', () => {
  it.skipIf(kernelWhy !== undefined)('takes and refuses the frames xdpsim does, whole or in descriptors of a chunk, in both modes (nic_frags.netns.sh)', () => {
    const run = spawnSync(NETNS_SCRIPT, { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    // Per mode and XDP_USE_SG: the frames the socket received (descriptors chained by XDP_PKT_CONTD put back together), their last four bytes, and the errors.
    const runs = new Map<string, { frames: Array<[number, string]>; errors: string[] }>();
    let current: { frames: Array<[number, string]>; errors: string[] } | undefined;
    let pending = 0;
    for (const l of run.stdout.split('\n')) {
      const head = /^(native|generic), XDP_USE_SG (\d):$/.exec(l);
      const desc = /^desc len=(\d+) options=(\d+) last=([0-9a-f]{8})$/.exec(l);
      if (head) runs.set(`${head[1]} ${head[2]}`, (current = { frames: [], errors: [] }));
      else if (desc) {
        pending += Number(desc[1]);
        if (Number(desc[2]) === 0) {
          current!.frames.push([pending, desc[3]!]);
          pending = 0;
        }
      } else if (l.startsWith('xdp_redirect_err')) current!.errors.push(l.replace(/.* err=/, 'err='));
    }
    for (const mode of MODES) {
      for (const sg of [false, true]) {
        const r = rig();
        (r.obj.map('sockets') as XskMap).setSocket(0, { id: 41, queueId: 0, sg });
        pollAll(r.path(mode), XSK_LENGTHS.map((l) => frame(REDIRECT_XSKMAP, 0, l)));
        const ours = {
          frames: r.rec.out.filter((o) => o.kind === 'xsk').map((o): [number, string] => [o.bytes.length, new DataView(o.bytes.buffer).getUint32(o.bytes.length - 4, true).toString(16)]),
          errors: r.rec.lines.filter((l) => l.startsWith('xdp_redirect_err')).map((l) => l.replace(/.* err=(-?\d+).*/, 'err=$1')),
        };
        expect(runs.get(`${mode} ${sg ? 1 : 0}`), `${mode}, XDP_USE_SG ${sg}`).toEqual(ours);
      }
    }
  });
});

describe.each(MODES)('cpumap kthreads following a frame (%s mode)', (mode) => {
  /** A frame for xdp_frags_out into the cpumap at CPU 1, where xdp_bounce bounces it `bounces` times before passing it. */
  function bouncing(bounces: number, length: number): Uint8Array {
    const f = frame(REDIRECT_CPUMAP, 1, length);
    const v = new DataView(f.buffer);
    v.setUint32(22, bounces, true);
    v.setUint32(26, 0, true);
    return f;
  }

  function bounceRig(): Rig {
    const r = rig();
    const bounce = r.obj.programs.findIndex((p) => p.name === 'xdp_bounce') + 1;
    r.obj.map('cpus').updateElem(u32(1), pair(64, bounce));
    r.obj.map('cpus').updateElem(u32(2), pair(64, bounce));
    return r;
  }

  it(`pass a frame bounced between CPUs exactly ${CPUMAP_MAX_HOPS} times, whole; the next arrival past that is counted unsimulated`, () => {
    for (const length of [64, 9000]) {
      const r = bounceRig();
      pollAll(r.path(mode), [bouncing(CPUMAP_MAX_HOPS, length)]);
      const passed = marked(bouncing(CPUMAP_MAX_HOPS, length));
      // Run CPUMAP_MAX_HOPS + 1 times: on CPU 1 first, then once after each bounce.
      new DataView(passed.buffer).setUint32(26, CPUMAP_MAX_HOPS + 1, true);
      expect(r.rec.out.map((o) => [o.kind, o.bytes.length]), `${length} bytes`).toEqual([['pass', length]]);
      expect(r.rec.out[0]!.bytes).toEqual(passed);
      expect([r.eth0.counters.verdictTotal('unsimulated'), r.rec.exceptions]).toEqual([0, []]);
      // The kthreads' own redirects: CPUMAP_MAX_HOPS of them, each an xdp_redirect line of the cpumap's CPU.
      expect(r.rec.lines.filter((l) => l.startsWith('xdp_redirect:') && !l.includes(`prog_id=${r.progId} `))).toHaveLength(CPUMAP_MAX_HOPS);

      const over = bounceRig();
      pollAll(over.path(mode), [bouncing(CPUMAP_MAX_HOPS + 1, length)]);
      const dropped = marked(bouncing(CPUMAP_MAX_HOPS + 1, length));
      // It ran as often, then was bounced once more: that arrival is where xdpsim stops following it.
      new DataView(dropped.buffer).setUint32(26, CPUMAP_MAX_HOPS + 1, true);
      expect(over.rec.out.map((o) => [o.kind, o.verdict, o.bytes.length])).toEqual([['drop', XDP_REDIRECT, length]]);
      expect(over.rec.out[0]!.bytes).toEqual(dropped);
      const c = over.eth0.counters;
      expect(over.rec.exceptions).toHaveLength(1);
      // Counted by its ingress verdict already: verdicts plus unsimulated exceed the one frame received.
      expect([c.rxStat(0, 'packets'), c.verdictTotal('redirect'), c.verdictTotal('unsimulated')]).toEqual([1, 1, 1]);
    }
  });
});
