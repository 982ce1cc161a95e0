// `xdpsim replay` as a user meets it: the JSON's shape, every capture of
// ../shared replayed (or its damage said), and every kind of bad input
// refused with a clear message and exit status 1 or 2, never as an
// internal error (70). The command runs in this process through main().
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture, toEthernet, LinkTypeError, writePcap } from '../../src/pcap/index.js';
import { capture, example, replayJson, ROOT, xdpsim } from '../replay/replay-cli.js';
import { sharedDir } from '../support/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-replay-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DROP = example('xdp_drop.o');
const FIREWALL = example('xdp_firewall.o');
const DEMO = capture('demo.pcap');
/** Its xdp_egress is made for devmap entries (section xdp/devmap, expected attach type BPF_XDP_DEVMAP). */
const NIC_VERDICTS = join(ROOT, 'test/fixtures/objects/nic_verdicts.bpf.o');

const file = (name: string, text: string | Uint8Array): string => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

describe('xdpsim replay --json', () => {
  it('prints packets, verdicts, errors, per-queue counters with their verdicts, mpps and outputs', async () => {
    const out = join(tmp, 'shape');
    const r = await replayJson([DEMO, '--prog', FIREWALL, '--sec', 'xdp', '--setup', example('xdp_firewall.setup'), '--queues', '2', '--out', out]);
    expect(r.packets).toBe(300);
    expect(r.verdicts).toEqual({ XDP_ABORTED: 0, XDP_DROP: 59, XDP_PASS: 241, XDP_TX: 0, XDP_REDIRECT: 0 });
    expect(Object.keys(r.errors).sort()).toEqual(['captures', 'device_down', 'invalid_actions', 'length_errors', 'link_type', 'redirect_errors', 'unsimulated', 'unwritable_outputs', 'xdp_tx_errors']);
    expect(Object.values(r.errors).every((n) => n === 0)).toBe(true);
    expect(r.queues.map((q) => q.queue)).toEqual([0, 1]);
    for (const q of r.queues) {
      expect(Object.keys(q)).toEqual(
        expect.arrayContaining(['queue', 'rx_packets', 'rx_bytes', 'xdp_packets', 'xdp_bytes', 'xdp_drops', 'xdp_tx', 'xdp_tx_errors', 'xdp_redirect', 'drops', 'length_errors', 'verdicts']),
      );
      expect(Object.keys(q.verdicts).sort()).toEqual(['aborted', 'drop', 'invalid', 'pass', 'redirect', 'redirect_errors', 'tx', 'tx_errors', 'unsimulated']);
      for (const [k, v] of Object.entries(q)) if (k !== 'verdicts') expect(Number.isInteger(v), k).toBe(true);
    }
    expect(r.mpps).toBeGreaterThan(0);
    expect(r.outputs['pass.pcap']).toEqual({ path: join(out, 'pass.pcap'), packets: 241 });
    expect(r.outputs['drop.pcap']).toEqual({ path: join(out, 'drop.pcap'), packets: 59 });
    expect(r.outputs['tx.pcap']!.packets).toBe(0);
    expect(r.outputs['aborted.pcap']!.packets).toBe(0);
  });

  it('has no outputs without --out', async () => {
    expect((await replayJson([DEMO, '--prog', DROP])).outputs).toEqual({});
  });

  it('without --json prints a summary: verdicts, one row per queue and their total', async () => {
    const r = await xdpsim(['replay', DEMO, '--prog', FIREWALL, '--setup', example('xdp_firewall.setup'), '--queues', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^xdp_firewall on eth0 \(native, 4 RX queues\): 300 packets from /);
    expect(r.stdout).toMatch(/\nXDP_DROP +59 +19\.7%\n/);
    expect(r.stdout).toMatch(/\nall +300 +24186 +241 +59 +0 +0 +0 +0\n/);
    for (const q of [0, 1, 2, 3]) expect(r.stdout).toMatch(new RegExp(`\\n${q} +\\d+ +\\d+ `));
  });
});

describe('every capture of ../shared replays or says why not', () => {
  const shared = sharedDir('captures');
  if (shared === undefined) return;
  const captures = readdirSync(shared).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();

  it.each(captures)('%s', async (name) => {
    const path = join(shared, name);
    const packets = readCapture(new Uint8Array(readFileSync(path))).packets;
    const convertible = packets.filter((p) => {
      try {
        toEthernet(p);
        return true;
      } catch (e) {
        if (e instanceof LinkTypeError) return false;
        throw e;
      }
    }).length;
    const r = await xdpsim(['replay', path, '--prog', DROP, '--queues', '2', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { packets: number; errors: Record<string, number> };
    expect(json.packets).toBe(convertible);
    expect(json.errors.link_type).toBe(packets.length - convertible);
    expect(json.errors.captures).toBe(0);

    // Cut in the middle of the file: what comes before the cut is replayed, and the damage is placed.
    const whole = readFileSync(path);
    const cut = file(`cut-${name}`, whole.subarray(0, Math.floor(whole.length / 2)));
    const before = readCapture(new Uint8Array(readFileSync(cut)));
    const c = await xdpsim(['replay', cut, '--prog', DROP, '--json']);
    expect(c.code, c.stderr).toBe(before.error === undefined ? 0 : 1);
    if (before.error !== undefined) {
      expect(c.stderr).toMatch(new RegExp(`^xdpsim replay: ${cut.replace(/[.]/g, '\\.')}: byte offset \\d+, packet \\d+: truncated .*\\(the \\d+ packets before it were replayed\\)\\n$`));
      expect(JSON.parse(c.stdout)).toMatchObject({ errors: { captures: 1 }, capture_errors: [{ capture: cut, packetsBefore: before.packets.length }] });
    }
  });
});

describe('frames xdpsim stops following', () => {
  it('are counted, named, and make the replay exit 1: a frame passed between cpumap kthreads for ever', async () => {
    // nic_onward: xdp_to_cpu (program 1) sends it to CPU 1, whose xdp_cpu_onward (program 2) bounces it to CPU 2 and back.
    const onward = join(ROOT, 'test/fixtures/objects/nic_onward.bpf.o');
    const setup = file('bounce.setup', 'cpus 01000000 4000000002000000\ncpus 02000000 4000000002000000\n');
    const data = new Uint8Array(64);
    data.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00, 1, 0, 0, 0]);
    data[22] = 5;
    const pcap = file('bounce.pcap', writePcap([{ tsSec: 1, tsNsec: 0, data }]));
    const r = await xdpsim(['replay', pcap, '--prog', onward, '--sec', 'xdp', '--setup', setup, '--queues', '4', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('xdpsim replay: 1 frame not simulated to the end, where the kernel would carry it on: dropped (see the exceptions)\n');
    const json = JSON.parse(r.stdout) as { errors: Record<string, number>; exceptions: string[] };
    expect(json.errors.unsimulated).toBe(1);
    expect(json.exceptions).toEqual([expect.stringMatching(/^eth0 queue \d: a frame redirected from cpumap kthread to cpumap kthread more than 16 times in one poll/)]);
    const summary = await xdpsim(['replay', pcap, '--prog', onward, '--sec', 'xdp', '--setup', setup, '--queues', '4']);
    expect(summary.code).toBe(1);
    expect(summary.stdout).toContain('\nnote: 1 frames not simulated to the end, where the kernel would carry them on: dropped\n');
  });
});

describe('packets that cannot be Ethernet frames', () => {
  it('are counted as link-type errors, with the reason, and the others run', async () => {
    // IEEE 802.11 (105): no conversion to Ethernet.
    const wifi = file('wifi.pcap', writePcap([{ tsSec: 1, tsNsec: 0, data: new Uint8Array(40) }, { tsSec: 2, tsNsec: 0, data: new Uint8Array(60) }], { linkType: 105 }));
    const r = await xdpsim(['replay', wifi, capture('ipv4.pcap'), '--prog', DROP]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: 12 packets from /);
    expect(r.stdout).toMatch(/\nnote: 2 packets not made Ethernet frames: link type 105 \(.+\) .+\n/);
    const json = await replayJson([wifi, capture('ipv4.pcap'), '--prog', DROP, '--loop', '3']);
    // Counted once, not per loop.
    expect([json.packets, json.errors.link_type]).toEqual([36, 2]);
  });
});

describe('refusals', () => {
  const ipv4 = capture('ipv4.pcap');
  const usage: Array<[string, string[], RegExp]> = [
    ['an unknown mode', ['--mode', 'turbo'], /unknown mode turbo \(modes: native, generic, offload\)/],
    ['--pps with --speed', ['--pps', '100', '--speed', 'original'], /--speed and --pps cannot be used together/],
    ['--pps with --mbps', ['--pps', '100', '--mbps', '5'], /--pps and --mbps cannot be used together/],
    ['--pps 0', ['--pps', '0'], /--pps takes a number above 0/],
    ['an unknown speed', ['--speed', 'warp'], /--speed takes topspeed or original, not warp/],
    ['--rss-queue beyond the queues', ['--queues', '4', '--rss-queue', '4'], /--rss-queue 4: eth0 has RX queues 0\.\.3/],
    ['--loop 0', ['--loop', '0'], /--loop takes 1 or more/],
    ['--queues 0', ['--queues', '0'], /--queues takes 1 to 256/],
    ['--queues 257', ['--queues', '257'], /--queues takes 1 to 256/],
    ['a short RSS key', ['--rss-key', 'abcd'], /--rss-key takes 40 bytes or more as hex digits/],
    ['more workers than queues', ['--queues', '2', '--workers', '3'], /--workers 3: each worker polls RX queues of its own, and eth0 has 2/],
    ['more workers than xdpsim starts', ['--queues', '128', '--workers', '65'], /--workers takes 0 to 64/],
    ['more workers than xdpsim starts, on one queue', ['--workers', '65'], /--workers takes 0 to 64/],
    ['an MTU below the minimum', ['--mtu', '67'], /--mtu takes 68 to 65535/],
    ['an MTU above the maximum', ['--mtu', '65536'], /--mtu takes 68 to 65535/],
    ['an unknown option', ['--bogus'], /bogus/],
  ];
  it.each(usage)('%s: usage error, exit 2', async (_, args, message) => {
    const r = await xdpsim(['replay', ipv4, '--prog', DROP, ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('usage: xdpsim replay');
    expect(r.stdout).toBe('');
  });

  it('no captures, no --prog: usage errors', async () => {
    expect(await xdpsim(['replay', '--prog', DROP])).toMatchObject({ code: 2, stderr: expect.stringMatching(/expected one or more captures/) });
    expect(await xdpsim(['replay', ipv4])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--prog OBJ is required/) });
  });

  it('a devmap program, with the kernel extack (checked with ip link on a veth, 6.18)', async () => {
    const r = await xdpsim(['replay', ipv4, '--prog', NIC_VERDICTS, '--sec', 'xdp/devmap']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('xdpsim replay: BPF_XDP_DEVMAP programs can not be attached to a device: EINVAL\n');
  });

  it('an MTU a veth will not run native XDP at without fragments', async () => {
    const r = await xdpsim(['replay', ipv4, '--prog', DROP, '--mtu', '3507']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('xdpsim replay: veth: Peer MTU is too large to set XDP: ERANGE\n');
    expect((await xdpsim(['replay', ipv4, '--prog', DROP, '--mtu', '3506'])).code).toBe(0);
  });

  it('a missing capture', async () => {
    const r = await xdpsim(['replay', join(tmp, 'absent.pcap'), '--prog', DROP]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xdpsim replay: ENOENT: no such file or directory, stat '.*absent\.pcap'\n$/);
  });

  it('a missing object', async () => {
    const r = await xdpsim(['replay', ipv4, '--prog', join(tmp, 'absent.o')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/absent\.o/);
  });

  it('a truncated capture: the packets before the cut replayed, then its place, exit 1', async () => {
    const cut = file('demo-cut.pcap', readFileSync(DEMO).subarray(0, 5000));
    const r = await xdpsim(['replay', cut, '--prog', DROP, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`xdpsim replay: ${cut}: byte offset 4910, packet 52: truncated packet data: capture length 118, 74 bytes left (the 51 packets before it were replayed)\n`);
    expect(JSON.parse(r.stdout)).toMatchObject({ packets: 51, verdicts: { XDP_DROP: 51 }, errors: { captures: 1 } });
    // Every loop replays the packets before the cut again.
    const looped = await xdpsim(['replay', cut, '--prog', DROP, '--loop', '3', '--json']);
    expect(looped.code).toBe(1);
    expect(looped.stderr).toBe(`xdpsim replay: ${cut}: byte offset 4910, packet 52: truncated packet data: capture length 118, 74 bytes left (the 51 packets before it were replayed, 3 times: 153 in all)\n`);
    expect(JSON.parse(looped.stdout)).toMatchObject({ packets: 153, loops: 3, verdicts: { XDP_DROP: 153 } });
    const header = file('header-cut.pcap', readFileSync(DEMO).subarray(0, 10));
    const h = await xdpsim(['replay', header, '--prog', DROP]);
    expect(h.code).toBe(1);
    expect(h.stderr).toMatch(/byte offset 0, file header: truncated pcap file header: 24 bytes needed, 10 present \(the 0 packets before it were replayed\)/);
  });

  it('--dev with --topology', async () => {
    const topo = file('one.json', '{"devices":[{"name":"eth0"}]}');
    const r = await xdpsim(['replay', ipv4, '--prog', DROP, '--topology', topo, '--dev', 'eth1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--dev and --topology cannot be used together/);
  });

  // Each rule of parseTopology, and the device rules buildTopology applies.
  const topologies: Array<[string, string, RegExp]> = [
    ['not JSON', '{devices', /: not JSON: /],
    ['no devices array', '{"devices": {}}', /expected \{"devices": \[\.\.\.\]\}/],
    ['not an object', '[]', /expected \{"devices": \[\.\.\.\]\}/],
    ['an unknown key', '{"devices": [{"name": "eth0"}], "links": []}', /unknown key "links"/],
    ['ingress not a string', '{"devices": [{"name": "eth0"}], "ingress": 2}', /"ingress" must name a device/],
    ['a device not an object', '{"devices": [7]}', /device 0 is not an object/],
    ['a device that is an array', '{"devices": [[]]}', /device 0 is not an object/],
    ['an unknown device key', '{"devices": [{"name": "eth0", "speed": 10}]}', /device 0: unknown key "speed"/],
    ['a name not a string', '{"devices": [{"name": 3}]}', /device 0: "name" must be a string/],
    ['rxQueues not an integer', '{"devices": [{"name": "eth0", "rxQueues": 1.5}]}', /device eth0: "rxQueues" must be an integer/],
    ['txQueues not an integer', '{"devices": [{"name": "eth0", "txQueues": "2"}]}', /device eth0: "txQueues" must be an integer/],
    ['mtu not an integer', '{"devices": [{"name": "eth0", "mtu": null}]}', /device eth0: "mtu" must be an integer/],
    ['a bad MAC', '{"devices": [{"name": "eth0", "mac": "02:00:00:00:01"}]}', /device eth0: "mac" must look like 02:00:00:00:00:01/],
    ['up not a boolean', '{"devices": [{"name": "eth0", "up": "yes"}]}', /device eth0: "up" must be true or false/],
    ['an unknown type', '{"devices": [{"name": "eth0", "type": "bond"}]}', /device eth0: "type" must be "nic" or "veth"/],
    ['a veth without a peer', '{"devices": [{"name": "eth0"}, {"name": "v0", "type": "veth"}]}', /device v0: a veth names its "peer", and only a veth does/],
    ['a peer on a nic', '{"devices": [{"name": "eth0", "peer": "v0"}]}', /device eth0: a veth names its "peer", and only a veth does/],
    ['no devices', '{"devices": []}', /: no devices/],
    [
      'a veth whose peer does not name it back',
      '{"devices": [{"name": "eth0"}, {"name": "v0", "type": "veth", "peer": "v1"}, {"name": "v1", "type": "veth", "peer": "eth0"}]}',
      /veth v0: its peer v1 must be a veth listed here whose peer is v0/,
    ],
    ['an ingress not listed', '{"devices": [{"name": "eth0"}], "ingress": "eth9"}', /ingress device eth9 is not listed/],
    ['zero RX queues', '{"devices": [{"name": "eth0", "rxQueues": 0}]}', /eth0: RX queues must be 1\.\.\d+, not 0/],
    ['an MTU below the minimum', '{"devices": [{"name": "eth0", "mtu": 60}]}', /eth0: MTU must be 68\.\.\d+, not 60/],
    ['two devices of one name', '{"devices": [{"name": "eth0"}, {"name": "eth0"}]}', /device eth0 already exists/],
  ];
  it.each(topologies)('a topology file with %s: exit 1, naming the file', async (_, text, message) => {
    const path = file('topology.json', text);
    const r = await xdpsim(['replay', ipv4, '--prog', DROP, '--topology', path]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^xdpsim replay: /);
    expect(r.stderr.split('\n').length).toBe(2);
  });

  it('a topology file names the devices and the ingress one', async () => {
    const path = file('two.json', '{"devices": [{"name": "wan"}, {"name": "lan0", "rxQueues": 3}], "ingress": "lan0"}');
    const r = await replayJson([ipv4, '--prog', DROP, '--topology', path]);
    expect(r.queues).toHaveLength(3);
    expect(r.devices).toEqual([{ name: 'wan', ifindex: 2, tx_packets: 0, tx_bytes: 0, tx_dropped: 0, xdp_xmit: 0 }]);
    expect(r.packets).toBe(12);
  });
});
