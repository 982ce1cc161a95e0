// The replay end to end (issue 8): `xdpsim replay` at topspeed, no outputs,
// on a 4-queue NIC, over a synthetic capture made at start; then, in one
// process, what the replay machinery costs besides the program; then a
// capture of several GiB streamed in bounded memory.
//
//   npm run bench:replay                       (5 rounds, a 3 GiB streamed capture)
//   npm run bench:replay -- --rounds 3 --big-gib 0.5
//   npm run bench:replay -- --parts machinery
//
// 1. Each replay runs in a child process (`node bin/xdpsim.js replay ... --json`,
//    the built CLI), under /usr/bin/time for its peak RSS. Configurations take
//    turns round by round, so a shared machine's load moves them alike; medians.
// 2. In this process, interleaved: a Replay of the preloaded capture with
//    xdp_drop on one thread (CPU ns/packet), runBatch alone over 64 of its
//    frames already in an execution context's arena (the program's share),
//    a CaptureFeed preload pass (read, RSS, copy into the chunk) and RSS alone;
//    for the IMIX capture and for one of the same flows in 64-byte frames.
// 3. A CPU profile of the in-process replay (self time by function).
// 4. A capture of --big-gib GiB (the synthetic records again and again),
//    replayed once with xdp_drop: streamed, since it is above the preload limit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { loadObject } from '../src/loader/load.js';
import { PcapFileWriter } from '../src/pcap/index.js';
import { attachXdp, CaptureFeed, ChunkRunner, followCapture, PRELOAD_LIMIT, Replay, rxPaths } from '../src/replay/index.js';
import { buildTopology } from '../src/replay/topology-file.js';
import { XDP_BATCH } from '../src/xdp/arena.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const CLI = resolve(ROOT, 'bin/xdpsim.js');
const DROP = resolve(ROOT, 'examples/xdp_drop.o');
const FIREWALL = resolve(ROOT, 'examples/xdp_firewall.o');
const FIREWALL_SETUP = resolve(ROOT, 'examples/xdp_firewall.setup');

const FRAMES = 100_000;
const FLOWS = 4096;
const QUEUES = 4;
/** Seconds each end-to-end measurement should last at least. */
const MIN_SECONDS = 1;
/** Frames per second of capture time: the synthetic capture spans one second. */
const CAPTURE_PPS = 100_000;
const FIRST_TS = 1_764_892_800; // 2025-12-05T00:00:00Z

const { values: opts, positionals: mode } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    'big-gib': { type: 'string', default: '3' },
    'inproc-rounds': { type: 'string', default: '9' },
    /** Which parts to run: any of end-to-end, machinery, profile, streaming. */
    parts: { type: 'string', default: 'end-to-end,machinery,profile,streaming' },
  },
});
const PARTS = new Set(String(opts.parts).split(','));
const ROUNDS = Number(opts.rounds);
const BIG_GIB = Number(opts['big-gib']);
const INPROC_ROUNDS = Number(opts['inproc-rounds']);
const INPROC_WARMUP = 2;

// ---------------------------------------------------------------- the capture

/** A small deterministic generator (an LCG), so every run replays the same frames. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

interface Flow {
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  proto: number;
}

const TCP = 6;
const UDP = 17;
const ip = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

/**
 * The flows, with what examples/xdp_firewall.setup drops among them: one in
 * 16 from the blocked prefix 203.0.113.0/24, one in 64 from the scanner
 * 198.51.100.66, and the denied DNS flow 198.51.100.2:53000 -> 192.0.2.53:53;
 * the rest, from 10.0.0.0/8, pass.
 */
function flows(): Flow[] {
  const rand = lcg(7);
  return Array.from({ length: FLOWS }, (_, f): Flow => {
    if (f === 7) return { saddr: ip(198, 51, 100, 2), daddr: ip(192, 0, 2, 53), sport: 53000, dport: 53, proto: UDP };
    const proto = f % 3 === 0 ? UDP : TCP;
    const saddr = f % 16 === 1 ? ip(203, 0, 113, f & 255) : f % 64 === 5 ? ip(198, 51, 100, 66) : ip(10, (f >> 8) & 255, f & 255, 1 + (f % 250));
    const dport = [80, 443, 53, 8080, 22][f % 5]!;
    return { saddr, daddr: ip(192, 0, 2, 1 + (f % 200)), sport: 1024 + Math.floor(rand() * 60000), dport, proto };
  });
}

/** Frame lengths in the simple IMIX proportions 7:4:1. */
function frameLength(r: number): number {
  return r < 7 / 12 ? 64 : r < 11 / 12 ? 576 : 1514;
}

/** One Ethernet/IPv4 TCP or UDP frame of `length` bytes (FCS not included, as captures have it). */
function frame(flow: Flow, length: number, id: number): Uint8Array {
  const b = new Uint8Array(length);
  const v = new DataView(b.buffer);
  b.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
  v.setUint16(12, 0x0800);
  v.setUint8(14, 0x45);
  v.setUint16(16, length - 14);
  v.setUint16(18, id & 0xffff);
  v.setUint16(20, 0x4000);
  v.setUint8(22, 64);
  v.setUint8(23, flow.proto);
  v.setUint32(26, flow.saddr);
  v.setUint32(30, flow.daddr);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += v.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  v.setUint16(24, ~sum & 0xffff);
  v.setUint16(34, flow.sport);
  v.setUint16(36, flow.dport);
  if (flow.proto === UDP) {
    v.setUint16(38, length - 34);
  } else {
    v.setUint32(38, id);
    v.setUint8(46, 5 << 4);
    v.setUint8(47, 0x10);
    v.setUint16(48, 65535);
  }
  return b;
}

/** The synthetic frames, in capture order: IMIX lengths, or all of `length` bytes. */
function syntheticFrames(length?: number): Uint8Array[] {
  const all = flows();
  const rand = lcg(42);
  return Array.from({ length: FRAMES }, (_, i) => {
    const flow = all[Math.floor(rand() * FLOWS)]!;
    const r = rand();
    return frame(flow, length ?? frameLength(r), i);
  });
}

/** Writes the frames `copies` times over, each copy a second of capture time after the last. */
function writeCapture(path: string, frames: readonly Uint8Array[], copies: number): number {
  const writer = new PcapFileWriter(path);
  try {
    for (let c = 0; c < copies; c++) {
      frames.forEach((f, i) => {
        const at = c * FRAMES + i;
        writer.append(f, 0, f.length, FIRST_TS + Math.floor(at / CAPTURE_PPS), (at % CAPTURE_PPS) * (1e9 / CAPTURE_PPS));
      });
    }
  } finally {
    writer.close();
  }
  return statSync(path).size;
}

// ---------------------------------------------------------------- children

interface Config {
  name: string;
  object: string;
  firewall: boolean;
  workers: number;
}

interface ChildResult {
  packets: number;
  seconds: number;
  cpuSeconds: number;
  maxRssKiB: number;
  verdicts: Record<string, number>;
}

/** One `xdpsim replay` in a child process, with its peak RSS from /usr/bin/time. */
function replayChild(capture: string, c: Config, loops: number): ChildResult {
  const args = [CLI, 'replay', capture, '--prog', c.object, '--queues', String(QUEUES), '--loop', String(loops), '--json'];
  if (c.firewall) args.push('--sec', 'xdp', '--setup', FIREWALL_SETUP);
  if (c.workers > 0) args.push('--workers', String(c.workers));
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss_kib=%M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const rss = /maxrss_kib=(\d+)/.exec(r.stderr);
  if (r.status !== 0 || rss === null) throw new Error(`xdpsim replay failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { packets: number; seconds: number; cpu_seconds: number; verdicts: Record<string, number>; queues: unknown[] };
  return { packets: out.packets, seconds: out.seconds, cpuSeconds: out.cpu_seconds, maxRssKiB: Number(rss[1]), verdicts: out.verdicts };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function endToEnd(capture: string): Map<string, ChildResult[]> {
  const configs: Config[] = [];
  for (const [prog, object, firewall] of [
    ['xdp_drop', DROP, false],
    ['xdp_firewall', FIREWALL, true],
  ] as const) {
    for (const workers of [0, 1, 2]) configs.push({ name: `${prog}, ${workers === 0 ? 'single thread' : `${workers} worker${workers > 1 ? 's' : ''}`}`, object, firewall, workers });
  }
  // Calibration: loops doubled until a run lasts MIN_SECONDS with a margin for a quieter machine.
  const loops = new Map<string, number>();
  for (const c of configs) {
    let n = 4;
    for (let probe = replayChild(capture, c, n); probe.seconds < MIN_SECONDS * 1.5; probe = replayChild(capture, c, n)) {
      console.error(`calibrate ${c.name}: ${n} loops take ${probe.seconds.toFixed(3)} s; verdicts ${JSON.stringify(probe.verdicts)}`);
      n *= 2;
    }
    loops.set(c.name, n);
  }
  const results = new Map<string, ChildResult[]>(configs.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? configs : [...configs].reverse();
    for (const c of order) {
      const r = replayChild(capture, c, loops.get(c.name)!);
      results.get(c.name)!.push(r);
      console.error(`round ${round + 1} ${c.name}: ${r.packets} packets, ${r.seconds.toFixed(3)} s, ${(r.packets / r.seconds / 1e6).toFixed(3)} Mpps`);
    }
  }
  console.log(`\n### End to end: \`xdpsim replay\` children, ${QUEUES} RX queues, topspeed, no outputs; median of ${ROUNDS} interleaved rounds\n`);
  console.log('| configuration | loops | packets | shortest run | Mpps (wall) | best round | ns/packet wall | ns/packet CPU (process) | peak RSS |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const mpps = new Map<string, number>();
  const best = new Map<string, number>();
  for (const c of configs) {
    const rs = results.get(c.name)!;
    const m = median(rs.map((r) => r.packets / r.seconds / 1e6));
    mpps.set(c.name, m);
    best.set(c.name, Math.max(...rs.map((r) => r.packets / r.seconds / 1e6)));
    const wall = median(rs.map((r) => (r.seconds * 1e9) / r.packets));
    const cpu = median(rs.map((r) => (r.cpuSeconds * 1e9) / r.packets));
    const rss = median(rs.map((r) => r.maxRssKiB)) / 1024;
    const shortest = Math.min(...rs.map((r) => r.seconds));
    console.log(`| ${c.name} | ${loops.get(c.name)} | ${rs[0]!.packets} | ${shortest.toFixed(2)} s | ${m.toFixed(3)} | ${best.get(c.name)!.toFixed(3)} | ${wall.toFixed(0)} | ${cpu.toFixed(0)} | ${rss.toFixed(0)} MiB |`);
  }
  console.log('\n| program, Mpps from | 2 workers / 1 worker | 1 worker / single thread | 2 workers / single thread |');
  console.log('|---|---|---|---|');
  for (const prog of ['xdp_drop', 'xdp_firewall']) {
    for (const [which, of] of [
      ['medians', mpps],
      ['best rounds', best],
    ] as const) {
      const [t, w1, w2] = [of.get(`${prog}, single thread`)!, of.get(`${prog}, 1 worker`)!, of.get(`${prog}, 2 workers`)!];
      console.log(`| ${prog}, ${which} | ${(w2 / w1).toFixed(2)} | ${(w1 / t).toFixed(2)} | ${(w2 / t).toFixed(2)} |`);
    }
  }
  const verdicts = (name: string): string => JSON.stringify(results.get(name)![0]!.verdicts);
  console.log(`\nverdicts of one run: xdp_drop ${verdicts('xdp_drop, single thread')}; xdp_firewall ${verdicts('xdp_firewall, single thread')}`);
  return results;
}

// ---------------------------------------------------------------- in process

/**
 * The drop program replayed on this thread over `capture` as `xdpsim replay`
 * wires it, the feed preloaded once: its frames staged in the object's own
 * memory, as ReplaySession stages them, or (`staged` false) in a buffer of
 * their own, as before staging, for comparison.
 */
async function inProcess(capture: string, staged = true) {
  const { topology, ingress, xdpReceiver } = buildTopology({ devices: [{ name: 'eth0', rxQueues: QUEUES, txQueues: QUEUES }] });
  const queueOf = ingress.rss.queue.bind(ingress.rss);
  const feed = await CaptureFeed.open([capture], QUEUES, queueOf, PRELOAD_LIMIT);
  const obj = loadObject(DROP, { cpus: QUEUES, contexts: QUEUES + 1, frameSlots: XDP_BATCH + 1, ...(staged && { stagingBytes: feed.stagingBytes }) });
  if (staged) feed.stage(obj.staging());
  const program = obj.program();
  attachXdp(obj, program, ingress, 'native');
  const queues = Array.from({ length: QUEUES }, (_, q) => q);
  const runner = new ChunkRunner(rxPaths({ obj, program, topology, device: ingress, mode: 'native', queues, xdpReceiver }), followCapture(obj));
  await new Replay(feed, runner).start();
  const kept = feed.kept!;

  // The program's share: the same executable over frames already in an arena.
  const exe = obj.compile(program);
  const context = obj.context(QUEUES);
  for (let i = 0; i < XDP_BATCH; i++) context.arena.load(i, kept.bytes, kept.offset[i]!, kept.capLen[i]!);
  const verdicts = new Uint32Array(XDP_BATCH);
  // RSS's answers are counted so that the timed loop's calls cannot be optimised away.
  const queueCounts = new Uint32Array(QUEUES);
  return {
    kept,
    async replay(loops: number) {
      const r = await new Replay(feed, runner, { loops }).start();
      return { packets: r.packets, cpuNs: r.cpuNs, wallNs: r.wallNs };
    },
    runBatch(packets: number): void {
      for (let n = 0; n < packets; n += XDP_BATCH) exe.runBatch(context, 0, XDP_BATCH, ingress.ifindex, 0, verdicts);
    },
    async fill(): Promise<number> {
      const fresh = await CaptureFeed.open([capture], QUEUES, queueOf, PRELOAD_LIMIT);
      let n = 0;
      for await (const chunk of fresh.pass()) n += chunk.count;
      return n;
    },
    rss(): void {
      for (let i = 0; i < kept.count; i++) queueCounts[queueOf(kept.bytes, kept.offset[i]!, kept.offset[i]! + kept.capLen[i]!)]!++;
    },
  };
}

function cpuNs(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) * 1000;
}

async function machinery(capture: string, what: string): Promise<void> {
  const p = await inProcess(capture);
  const unstaged = await inProcess(capture, false);
  const loops = 5;
  const samples = { replay: [] as number[], replayWall: [] as number[], unstaged: [] as number[], run: [] as number[], fill: [] as number[], rss: [] as number[] };
  for (let round = 0; round < INPROC_ROUNDS; round++) {
    const keep = round >= INPROC_WARMUP;
    const steps: Array<() => Promise<void>> = [
      async () => {
        const r = await p.replay(loops);
        if (keep) samples.replay.push(r.cpuNs / r.packets), samples.replayWall.push(r.wallNs / r.packets);
      },
      async () => {
        const r = await unstaged.replay(loops);
        if (keep) samples.unstaged.push(r.cpuNs / r.packets);
      },
      async () => {
        const t = process.cpuUsage();
        p.runBatch(loops * FRAMES);
        if (keep) samples.run.push(cpuNs(t) / (loops * FRAMES));
      },
      async () => {
        const t = process.cpuUsage();
        const n = await p.fill();
        if (keep) samples.fill.push(cpuNs(t) / n);
      },
      async () => {
        const t = process.cpuUsage();
        p.rss();
        if (keep) samples.rss.push(cpuNs(t) / p.kept.count);
      },
    ];
    for (const step of round % 2 === 0 ? steps : steps.reverse()) await step();
  }
  const replay = median(samples.replay);
  const run = median(samples.run);
  console.log(`\n### The machinery, in one process, ${what}: xdp_drop, ${QUEUES} queues, one thread; CPU ns/packet, median of ${INPROC_ROUNDS - INPROC_WARMUP} interleaved rounds\n`);
  console.log('| measured | ns/packet |');
  console.log('|---|---|');
  console.log(`| (a) Replay of the preloaded capture (${loops} loops of ${FRAMES}), CPU | ${replay.toFixed(1)} |`);
  console.log(`| (a) the same, wall | ${median(samples.replayWall).toFixed(1)} |`);
  console.log(`| (a') the same with the frames in a buffer of their own (not staged in the object's memory), CPU | ${median(samples.unstaged).toFixed(1)} |`);
  console.log(`| (b) runBatch alone, ${XDP_BATCH} frames in place | ${run.toFixed(1)} |`);
  console.log(`| machinery (a − b) | ${(replay - run).toFixed(1)} |`);
  console.log(`| fill: a CaptureFeed preload pass (read, RSS, copy into the chunk) | ${median(samples.fill).toFixed(1)} |`);
  console.log(`| of which RSS (Rss.queue) alone | ${median(samples.rss).toFixed(1)} |`);
  console.log(`\nxdp_drop on one core, replay of a preloaded capture: ${(1000 / replay).toFixed(2)} Mpps (CPU); targets: machinery ≤ 100 ns ${replay - run <= 100 ? 'met' : 'NOT met'}, ≥ 5 Mpps ${1000 / replay >= 5 ? 'met' : 'NOT met'}`);
}

/** Run under --cpu-prof by `profile`: the in-process replay alone, for a few seconds. */
async function profiled(capture: string): Promise<void> {
  const p = await inProcess(capture);
  const end = Date.now() + 4000;
  while (Date.now() < end) await p.replay(5);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A CPU profile of the in-process replay (a child under --cpu-prof): the functions with the most self time. */
function profile(capture: string, dir: string): void {
  const profDir = join(dir, 'prof');
  const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, process.argv[1]!, 'profiled', capture], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`profile child failed: ${r.stderr}`);
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
  const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map(prof.nodes.flatMap((n) => (n.children ?? []).map((c) => [c, n] as const)));
  const name = (n: ProfileNode | undefined): string => {
    if (n === undefined) return '';
    const f = n.callFrame;
    const where = f.url === '' ? '' : ` ${f.url.replace(/^.*\/\.tmp\/bench\//, '')}:${f.lineNumber + 1}`;
    return `${f.functionName || '(anonymous)'}${where}`;
  };
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const caller = parent.get(id);
    const key = caller === undefined || caller.callFrame.functionName === '(root)' ? name(node) : `${name(node)} ← ${name(caller)}`;
    const dt = prof.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  console.log('\n### Profile of the in-process replay (xdp_drop, node --cpu-prof, self time)\n');
  console.log('| function ← caller | self |');
  console.log('|---|---|');
  for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(`| \`${key}\` | ${((100 * t) / total).toFixed(1)}% |`);
}

// ---------------------------------------------------------------- streaming

function streaming(frames: readonly Uint8Array[], dir: string, small: ChildResult[]): void {
  const path = join(dir, 'big.pcap');
  const perCopy = frames.reduce((n, f) => n + 16 + f.length, 0);
  const copies = Math.max(1, Math.ceil((BIG_GIB * 2 ** 30) / perCopy));
  const t0 = Date.now();
  let size: number;
  try {
    size = writeCapture(path, frames, copies);
    console.error(`wrote ${path}: ${(size / 2 ** 30).toFixed(2)} GiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const c: Config = { name: 'xdp_drop, streamed', object: DROP, firewall: false, workers: 0 };
    const r = replayChild(path, c, 1);
    console.log(`\n### Streaming: one replay of a ${(size / 2 ** 30).toFixed(2)} GiB capture (${copies} copies of the synthetic one), xdp_drop, single thread\n`);
    console.log('| capture | packets | Mpps (wall) | ns/packet CPU | peak RSS |');
    console.log('|---|---|---|---|---|');
    console.log(`| ${(size / 2 ** 30).toFixed(2)} GiB, streamed | ${r.packets} | ${(r.packets / r.seconds / 1e6).toFixed(3)} | ${((r.cpuSeconds * 1e9) / r.packets).toFixed(0)} | ${(r.maxRssKiB / 1024).toFixed(0)} MiB |`);
    const s = small[0]!;
    console.log(
      `| ${(perCopy / 2 ** 20).toFixed(1)} MiB, preloaded, looped (median of ${small.length}) | ${s.packets} | ${median(small.map((x) => x.packets / x.seconds / 1e6)).toFixed(3)} | ${median(small.map((x) => (x.cpuSeconds * 1e9) / x.packets)).toFixed(0)} | ${(median(small.map((x) => x.maxRssKiB)) / 1024).toFixed(0)} MiB |`,
    );
  } finally {
    rmSync(path, { force: true });
  }
}

// ---------------------------------------------------------------- main

if (mode[0] === 'profiled') {
  await profiled(mode[1]!);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'xdpsim-bench-replay-'));
  try {
    const frames = syntheticFrames();
    const capture = join(dir, 'synthetic.pcap');
    const size = writeCapture(capture, frames, 1);
    console.log(`node ${process.version}, ${new Date().toISOString()}`);
    console.log(`synthetic capture: ${FRAMES} Ethernet/IPv4 frames (TCP 2/3, UDP 1/3), ${FLOWS} flows, lengths 64/576/1514 in IMIX 7:4:1, ${(size / 2 ** 20).toFixed(1)} MiB`);
    const results = PARTS.has('end-to-end') ? endToEnd(capture) : undefined;
    if (PARTS.has('machinery')) {
      await machinery(capture, 'the synthetic capture (IMIX)');
      const small = join(dir, 'synthetic-64.pcap');
      writeCapture(small, syntheticFrames(64), 1);
      await machinery(small, 'the same flows, every frame 64 bytes');
    }
    if (PARTS.has('profile')) profile(capture, dir);
    if (BIG_GIB > 0 && PARTS.has('streaming')) streaming(frames, dir, results?.get('xdp_drop, single thread') ?? []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
