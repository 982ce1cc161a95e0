import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSetup } from '../../src/loader/setup.js';
import { readCapture, toEthernet } from '../../src/pcap/index.js';
import { runInKernel } from '../oracle/kernel.js';
import { kernelMissing } from '../oracle/support.js';
import { runCli } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIREWALL = join(ROOT, 'examples/xdp_firewall.o');
const DEMO = join(ROOT, 'captures/demo.pcap');
const IPV4_PCAP = join(ROOT, 'captures/ipv4.pcap');
const SETUP = join(ROOT, 'examples/xdp_firewall.setup');
const work = mkdtempSync(join(tmpdir(), 'xdpsim-run-'));

const parseLines = (text: string): Array<Record<string, unknown>> =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('xdpsim run', () => {
  it('runs the demo capture through the firewall (npm start) and summarises verdicts and maps', async () => {
    const r = await runCli(['run', FIREWALL, '--sec', 'xdp', '--pcap', DEMO, '--setup', SETUP]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // 22 packets from 203.0.113.0/24 and 37 from the scanner 198.51.100.66 (captures/README.md).
    expect(r.stdout).toMatch(/^xdp_firewall: 300 packets from .*demo\.pcap\n {2}PASS +241\n {2}DROP +59\n/);
    expect(r.stdout).toContain('map blocked_sources (lpm_trie, 2 of 1024 entries):');
    expect(r.stdout).toMatch(/"prefixlen": 24,\s+"addr": 7405771\s+},\s+"value": 22/);
  });

  it('writes one JSON line per packet and the maps, exactly as the kernel harness does', async () => {
    const out = join(work, 'fw.jsonl');
    const r = await runCli(['run', FIREWALL, '--program', 'xdp_firewall', '--pcap', DEMO, '--setup', SETUP, '--jsonl', out]);
    expect(r.code).toBe(0);
    const ours = parseLines(readFileSync(out, 'utf8'));
    expect(ours.length).toBe(301);
    expect(ours[0]).toMatchObject({ i: 0, verdict: 1, len: 82 }); // the scanner, blocked by the setup
    expect(Object.keys(ours[300]!)).toEqual(['maps']);

    const missing = kernelMissing();
    if (missing !== undefined) {
      console.warn(`skipped: comparing with the kernel: ${missing}`);
      return;
    }
    const frames = readCapture(new Uint8Array(readFileSync(DEMO))).packets.map(toEthernet);
    const run = runInKernel(FIREWALL, { program: 'xdp_firewall', setup: parseSetup(readFileSync(SETUP, 'utf8')), frames });
    expect(ours.slice(0, 300)).toEqual(run.frames);
    const sorted = (m: Record<string, Array<[string, unknown]>>) =>
      Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [...v].sort((a, b) => a[0].localeCompare(b[0]))]));
    expect(sorted((ours[300] as { maps: Record<string, Array<[string, unknown]>> }).maps)).toEqual(sorted(run.maps));
  });

  it('reports frames the kernel would refuse, with its errno text and our reason', async () => {
    const r = await runCli(['run', join(ROOT, 'examples/xdp_drop.o'), '--sec', 'xdp', '--pcap', join(ROOT, 'captures/malformed.pcap'), '--jsonl', '-']);
    const runt = parseLines(r.stdout).find((l) => 'err' in l);
    expect(runt).toEqual({ i: expect.any(Number), err: 'Invalid argument', reason: 'frame of 13 bytes is shorter than an Ethernet header (14)' });
  });

  it('prints bpf_printk output with --trace in trace_pipe layout', async () => {
    const r = await runCli(['run', join(ROOT, 'examples/xdp_printk.o'), '--sec', 'xdp', '--pcap', join(ROOT, 'captures/arp.pcap'), '--trace', '--jsonl', '/dev/null']);
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ {10}xdpsim-\d+ +\[000\] b\.\.11 +\d+\.\d{6}: bpf_trace_printk: xdp_printk: if 1 queue 0 proto 0x0806 len 60$/);
  });

  it('runs every packet before a truncation, then reports it and exits 1', async () => {
    const cut = join(work, 'cut.pcap');
    writeFileSync(cut, readFileSync(DEMO).subarray(0, 1000));
    const r = await runCli(['run', join(ROOT, 'examples/xdp_drop.o'), '--sec', 'xdp', '--pcap', cut, '--jsonl', '-']);
    expect(r.code).toBe(1);
    expect(parseLines(r.stdout).filter((l) => 'verdict' in l)).toHaveLength(9);
    expect(r.stderr).toMatch(/byte offset 937, packet 10: truncated packet data.*the 9 packets before it were run/);
  });

  it('refuses bad objects, sections, setup lines and options with a clear message', async () => {
    const garbage = join(work, 'garbage.o');
    writeFileSync(garbage, 'not an object');
    const bad = await runCli(['run', garbage, '--sec', 'xdp', '--pcap', DEMO]);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/^xdpsim run: .*ELF/);
    const sec = await runCli(['run', FIREWALL, '--sec', 'nosuch', '--pcap', DEMO]);
    expect(sec.stderr).toBe("xdpsim run: object file doesn't contain sec nosuch\n");
    const setup = join(work, 'bad.setup');
    writeFileSync(setup, 'blocked_sources 18000000cb0071 00\n');
    const su = await runCli(['run', FIREWALL, '--sec', 'xdp', '--pcap', DEMO, '--setup', setup]);
    expect(su.code).toBe(1);
    expect(su.stderr).toMatch(/blocked_sources: key must be 8 bytes, got 7/);
    const noPcap = await runCli(['run', FIREWALL, '--sec', 'xdp']);
    expect(noPcap.code).toBe(2);
    expect(noPcap.stderr).toMatch(/--pcap FILE is required/);
  });

  it('gives bpf_check_mtu the device MTU set with --mtu', async () => {
    const obj = join(ROOT, 'test/fixtures/objects/csum_mtu.bpf.o');
    const mtuOf = async (...args: string[]) => {
      const r = await runCli(['run', obj, '--sec', 'xdp', '--pcap', IPV4_PCAP, '--jsonl', '-', ...args]);
      const maps = (parseLines(r.stdout).at(-1) as { maps: Record<string, Array<[string, string]>> }).maps;
      return Buffer.from(maps.results!.find(([k]) => k === '0a000000')![1], 'hex').readBigInt64LE(0);
    };
    expect(await mtuOf()).toBe(65536n);
    expect(await mtuOf('--mtu', '1500')).toBe(1500n);
  });

  it('refuses to change .rodata after load, as libbpf freezes it (EPERM)', async () => {
    const setup = join(work, 'ro.setup');
    writeFileSync(setup, 'xdp_roda.rodata 00000000 01020304050607\n');
    const r = await runCli(['run', join(ROOT, 'examples/xdp_rodata.o'), '--sec', 'xdp', '--pcap', DEMO, '--setup', setup]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`xdpsim run: ${setup}:1: update xdp_roda.rodata: map is frozen: EPERM\n`);
  });

  it('sets const volatile globals before load with --set', async () => {
    const obj = join(ROOT, 'examples/xdp_rodata.o');
    const jumbo = join(ROOT, 'captures/jumbo.pcap'); // 3520, 3521, 4000, 9000, 9000 bytes
    const verdicts = async (...set: string[]) =>
      parseLines((await runCli(['run', obj, '--sec', 'xdp', '--pcap', jumbo, '--jsonl', '-', ...set])).stdout)
        .filter((l) => 'verdict' in l)
        .map((l) => l.verdict);
    expect(await verdicts()).toEqual([1, 1, 1, 1, 1]); // all over the default max_frame_len of 1514
    // The program measures data_end - data: the linear part, 3520 bytes for every one of these.
    expect(await verdicts('--set', 'max_frame_len=3520')).toEqual([2, 2, 2, 2, 2]);
    expect(await verdicts('--set', 'max_frame_len=3519')).toEqual([1, 1, 1, 1, 1]);
    const names = await runCli(['run', obj, '--sec', 'xdp', '--pcap', DEMO, '--set', 'no_such_var=1']);
    expect(names.code).toBe(1);
    expect(names.stderr).toMatch(/global variable 'no_such_var' not found/);
    const range = await runCli(['run', obj, '--sec', 'xdp', '--pcap', DEMO, '--set', 'filter_udp=256']);
    expect(range.code).toBe(1);
    expect(range.stderr).toMatch(/filter_udp/);
  });
});
