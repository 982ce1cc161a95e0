import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/pcap/index.js';
import { runCli } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const STATS = join(ROOT, 'test/fixtures/pinning/stats.bpf.o');
const DEMO = join(ROOT, 'captures/demo.pcap');
const IPV4 = join(ROOT, 'captures/ipv4.pcap');

describe('pinning and xdpsim map', () => {
  it('reuses a map pinned by name across runs, as libbpf does with its pin root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xdpsim-pin-'));
    const run = () => runCli(['run', STATS, '--sec', 'xdp', '--pcap', IPV4, '--pin-dir', dir, '--jsonl', '/dev/null']);
    const frames = readCapture(new Uint8Array(readFileSync(IPV4))).packets;
    const record = (runs: number): string => {
      const v = Buffer.alloc(16);
      v.writeBigUInt64LE(BigInt(frames.length * runs), 0);
      v.writeBigUInt64LE(BigInt(frames.reduce((n, p) => n + p.data.length, 0) * runs), 8);
      // bpftool's fprint_hex: two spaces after the eighth byte.
      const hex = [...v].map((b) => b.toString(16).padStart(2, '0'));
      return `key: 02 00 00 00  value: ${hex.slice(0, 8).join(' ')}  ${hex.slice(8).join(' ')}\n`;
    };
    expect((await run()).code).toBe(0);
    const first = await runCli(['map', 'lookup', 'pinned', join(dir, 'xdp_stats_map'), 'key', '2', '0', '0', '0']);
    expect(first.stdout).toBe(record(1));
    expect((await run()).code).toBe(0);
    const second = await runCli(['map', 'lookup', 'pinned', join(dir, 'xdp_stats_map'), 'key', 'hex', '02000000']);
    expect(second.stdout).toBe(record(2));
    // Only the map declared LIBBPF_PIN_BY_NAME is pinned.
    const other = await runCli(['map', 'dump', 'pinned', join(dir, 'not_pinned')]);
    expect(other).toMatchObject({ code: 1, stderr: expect.stringMatching(/no such pinned map/) });
  });

  it('pins every map with --pinmaps, and dumps, looks up, updates, deletes and walks them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xdpsim-pinmaps-'));
    const fw = join(ROOT, 'examples/xdp_firewall.o');
    const setup = join(ROOT, 'examples/xdp_firewall.setup');
    expect((await runCli(['run', fw, '--sec', 'xdp', '--pcap', DEMO, '--setup', setup, '--pinmaps', dir, '--jsonl', '/dev/null'])).code).toBe(0);
    const lpm = join(dir, 'blocked_sources');
    expect((await runCli(['map', 'dump', 'pinned', lpm])).stdout).toBe(
      'key: 20 00 00 00 c6 33 64 42  value: 25 00 00 00 00 00 00 00\nkey: 18 00 00 00 cb 00 71 00  value: 16 00 00 00 00 00 00 00\nFound 2 elements\n',
    );
    expect((await runCli(['map', 'update', 'pinned', lpm, 'key', 'hex', '10000000c0a80000', 'value', 'hex', '0000000000000000', 'noexist'])).code).toBe(0);
    const again = await runCli(['map', 'update', 'pinned', lpm, 'key', 'hex', '10000000c0a80000', 'value', 'hex', '0000000000000000', 'noexist']);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/EEXIST/) });
    expect((await runCli(['map', 'delete', 'pinned', lpm, 'key', 'hex', '20000000c6336442'])).code).toBe(0);
    expect((await runCli(['map', 'dump', 'pinned', lpm])).stdout).toMatch(/Found 2 elements\n$/);
    // The kernel's order: leftmost prefix first, so 192.168.0.0/16 comes before 203.0.113.0/24.
    const walk = await runCli(['map', 'getnext', 'pinned', lpm, 'key', 'hex', '10000000c0a80000']);
    expect(walk.stdout).toBe('key:\n10 00 00 00 c0 a8 00 00\nnext key:\n18 00 00 00 cb 00 71 00\n');
    const last = await runCli(['map', 'getnext', 'pinned', lpm, 'key', 'hex', '18000000cb007100']);
    expect(last).toMatchObject({ code: 1, stderr: expect.stringMatching(/no next key after 18 00 00 00 cb 00 71 00/) });
    const percpu = await runCli(['map', 'lookup', 'pinned', join(dir, 'action_counts'), 'key', '1', '0', '0', '0']);
    expect(percpu.stdout).toBe(
      'key:\n01 00 00 00\nvalue (CPU 00): 3b 00 00 00 00 00 00 00  68 10 00 00 00 00 00 00\nvalue (CPU 01): 00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00\n',
    );
  });

  it("lists an object's maps like bpftool map show", async () => {
    const r = await runCli(['map', 'show', join(ROOT, 'examples/xdp_firewall.o')]);
    expect(r.stdout).toBe(
      [
        '1: percpu_array  name action_counts  flags 0x0',
        '\tkey 4B  value 16B  max_entries 5',
        '2: hash  name deny_rules  flags 0x0',
        '\tkey 16B  value 16B  max_entries 65536',
        '3: lpm_trie  name blocked_sources  flags 0x1',
        '\tkey 8B  value 8B  max_entries 1024',
        '',
      ].join('\n'),
    );
  });

  it('pins a device map and reads it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xdpsim-devmap-'));
    const setup = join(dir, 'setup');
    writeFileSync(setup, 'egress_ports 01000000 0100000000000000\n');
    const run = await runCli(['run', join(ROOT, 'examples/xdp_redirect.o'), '--sec', 'xdp', '--pcap', IPV4, '--setup', setup, '--pinmaps', dir]);
    expect(run.stdout).toMatch(/REDIRECT +12/);
    const dump = await runCli(['map', 'lookup', 'pinned', join(dir, 'egress_ports'), 'key', '1', '0', '0', '0']);
    expect(dump.stdout).toBe('key: 01 00 00 00  value: 01 00 00 00 00 00 00 00\n');
  });

  it('keeps a pinned .rodata frozen, under the name libbpf gives its pin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xdpsim-ro-'));
    expect((await runCli(['run', join(ROOT, 'examples/xdp_rodata.o'), '--sec', 'xdp', '--pcap', IPV4, '--pinmaps', dir])).code).toBe(0);
    const pin = join(dir, 'xdp_roda_rodata');
    const update = await runCli(['map', 'update', 'pinned', pin, 'key', '0', '0', '0', '0', 'value', 'hex', '00000000000000']);
    expect(update).toMatchObject({ code: 1, stderr: 'xdpsim map: update xdp_roda.rodata: map is frozen: EPERM\n' });
    expect((await runCli(['map', 'dump', 'pinned', pin])).stdout).toBe('key: 00 00 00 00  value: ea 05 00 00 17 00 01\nFound 1 element\n');
  });

  it('dumps a map without BTF of an object as bpftool does, in bytes', async () => {
    const r = await runCli(['map', 'dump', 'object', join(ROOT, 'examples/xdp_legacy_maps.o'), 'name', 'ethertype_counts']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^key: 00 00 00 00  value: 00 00 00 00 00 00 00 00\n(key: .*\n){3}Found 4 elements\n$/);
  });

  it("dumps and looks up a map of an object, with BTF, and refuses to change it", async () => {
    const obj = join(ROOT, 'examples/xdp_rodata.o');
    const dump = await runCli(['map', 'dump', 'object', obj, 'name', 'xdp_roda.rodata']);
    expect(dump.code).toBe(0);
    expect(dump.stdout).toMatch(/"max_frame_len": 1514\s+},\{\s+"blocked_port": 23\s+},\{\s+"filter_udp": 1/);
    const tail = join(ROOT, 'examples/xdp_tailcall.o');
    const lookup = await runCli(['map', 'lookup', 'object', tail, 'name', 'handlers', 'key', '1', '0', '0', '0']);
    expect(lookup.stdout).toBe('key: 01 00 00 00  value: 02 00 00 00\n'); // the id of xdp_handle_ipv6, its second program
    const change = await runCli(['map', 'update', 'object', tail, 'name', 'runs', 'key', '0', '0', '0', '0', 'value', 'hex', '0100000000000000']);
    expect(change.code).toBe(2);
    expect(change.stderr).toMatch(/changes pinned maps only/);
    const missing = await runCli(['map', 'dump', 'object', tail, 'name', 'nope']);
    expect(missing.stderr).toMatch(/has no map named nope/);
  });

  it('refuses bad operands and files that are not pinned maps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xdpsim-badpin-'));
    const junk = join(dir, 'junk');
    writeFileSync(junk, '{"hello": 1}');
    expect((await runCli(['map', 'dump', 'pinned', junk])).stderr).toMatch(/not a pinned map/);
    expect((await runCli(['map', 'frob', 'pinned', junk])).code).toBe(2);
    const badByte = await runCli(['map', 'lookup', 'pinned', junk, 'key', '300']);
    expect(badByte.code).toBe(1);
  });
});
