// The replay's counters hold together, whatever the number of RX queues:
// the queues' packets add up to the packets received, each queue's
// verdicts to the frames that reached XDP there, and those to the verdict
// totals; what each verdict did (drops, XDP_TX sent or failed, redirects
// done or failed) adds up to that verdict's count. RSS keeps a TCP flow on
// one queue and spreads flows over the queues; --rss-queue puts every frame
// on one queue.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/pcap/index.js';
import { ReplaySession } from '../../src/replay/index.js';
import { capture, example, replayJson, ROOT, type ReplayJson } from './replay-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-replay-counters-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runts (malformed.pcap) and jumbo frames (jumbo.pcap) make length errors; the rest every kind of frame. */
const CAPTURES = ['demo.pcap', 'ipv4.pcap', 'ipv6.pcap', 'vlan.pcap', 'arp.pcap', 'malformed.pcap', 'jumbo.pcap'].map(capture);
const FRAMES = CAPTURES.flatMap((c) => readCapture(new Uint8Array(readFileSync(c))).packets);
const BYTES = FRAMES.reduce((n, p) => n + p.data.length, 0);
const RXQ = join(ROOT, 'test/fixtures/objects/replay_rxq.bpf.o');

const sum = (ns: readonly number[]): number => ns.reduce((a, b) => a + b, 0);

/** Every rule by which a replay's counters add up. */
function expectConsistent(r: ReplayJson, queues: number): void {
  const q = r.queues;
  expect(q).toHaveLength(queues);
  expect(sum(q.map((x) => x.rx_packets!))).toBe(r.packets);
  expect(sum(q.map((x) => x.length_errors!))).toBe(r.errors.length_errors);
  for (const x of q) {
    const v = x.verdicts;
    expect(x.xdp_packets! + x.length_errors!, `queue ${x.queue}`).toBe(x.rx_packets);
    expect(v.aborted! + v.drop! + v.pass! + v.tx! + v.redirect! + v.invalid!, `queue ${x.queue}`).toBe(x.xdp_packets);
    expect(x.xdp_drops, `queue ${x.queue}`).toBe(v.drop! + v.aborted! + v.invalid!);
    expect(x.xdp_aborted, `queue ${x.queue}`).toBe(v.aborted! + v.invalid!);
    expect(x.xdp_tx! + x.xdp_tx_errors!, `queue ${x.queue}`).toBe(v.tx);
    expect(x.xdp_redirect! + x.drops!, `queue ${x.queue}`).toBe(v.redirect);
  }
  const total = (k: string): number => sum(q.map((x) => x.verdicts[k]!));
  expect(r.verdicts).toEqual({
    XDP_ABORTED: total('aborted') + total('invalid'),
    XDP_DROP: total('drop'),
    XDP_PASS: total('pass'),
    XDP_TX: total('tx'),
    XDP_REDIRECT: total('redirect'),
  });
  expect(sum(q.map((x) => x.xdp_tx!))).toBe(sum(r.tx_queues.map((t) => t.tx_packets!)));
  expect(r.errors.xdp_tx_errors).toBe(sum(q.map((x) => x.xdp_tx_errors!)));
  expect(r.errors.redirect_errors).toBe(sum(q.map((x) => x.drops!)));
}

describe('per-queue counters add up to the totals', () => {
  it('XDP_TX, XDP_PASS and length errors (xdp_icmp_echo) on 1, 2, 3, 4 and 8 queues', async () => {
    const totals: unknown[] = [];
    for (const queues of [1, 2, 3, 4, 8]) {
      const r = await replayJson([...CAPTURES, '--prog', example('xdp_icmp_echo.o'), '--queues', String(queues)]);
      expectConsistent(r, queues);
      expect(r.packets).toBe(FRAMES.length);
      expect(sum(r.queues.map((x) => x.rx_bytes!))).toBe(BYTES);
      expect(r.verdicts.XDP_TX).toBeGreaterThan(0);
      expect(r.errors.length_errors).toBe(6); // one runt, five jumbo frames past 1518 bytes
      totals.push([r.verdicts, r.errors]);
    }
    // A program without state gives the same totals however frames are spread.
    for (const t of totals) expect(t).toEqual(totals[0]);
  });

  it('XDP_DROP (xdp_firewall) on 2 and 5 queues', async () => {
    for (const queues of [2, 5]) {
      const r = await replayJson([...CAPTURES, '--prog', example('xdp_firewall.o'), '--setup', example('xdp_firewall.setup'), '--queues', String(queues)]);
      expectConsistent(r, queues);
      expect(r.verdicts.XDP_DROP).toBeGreaterThan(50);
    }
  });

  it('redirects done (to an up peer) and failed (to a down one), on 3 queues', async () => {
    const setup = join(tmp, 'redirect.setup');
    // eth0 (ifindex 2) goes out of ifindex 3.
    writeFileSync(setup, 'egress_ports 02000000 0300000000000000\n');
    for (const up of [true, false]) {
      const topology = join(tmp, `topology-${up}.json`);
      writeFileSync(topology, JSON.stringify({ devices: [{ name: 'eth0', rxQueues: 3 }, { name: 'eth1', up }] }));
      const r = await replayJson([...CAPTURES, '--prog', example('xdp_redirect.o'), '--setup', setup, '--topology', topology]);
      expectConsistent(r, 3);
      expect(r.verdicts.XDP_REDIRECT).toBe(FRAMES.length - 6);
      expect(r.errors.redirect_errors).toBe(up ? 0 : FRAMES.length - 6);
      expect(r.devices).toEqual([{ name: 'eth1', ifindex: 3, tx_dropped: 0, tx_packets: up ? FRAMES.length - 6 : 0, tx_bytes: expect.any(Number), xdp_xmit: up ? FRAMES.length - 6 : 0 }]);
    }
  });
});

/** Per TCP flow of the captures, the bit mask of the RX queues it was received on. */
async function flowQueues(queues: number, rssQueue?: number): Promise<{ masks: bigint[]; rx: number[] }> {
  const session = await ReplaySession.open({
    object: RXQ,
    captures: [capture('demo.pcap'), capture('ipv4.pcap')],
    topology: { devices: [{ name: 'eth0', rxQueues: queues }] },
    ...(rssQueue !== undefined && { rssQueue }),
  });
  await session.run();
  const map = session.obj.map('flow_queues');
  const masks = [...map.entries()].map(([, v]) => Buffer.from(v as Uint8Array).readBigUInt64LE(0));
  return { masks, rx: session.counters().rx.map((row) => row.rx_packets) };
}

describe('RSS', () => {
  it('keeps each TCP flow on one queue and spreads the flows over the queues', async () => {
    const { masks, rx } = await flowQueues(4);
    expect(masks.length).toBeGreaterThan(20);
    for (const m of masks) expect(m & (m - 1n), `mask ${m.toString(2)}`).toBe(0n);
    const used = new Set(masks);
    expect(used.size).toBeGreaterThanOrEqual(3);
    for (const m of used) expect(m < 16n).toBe(true);
    expect(rx.filter((n) => n > 0)).toHaveLength(4);
  });

  it('--rss-queue N puts every frame on queue N', async () => {
    for (const n of [0, 2, 5]) {
      const { masks, rx } = await flowQueues(6, n);
      expect(new Set(masks)).toEqual(new Set([1n << BigInt(n)]));
      expect(rx.map((k, q) => (q === n ? 0 : k))).toEqual([0, 0, 0, 0, 0, 0]);
      expect(rx[n]).toBe(312);
    }
    const r = await replayJson([capture('demo.pcap'), '--prog', example('xdp_drop.o'), '--queues', '4', '--rss-queue', '3']);
    expect(r.queues.map((x) => x.rx_packets)).toEqual([0, 0, 0, 300]);
    expectConsistent(r, 4);
  });
});
