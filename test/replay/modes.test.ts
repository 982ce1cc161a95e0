// `xdpsim replay --mode generic|offload`: the same program gets the same
// verdicts in every mode it can run in, and each mode counts as its kernel
// counterpart does: native moves veth's per-queue XDP counters, generic
// moves none (only the verdict counts), offload moves the NIC's own bpf_*
// statistics; offload refuses what nfp cannot run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSetup } from '../../src/loader/setup.js';
import { readCapture, toEthernet } from '../../src/pcap/index.js';
import { runInKernel } from '../oracle/kernel.js';
import { kernelMissing } from '../oracle/support.js';
import { sharedDir } from '../support/shared.js';
import { capture, example, replayJson, xdpsim } from './replay-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-replay-modes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const captures = ['demo.pcap', 'ipv4.pcap', 'ipv6.pcap', 'vlan.pcap', 'arp.pcap'].map(capture);
const firewall = ['--prog', example('xdp_firewall.o'), '--sec', 'xdp', '--setup', example('xdp_firewall.setup'), '--queues', '4'];
const sum = (rows: Array<Record<string, number>>, key: string): number => rows.reduce((n, r) => n + r[key]!, 0);
const frames = (path: string): string[] =>
  readCapture(new Uint8Array(readFileSync(path))).packets.map((p) => `${p.tsSec}.${p.tsNsec}:${Buffer.from(p.data).toString('hex')}`).sort();

describe('replay in generic mode', () => {
  it('gives the native verdicts and per-queue verdict counts, and moves no driver XDP counter', async () => {
    const native = await replayJson([...captures, ...firewall]);
    const generic = await replayJson([...captures, ...firewall, '--mode', 'generic']);
    expect(native.verdicts.XDP_DROP).toBeGreaterThan(0);
    expect(generic.verdicts).toEqual(native.verdicts);
    expect(generic.queues.map((q) => q.verdicts)).toEqual(native.queues.map((q) => q.verdicts));
    expect(generic.queues.map((q) => q.rx_packets)).toEqual(native.queues.map((q) => q.rx_packets));
    expect(sum(native.queues, 'xdp_packets')).toBeGreaterThan(0);
    for (const stat of ['xdp_packets', 'xdp_bytes', 'xdp_drops', 'xdp_tx', 'xdp_redirect']) expect(sum(generic.queues, stat), stat).toBe(0);
  });

  it('sends the same XDP_TX replies as native mode, out of the device counted as plain transmits', async () => {
    const args = (mode: string): string[] => [capture('ipv4.pcap'), capture('demo.pcap'), '--prog', example('xdp_icmp_echo.o'), '--mode', mode, '--out', join(tmp, mode)];
    const native = await replayJson(args('native'));
    const generic = await replayJson(args('generic'));
    expect(native.verdicts.XDP_TX).toBeGreaterThan(0);
    expect(generic.verdicts).toEqual(native.verdicts);
    expect(frames(join(tmp, 'generic', 'tx.pcap'))).toEqual(frames(join(tmp, 'native', 'tx.pcap')));
    expect(sum(native.queues, 'xdp_tx')).toBe(native.verdicts.XDP_TX);
    expect(sum(generic.queues, 'xdp_tx')).toBe(0);
    expect(sum(generic.tx_queues, 'tx_packets')).toBe(native.verdicts.XDP_TX);
  });
});

describe('frames past a page in generic mode', () => {
  // jumbo.pcap's frames are 3520 to 9000 bytes; tcpdump's gso-ipv6.pcap has one of 7226.
  const gso = sharedDir('captures');
  const big = [capture('jumbo.pcap'), ...(gso === undefined ? [] : [join(gso, 'gso-ipv6.pcap')])];
  const bigFrames = big.flatMap((path) => readCapture(new Uint8Array(readFileSync(path))).packets.map(toEthernet));

  it('run linear, as netif_skb_check_for_xdp makes them, every byte of them, with the verdicts BPF_PROG_TEST_RUN gives', async (ctx) => {
    expect(bigFrames.filter((f) => f.length > 4096).length).toBeGreaterThan(1);
    const out = join(tmp, 'jumbo');
    const r = await replayJson([...big, ...firewall, '--mtu', '9000', '--mode', 'generic', '--out', out]);
    expect([r.packets, r.errors.length_errors, r.errors.unsimulated, r.exceptions]).toEqual([bigFrames.length, 0, 0, []]);
    const passed = readCapture(new Uint8Array(readFileSync(join(out, 'pass.pcap')))).packets.map((p) => p.data.length);
    expect(passed.sort((a, b) => a - b)).toEqual(bigFrames.map((f) => f.length).sort((a, b) => a - b));
    const missing = kernelMissing();
    if (missing !== undefined) return ctx.skip(missing);
    const kernel = runInKernel(example('xdp_firewall.o'), { sec: 'xdp', setup: parseSetup(readFileSync(example('xdp_firewall.setup'), 'utf8')), frames: bigFrames });
    expect(kernel.frames.map((f) => ('verdict' in f ? f.verdict : f.err))).toEqual(bigFrames.map(() => 2));
    expect(r.verdicts.XDP_PASS).toBe(bigFrames.length);
  });
});

describe('a device that is down', () => {
  it('receives nothing in any mode: no program runs, and its frames count as its RX dropped', async () => {
    const topology = join(tmp, 'ingress-down.json');
    writeFileSync(topology, JSON.stringify({ devices: [{ name: 'eth0', rxQueues: 2, up: false }] }));
    for (const mode of ['native', 'generic', 'offload']) {
      const r = await replayJson([capture('demo.pcap'), '--prog', example('xdp_drop.o'), '--topology', topology, '--mode', mode]);
      expect(r.packets, mode).toBe(300);
      expect(Object.values(r.verdicts), mode).toEqual([0, 0, 0, 0, 0]);
      expect([sum(r.queues, 'rx_dropped'), sum(r.queues, 'rx_packets'), r.errors.device_down], mode).toEqual([300, 0, 300]);
    }
    const summary = await xdpsim(['replay', capture('demo.pcap'), '--prog', example('xdp_drop.o'), '--topology', topology]);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toContain('\nnote: eth0 is down: 300 frames dropped before any driver received them (its RX dropped)\n');
  });

  it("a veth's frames are sent by its peer, which has no carrier while it is down: they count as the peer's TX dropped", async () => {
    const topology = join(tmp, 'veth-down.json');
    writeFileSync(
      topology,
      JSON.stringify({
        devices: [
          { name: 'veth1', type: 'veth', peer: 'veth0', rxQueues: 2, up: false },
          { name: 'veth0', type: 'veth', peer: 'veth1', txQueues: 2 },
        ],
        ingress: 'veth1',
      }),
    );
    const r = await replayJson([capture('demo.pcap'), '--prog', example('xdp_drop.o'), '--topology', topology]);
    expect([r.verdicts.XDP_DROP, sum(r.queues, 'rx_dropped'), r.errors.device_down]).toEqual([0, 0, 300]);
    expect(r.devices).toEqual([{ name: 'veth0', ifindex: 3, tx_packets: 0, tx_bytes: 0, tx_dropped: 300, xdp_xmit: 0 }]);
  });
});

describe('failed redirects and TX, in both host modes', () => {
  it('counts redirects to a device that is down as redirect errors, though generic mode moves no driver counter', async () => {
    const topology = join(tmp, 'down.json');
    writeFileSync(topology, JSON.stringify({ devices: [{ name: 'eth0', rxQueues: 2 }, { name: 'eth1', up: false }] }));
    const setup = join(tmp, 'ports.setup');
    writeFileSync(setup, 'egress_ports 02000000 0300000000000000\n');
    const args = [capture('demo.pcap'), '--prog', example('xdp_redirect.o'), '--topology', topology, '--setup', setup];
    const native = await replayJson(args);
    const generic = await replayJson([...args, '--mode', 'generic']);
    expect(native.verdicts.XDP_REDIRECT).toBe(300);
    for (const r of [native, generic]) expect(r.errors.redirect_errors).toBe(300);
    expect(sum(native.queues, 'drops')).toBe(300);
    expect(sum(generic.queues, 'drops')).toBe(0);
  });
});

describe('replay in offload mode', () => {
  it('counts what the NIC ran in its bpf_* statistics', async () => {
    const r = await replayJson([...captures, '--prog', example('xdp_drop.o'), '--queues', '2', '--mode', 'offload']);
    const ran = r.packets - r.errors.length_errors!;
    expect(r.verdicts.XDP_DROP).toBe(ran);
    const offload = (r as unknown as { offload: Record<string, number> }).offload;
    expect(offload.bpf_app1_pkts).toBe(ran);
    expect(offload.bpf_pass_pkts).toBe(0);
    for (const stat of ['xdp_packets', 'xdp_drops']) expect(sum(r.queues, stat), stat).toBe(0);
  });

  it('refuses a program nfp cannot run, naming why, before any packet', async () => {
    const r = await xdpsim(['replay', ...captures, ...firewall, '--mode', 'offload']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xdpsim replay: map 'action_counts' \(percpu_array\) cannot be created on the device: EINVAL\n$/);
    expect(r.stdout).toBe('');
    const refused = new URL('../fixtures/objects/offload_refused.bpf.o', import.meta.url).pathname;
    const ktime = await xdpsim(['replay', capture('demo.pcap'), '--prog', refused, '--program', 'uses_ktime', '--mode', 'offload']);
    expect(ktime.code).toBe(1);
    expect(ktime.stderr).toMatch(/\[nfp\] unsupported function id: 5\b/);
    // Global data is a map with flags (BPF_F_MMAPABLE, read-only): not on the device.
    const printk = await xdpsim(['replay', capture('demo.pcap'), '--prog', example('xdp_printk.o'), '--mode', 'offload']);
    expect(printk.code).toBe(1);
    expect(printk.stderr).toMatch(/rodata/);
  });
});

describe('loops over a pipe', () => {
  it('are refused before anything runs: a FIFO can be read only once', async () => {
    const fifo = join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await xdpsim(['replay', fifo, '--prog', example('xdp_drop.o'), '--loop', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('xdpsim replay: 2 loops need captures that are regular files: a pipe or FIFO can be read only once\n');
  });
});
