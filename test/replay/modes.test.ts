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
import { readCapture } from '../../src/pcap/index.js';
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
