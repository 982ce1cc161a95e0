// Worker threads give what one thread gives: for programs whose result does
// not hang on the order of packets across queues, a replay polled on 1, 2 or
// 4 workers ends with the same verdict counts, per-queue counters, device
// counters, maps and output captures (as multisets of records) as a replay
// polled on this thread. The workers run the built dist/ (npm test builds
// first), as every worker of xdpsim does.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSetup } from '../../src/loader/setup.js';
import { readCapture } from '../../src/pcap/index.js';
import { ReplaySession, type ReplaySessionOptions } from '../../src/replay/index.js';
import { sharedDir } from '../support/shared.js';

const example = (name: string): string => new URL(`../../examples/${name}`, import.meta.url).pathname;
const capture = (name: string): string => new URL(`../../captures/${name}`, import.meta.url).pathname;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-replay-workers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  verdicts: unknown;
  queues: unknown;
  devices: unknown;
  maps: Record<string, string[]>;
  outputs: Record<string, string[]>;
}

let runs = 0;

async function replay(options: Omit<ReplaySessionOptions, 'outDir'>): Promise<Outcome> {
  const outDir = join(tmp, `run-${runs++}`);
  const session = await ReplaySession.open({ ...options, outDir });
  const result = await session.run();
  expect(result.cancelled).toBe(false);
  const snapshot = session.counters();
  const maps: Record<string, string[]> = {};
  for (const [name, map] of session.obj.maps) {
    maps[name] = [...map.entries()].map(([k, v]) => `${hex(k)}=${Array.isArray(v) ? v.map(hex).join(',') : hex(v as Uint8Array)}`).sort();
  }
  const outputs: Record<string, string[]> = {};
  for (const name of readdirSync(outDir).sort()) {
    const records = readCapture(new Uint8Array(readFileSync(join(outDir, name)))).packets;
    outputs[name] = records.map((p) => `${p.tsSec}.${p.tsNsec}:${p.origLen}:${hex(p.data)}`).sort();
  }
  return {
    verdicts: session.totals(),
    queues: { rx: snapshot.rx, verdicts: snapshot.verdicts },
    devices: session.topology.devices().map((d) => ({ name: d.name, tx: ['packets', 'bytes', 'xdp_xmit'].map((s) => d.counters.txTotal(s as 'packets')) })),
    maps,
    outputs,
  };
}

const firewall: Omit<ReplaySessionOptions, 'outDir'> = {
  object: example('xdp_firewall.o'),
  select: { section: 'xdp' },
  captures: ['demo.pcap', 'ipv4.pcap', 'ipv6.pcap', 'vlan.pcap', 'arp.pcap'].map(capture),
  topology: { devices: [{ name: 'eth0', rxQueues: 4 }] },
  setup: parseSetup(readFileSync(example('xdp_firewall.setup'), 'utf8'), 'xdp_firewall.setup'),
  loops: 3,
};

describe('replay on worker threads', () => {
  it('ends the firewall replay as one thread does, on 1, 2 and 4 workers', async () => {
    const one = await replay(firewall);
    expect((one.verdicts as { packets: number }).packets).toBeGreaterThan(900);
    expect(one.outputs['drop.pcap']!.length).toBeGreaterThan(0);
    for (const workers of [1, 2, 4]) expect(await replay({ ...firewall, workers })).toEqual(one);
  });

  it('redirects into a peer device through a devmap alike, its TX counters and capture included', async () => {
    const options: Omit<ReplaySessionOptions, 'outDir'> = {
      object: example('xdp_redirect.o'),
      captures: ['demo.pcap', 'ipv6.pcap'].map(capture),
      topology: { devices: [{ name: 'eth0', rxQueues: 4 }, { name: 'eth1' }] },
      // Ingress ifindex 2 (eth0) goes out of ifindex 3 (eth1).
      setup: parseSetup('egress_ports 02000000 0300000000000000\n', 'setup'),
    };
    const one = await replay(options);
    expect(one.outputs['redirect-eth1.pcap']!.length).toBeGreaterThan(0);
    expect(await replay({ ...options, workers: 2 })).toEqual(one);
  });

});

describe('replay on worker threads, over every capture of tcpdump\'s suite', () => {
  const dir = sharedDir('captures');
  if (dir === undefined) return;
  it('counts per-CPU map slots and verdicts alike for a parser', async () => {
    const captures = readdirSync(dir).filter((n) => /\.pcap(ng)?$/.test(n)).sort().map((n) => join(dir, n));
    const options: Omit<ReplaySessionOptions, 'outDir'> = {
      object: example('xdp_parse.o'),
      captures,
      topology: { devices: [{ name: 'eth0', rxQueues: 4 }] },
    };
    const one = await replay(options);
    expect(await replay({ ...options, workers: 2 })).toEqual(one);
  });
});

describe('replay on worker threads, traced', () => {
  it('forwards every trace and printk line, in each worker\'s order, however many a slice makes', async () => {
    const count = async (workers: number): Promise<Record<string, number>> => {
      const kinds: Record<string, number> = { trace: 0, printk: 0 };
      const session = await ReplaySession.open(
        { object: example('xdp_printk.o'), captures: [capture('demo.pcap')], topology: { devices: [{ name: 'eth0', rxQueues: 2 }] }, loops: 50, workers, trace: true },
        (e) => {
          if (e.type === 'trace' || e.type === 'printk') kinds[e.type]! += 1;
        },
      );
      await session.run();
      return kinds;
    };
    const one = await count(0);
    expect(one.printk).toBe(15000);
    expect(await count(2)).toEqual(one);
  });
});

describe('replay on worker threads, refused', () => {
  it('refuses an object whose state cannot be shared, before any packet', async () => {
    await expect(
      ReplaySession.open({
        object: new URL('../fixtures/objects/timers.bpf.o', import.meta.url).pathname,
        select: { program: 'xdp_timers' },
        captures: [capture('demo.pcap')],
        topology: { devices: [{ name: 'eth0', rxQueues: 2 }] },
        workers: 2,
      }),
    ).rejects.toThrow(/cannot be shared with another thread/);
  });
});
