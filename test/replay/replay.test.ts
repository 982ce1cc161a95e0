// Replaying over and over, read two ways, at a pace, and stopped early:
// --loop N counts everything N times; a capture read once into memory and
// one streamed through bounded chunks (preloadLimit 0; a capture of more
// frames than a streaming chunk holds) give the same counters and output
// captures; --speed original, --pps and --mbps make the replay take at
// least as long as the pace says (lower bounds only: machines are noisy);
// cancel() ends a long replay with counters that still add up; progress()
// only moves forward, to 1.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSetup } from '../../src/loader/setup.js';
import { readCapture, writePcap, type PcapRecord } from '../../src/pcap/index.js';
import { ReplaySession, type ReplayEvent, type ReplaySessionOptions } from '../../src/replay/index.js';
import { capture, example, replayJson } from './replay-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-replay-loop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SMALL = ['demo.pcap', 'ipv4.pcap', 'ipv6.pcap', 'vlan.pcap', 'malformed.pcap', 'jumbo.pcap'].map(capture);
const SMALL_FRAMES = SMALL.reduce((n, c) => n + readCapture(new Uint8Array(readFileSync(c))).packets.length, 0);
const FIREWALL_SETUP = parseSetup(readFileSync(example('xdp_firewall.setup'), 'utf8'));

/** IPv4 TCP frames of `flows` flows; a source address in 203.0.113.0/24 (which the firewall setup blocks) every 7th frame. */
function tcpFrames(count: number, startSec: number, stepNs: number): PcapRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const d = new Uint8Array(64 + (i % 5) * 100);
    const v = new DataView(d.buffer);
    v.setUint16(12, 0x0800);
    v.setUint8(14, 0x45);
    v.setUint16(16, d.length - 14);
    v.setUint8(22, 64);
    v.setUint8(23, 6);
    v.setUint32(26, i % 7 === 0 ? 0xcb007100 + (i % 200) : 0xc6336400 + (i % 50));
    v.setUint32(30, 0xc000020a);
    v.setUint16(34, 40000 + (i % 97));
    v.setUint16(36, 80);
    v.setUint8(46, 0x50);
    const ns = i * stepNs;
    return { data: d, tsSec: startSec + Math.floor(ns / 1e9), tsNsec: ns % 1e9 };
  });
}

/** More frames than a streaming chunk holds (32768), so a streamed pass takes several chunks. */
const BIG = join(tmp, 'big.pcap');
writeFileSync(BIG, writePcap(tcpFrames(40_000, 1_700_000_000, 25_000), { nanosecond: true }));

interface Ended {
  packets: number;
  totals: unknown;
  counters: unknown;
  /** Each output file's digest, and the digests of its records sorted (the same frames, in whatever order). */
  outputs: Record<string, string>;
  records: Record<string, string>;
  preloaded: boolean;
}

const digest = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

let runs = 0;
async function replay(options: Partial<ReplaySessionOptions>, preloadLimit?: number): Promise<Ended> {
  const outDir = join(tmp, `out-${runs++}`);
  const session = await ReplaySession.open({
    object: example('xdp_firewall.o'),
    captures: SMALL,
    topology: { devices: [{ name: 'eth0', rxQueues: 4 }] },
    setup: FIREWALL_SETUP,
    outDir,
    ...options,
    ...(preloadLimit !== undefined && { preloadLimit }),
  });
  const result = await session.run();
  expect(result.cancelled).toBe(false);
  // Digests, so that a difference prints short.
  const files = readdirSync(outDir).sort();
  const outputs = Object.fromEntries(files.map((f) => [f, digest(readFileSync(join(outDir, f)))]));
  const records = Object.fromEntries(
    files.map((f) => {
      const packets = readCapture(new Uint8Array(readFileSync(join(outDir, f)))).packets;
      return [f, digest(packets.map((p) => `${p.tsSec}.${p.tsNsec}/${p.origLen}/${Buffer.from(p.data).toString('hex')}`).sort().join('\n'))];
    }),
  );
  const snapshot = session.counters();
  return { packets: result.packets, totals: session.totals(), counters: { rx: snapshot.rx, verdicts: snapshot.verdicts, tx: snapshot.tx }, outputs, records, preloaded: result.preloaded };
}

describe('--loop', () => {
  it('multiplies every count by N, on the path that runs a small capture many loops at once too', async () => {
    const args = [...SMALL, '--prog', example('xdp_firewall.o'), '--setup', example('xdp_firewall.setup'), '--queues', '3'];
    const once = await replayJson(args);
    expect(once.packets).toBe(SMALL_FRAMES);
    for (const n of [2, 3, 100]) {
      const r = await replayJson([...args, '--loop', String(n), '--out', join(tmp, `loop-${n}`)]);
      expect(r.loops).toBe(n);
      expect(r.packets).toBe(n * once.packets);
      for (const [k, v] of Object.entries(once.verdicts)) expect(r.verdicts[k as keyof typeof r.verdicts], k).toBe(n * v);
      expect(r.errors.length_errors).toBe(n * once.errors.length_errors);
      r.queues.forEach((q, i) => {
        for (const [k, v] of Object.entries(q)) if (k !== 'queue' && k !== 'verdicts') expect(v, `queue ${i} ${k}`).toBe(n * (once.queues[i]![k] as number));
      });
      expect(r.outputs['pass.pcap']!.packets).toBe(n * once.verdicts.XDP_PASS);
      expect(r.outputs['drop.pcap']!.packets).toBe(n * once.verdicts.XDP_DROP);
    }
  });

  it('writes each loop\'s frames with the capture\'s own timestamps', async () => {
    const dir = join(tmp, 'loop-2');
    const pass = readCapture(new Uint8Array(readFileSync(join(dir, 'pass.pcap')))).packets;
    const stamp = (p: { tsSec: number; tsNsec: number }): string => `${p.tsSec}.${p.tsNsec}`;
    const inputs = new Set(SMALL.flatMap((c) => readCapture(new Uint8Array(readFileSync(c))).packets.map(stamp)));
    for (const p of pass) expect(inputs.has(stamp(p))).toBe(true);
  });
});

describe('preloaded and streamed replays', () => {
  it('give the same counters and byte-identical outputs (small captures, 3 loops)', async () => {
    const preloaded = await replay({ loops: 3 });
    const streamed = await replay({ loops: 3 }, 0);
    expect([preloaded.preloaded, streamed.preloaded]).toEqual([true, false]);
    expect(streamed).toEqual({ ...preloaded, preloaded: false });
  });

  it('give the same over a capture of several streaming chunks, 2 loops, on one queue', async () => {
    const options = { captures: [BIG, capture('ipv4.pcap')], loops: 2, topology: { devices: [{ name: 'eth0' }] } };
    const preloaded = await replay(options);
    const streamed = await replay(options, 0);
    expect(preloaded.packets).toBe(2 * 40_012);
    expect(streamed).toEqual({ ...preloaded, preloaded: false });
    const drops = (preloaded.totals as { verdicts: { XDP_DROP: number } }).verdicts.XDP_DROP;
    // Every 7th frame of the big capture, and ipv4.pcap's DNS query that deny_rules names.
    expect(drops).toBe(2 * (Math.ceil(40_000 / 7) + 1));
  });

  it('give the same counters and the same frames in each output over several chunks on 4 queues', async () => {
    // A queue's polls interleave with the others' within a chunk, so where the
    // chunks end moves frames of different queues past each other in a
    // capture (each queue's own frames keep their order); the frames are the same.
    const options = { captures: [BIG, capture('ipv4.pcap')], loops: 2 };
    const { outputs: _p, ...preloaded } = await replay(options);
    const { outputs: _s, ...streamed } = await replay(options, 0);
    expect(streamed).toEqual({ ...preloaded, preloaded: false });
  });
});

/** Milliseconds a replay of `capturePath` takes with `args`. */
async function elapsedMs(capturePath: string, args: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = await replayJson([capturePath, '--prog', example('xdp_drop.o'), ...args]);
  expect(r.packets).toBeGreaterThan(0);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

describe('pacing', () => {
  const twenty = join(tmp, 'twenty.pcap');
  // 20 frames of 1000 bytes, 10 ms apart.
  writeFileSync(twenty, writePcap(tcpFrames(20, 1_700_000_000, 10_000_000).map((r) => ({ ...r, data: new Uint8Array(1000).fill(1) }))));

  it('--pps 200: 20 packets take at least 95 ms (the last is due at 19/200 s)', async () => {
    expect(await elapsedMs(twenty, ['--pps', '200'])).toBeGreaterThanOrEqual(90);
  });

  it('--speed original: as the timestamps spaced them (190 ms first to last)', async () => {
    expect(await elapsedMs(twenty, ['--speed', 'original'])).toBeGreaterThanOrEqual(180);
  });

  it('--speed original across loops: each loop comes a second or more after the one before', async () => {
    // Two loops of a capture spanning 190 ms within one second: the clock moves on a whole second a loop.
    expect(await elapsedMs(twenty, ['--speed', 'original', '--loop', '2'])).toBeGreaterThanOrEqual(1150);
  });

  it('--mbps 1.6: 20 frames of 8000 bits take at least 95 ms', async () => {
    expect(await elapsedMs(twenty, ['--mbps', '1.6'])).toBeGreaterThanOrEqual(90);
  });

  it('topspeed does not wait for timestamps', async () => {
    // Not an upper bound on time: the same frames spaced 1000 s apart would otherwise take that long.
    const far = join(tmp, 'far.pcap');
    writeFileSync(far, writePcap(tcpFrames(3, 1_700_000_000, 1000e9)));
    const r = await replayJson([far, '--prog', example('xdp_drop.o')]);
    expect(r.packets).toBe(3);
  });
});

describe('cancel and progress', () => {
  it('cancel() ends a long looped replay early, its counters and outputs agreeing', async () => {
    const outDir = join(tmp, 'cancelled');
    const session = await ReplaySession.open({
      object: example('xdp_firewall.o'),
      captures: [capture('demo.pcap')],
      topology: { devices: [{ name: 'eth0', rxQueues: 2 }] },
      setup: FIREWALL_SETUP,
      loops: 1_000_000,
      outDir,
    });
    const running = session.run();
    await new Promise((done) => setTimeout(done, 100));
    session.cancel();
    const result = await running;
    expect(result.cancelled).toBe(true);
    expect(result.loopsDone).toBeLessThan(1_000_000);
    expect(result.packets).toBeGreaterThan(0);
    const t = session.totals();
    expect(t.packets).toBe(result.packets);
    expect(Object.values(t.verdicts).reduce((a, b) => a + b, 0)).toBe(result.packets);
    const rx = session.counters().rx;
    expect(rx.reduce((n, q) => n + q.rx_packets, 0)).toBe(result.packets);
    const count = (f: string): number => readCapture(new Uint8Array(readFileSync(join(outDir, f)))).packets.length;
    expect([count('pass.pcap'), count('drop.pcap')]).toEqual([t.verdicts.XDP_PASS, t.verdicts.XDP_DROP]);
    expect(session.progress().fraction).toBeLessThan(1);
  });

  it('cancel() ends a paced streamed replay within a slice', async () => {
    const session = await ReplaySession.open(
      { object: example('xdp_drop.o'), captures: [BIG], topology: { devices: [{ name: 'eth0' }] }, speed: { kind: 'pps', pps: 1000 } },
    );
    const running = session.run();
    await new Promise((done) => setTimeout(done, 150));
    session.cancel();
    const result = await running;
    expect(result.cancelled).toBe(true);
    // 1000 frames a second: about 150 of 40000 by the cancel.
    expect(result.packets).toBeGreaterThan(0);
    expect(result.packets).toBeLessThan(40_000);
    expect(session.totals().verdicts.XDP_DROP).toBe(result.packets);
  });

  /** The progress events of a replay of the big capture, 5 loops, and the session. */
  async function progressOf(preloadLimit: number | undefined): Promise<{ events: Array<Extract<ReplayEvent, { type: 'progress' }>>; session: ReplaySession; packets: number }> {
    const events: Array<Extract<ReplayEvent, { type: 'progress' }>> = [];
    const session = await ReplaySession.open(
      {
        object: example('xdp_firewall.o'),
        captures: [BIG],
        topology: { devices: [{ name: 'eth0', rxQueues: 2 }] },
        loops: 5,
        progressMs: 0,
        ...(preloadLimit !== undefined && { preloadLimit }),
      },
      (e) => {
        if (e.type === 'progress') events.push(e);
      },
    );
    expect(session.progress().fraction).toBe(0);
    const result = await session.run();
    return { events, session, packets: result.packets };
  }

  for (const [what, preloadLimit] of [['preloaded', undefined], ['streamed', 0]] as const) {
    it(`progress() fractions only increase, and the events' deltas add up to the counters (${what}, 5 loops)`, async () => {
      const { events, packets } = await progressOf(preloadLimit);
      const fractions = events.map((e) => e.progress.fraction);
      expect(fractions.length).toBeGreaterThan(5);
      for (let i = 1; i < fractions.length; i++) expect(fractions[i]!, `event ${i}`).toBeGreaterThanOrEqual(fractions[i - 1]!);
      expect(fractions.some((f) => f > 0 && f < 1)).toBe(true);
      expect(fractions.slice(0, -1).every((f) => f <= 1)).toBe(true);
      expect(events.reduce((n, e) => n + e.delta.packets, 0)).toBe(packets);
      expect(events.at(-1)!.progress.packets).toBe(5 * 40_000);
    });

    // A finished replay is at 1, its loop the last one (not one past it).
    it(`progress() ends at exactly 1 (${what}, 5 loops)`, async () => {
      const { events, session } = await progressOf(preloadLimit);
      expect(events.at(-1)!.progress.fraction).toBe(1);
      expect(session.progress().fraction).toBe(1);
      expect(session.progress().loop).toBe(4);
    });
  }
});
