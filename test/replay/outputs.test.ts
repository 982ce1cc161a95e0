// `xdpsim replay --out DIR`: a capture per verdict, each holding exactly
// the frames that got it, as the program left them (the bytes `xdpsim run
// --jsonl` gives for the same frames, and the kernel for XDP_TX's rewritten
// replies), with the frames' original timestamps in nanosecond pcap, and
// each readable by tcpdump.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture, toEthernet, writePcap, type CapturedPacket, type PcapRecord } from '../../src/pcap/index.js';
import { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../../src/uapi/bpf.js';
import { runInKernel } from '../oracle/kernel.js';
import { kernelMissing } from '../oracle/support.js';
import { capture, example, replayJson, ROOT, xdpsim } from './replay-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-replay-outputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const NIC_VERDICTS = join(ROOT, 'test/fixtures/objects/nic_verdicts.bpf.o');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A frame for xdp_verdict: the u32 at offset 14 is its verdict, the one at 18 bpf_redirect's ifindex. */
function verdictFrame(verdict: number, ifindex: number, fill: number, length = 60): Uint8Array {
  const f = new Uint8Array(length).fill(fill);
  const v = new DataView(f.buffer);
  v.setUint16(12, 0x88b5); // IEEE local experimental EtherType
  v.setUint32(14, verdict, true);
  v.setUint32(18, ifindex, true);
  return f;
}

// Every verdict, an invalid action, a redirect to a device that is not there, and a frame the capture cut short.
const PLAN: Array<[number, number]> = [
  [XDP_PASS, 0], [XDP_DROP, 0], [XDP_TX, 0], [XDP_REDIRECT, 3], [XDP_ABORTED, 0], [7, 0], [XDP_REDIRECT, 9],
];
const RECORDS: PcapRecord[] = Array.from({ length: 70 }, (_, i) => {
  const [verdict, ifindex] = PLAN[i % PLAN.length]!;
  const data = verdictFrame(verdict, ifindex, i, 60 + i);
  // Nanoseconds that a microsecond capture could not hold, and seconds apart by more than a loop's step.
  return { data, tsSec: 1_700_000_000 + i * 3, tsNsec: 123_456_789 - i * 1001, ...(i % 10 === 3 && { origLen: data.length + 1000 }) };
});
const VERDICTS_PCAP = join(tmp, 'verdicts.pcap');
writeFileSync(VERDICTS_PCAP, writePcap(RECORDS, { nanosecond: true }));

const records = (path: string): CapturedPacket[] => readCapture(new Uint8Array(readFileSync(path))).packets;
const key = (p: { data: Uint8Array; tsSec: number; tsNsec: number; origLen?: number }): string => `${p.tsSec}.${p.tsNsec}/${p.origLen ?? p.data.length}/${hex(p.data)}`;

/** `xdpsim run --jsonl` over a capture: each frame's verdict and the bytes the program left (data_meta to data_end). */
let runs = 0;
async function runLines(args: string[]): Promise<Array<{ i: number; verdict?: number; out?: string }>> {
  const out = join(tmp, `run-${runs++}.jsonl`);
  const r = await xdpsim(['run', ...args, '--jsonl', out]);
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(out, 'utf8').trim().split('\n').slice(0, -1).map((l) => JSON.parse(l) as { i: number; verdict?: number; out?: string });
}

const tcpdumpMissing = spawnSync('tcpdump', ['--version']).error !== undefined;

describe('output captures', () => {
  it('hold exactly the frames of each verdict, with their timestamps and wire lengths, on 1 and 4 queues', async () => {
    const lines = await runLines([NIC_VERDICTS, '--program', 'xdp_verdict', '--pcap', VERDICTS_PCAP, '--ifindex', '2']);
    const expected: Record<string, string[]> = { 'pass.pcap': [], 'drop.pcap': [], 'tx.pcap': [], 'aborted.pcap': [], 'redirect-eth1.pcap': [] };
    lines.forEach(({ verdict, out }, i) => {
      const [, ifindex] = PLAN[i % PLAN.length]!;
      const file =
        verdict === XDP_PASS ? 'pass.pcap'
        : verdict === XDP_TX ? 'tx.pcap'
        : verdict === XDP_DROP ? 'drop.pcap'
        : verdict === XDP_REDIRECT ? (ifindex === 3 ? 'redirect-eth1.pcap' : 'drop.pcap') // a failed redirect is dropped
        : 'aborted.pcap';
      const rec = RECORDS[i]!;
      expected[file]!.push(key({ ...rec, data: Buffer.from(out!, 'hex') }));
    });
    for (const queues of [1, 4]) {
      const dir = join(tmp, `verdicts-${queues}`);
      const r = await replayJson([VERDICTS_PCAP, '--prog', NIC_VERDICTS, '--program', 'xdp_verdict', '--peer', 'eth1', '--queues', String(queues), '--out', dir]);
      expect(readdirSync(dir).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, want] of Object.entries(expected)) {
        const got = records(join(dir, name)).map(key);
        // One queue keeps capture order; several interleave their polls.
        expect(queues === 1 ? got : got.sort(), `${name}, ${queues} queue(s)`).toEqual(queues === 1 ? want : [...want].sort());
        expect(r.outputs[name]).toEqual({ path: join(dir, name), packets: want.length });
      }
      expect(r.verdicts).toEqual({ XDP_ABORTED: 20, XDP_DROP: 10, XDP_PASS: 10, XDP_TX: 10, XDP_REDIRECT: 20 });
      // The nanosecond magic, so the timestamps above are the file's own.
      expect(readFileSync(join(dir, 'pass.pcap')).readUInt32LE(0)).toBe(0xa1b23c4d);
    }
  });

  it.skipIf(tcpdumpMissing)('open in tcpdump -r, which reads the same timestamps', () => {
    const dir = join(tmp, 'verdicts-1');
    for (const name of readdirSync(dir)) {
      const r = spawnSync('tcpdump', ['-r', join(dir, name), '-nn', '-tt', '--time-stamp-precision=nano'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const stamps = r.stdout.trim().split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(' ')[0]); // not the hex dump lines
      expect(stamps, name).toEqual(records(join(dir, name)).map((p) => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`));
      expect(stamps.length).toBe(name === 'pass.pcap' || name === 'tx.pcap' ? 10 : name === 'drop.pcap' || name === 'aborted.pcap' ? 20 : 10);
    }
  });

  it('tx.pcap holds xdp_icmp_echo replies as the kernel rewrites them', async () => {
    const captures = ['demo.pcap', 'ipv4.pcap', 'ipv6.pcap', 'vlan.pcap'].map(capture);
    const dir = join(tmp, 'echo');
    const r = await replayJson([...captures, '--prog', example('xdp_icmp_echo.o'), '--queues', '1', '--out', dir]);
    const inputs = captures.flatMap(records);
    // The kernel's data_out where BPF is usable; xdpsim run's (checked against it elsewhere) otherwise.
    const missing = kernelMissing();
    if (missing !== undefined) console.warn(`skipped: comparing XDP_TX bytes with the kernel: ${missing}`);
    const outs: Array<{ verdict?: number; out?: string }> =
      missing === undefined
        ? runInKernel(example('xdp_icmp_echo.o'), { frames: inputs.map(toEthernet) }).frames.map((f) => ('verdict' in f ? f : {}))
        : (await Promise.all(captures.map((c) => runLines([example('xdp_icmp_echo.o'), '--sec', 'xdp', '--pcap', c, '--ifindex', '2'])))).flat();
    const tx = records(join(dir, 'tx.pcap'));
    expect(tx.length).toBe(r.verdicts.XDP_TX);
    expect(tx.length).toBeGreaterThan(0);
    expect(r.queues[0]!.xdp_tx).toBe(tx.length);
    expect(outs).toHaveLength(inputs.length);
    const want = outs.flatMap((o, i) => (o.verdict === XDP_TX ? [{ ...inputs[i]!, data: Buffer.from(o.out!, 'hex') }] : []));
    expect(tx.map(key)).toEqual(want.map(key));
    // The replies are not the requests.
    expect(tx.map((p) => hex(p.data))).not.toEqual(inputs.filter((_, i) => outs[i]!.verdict === XDP_TX).map((p) => hex(p.data)));
  });

  it('redirect-DEV.pcap holds what xdp_redirect sends to a --peer device', async () => {
    const setup = join(tmp, 'redirect.setup');
    writeFileSync(setup, 'egress_ports 02000000 0300000000000000\n'); // eth0 (ifindex 2) out of ifindex 3
    const dir = join(tmp, 'redirect');
    const captures = ['demo.pcap', 'ipv6.pcap', 'malformed.pcap'].map(capture);
    const r = await replayJson([...captures, '--prog', example('xdp_redirect.o'), '--peer', 'eth1', '--setup', setup, '--queues', '2', '--out', dir]);
    const sent = records(join(dir, 'redirect-eth1.pcap'));
    const inputs = captures.flatMap(records).filter((p) => p.data.length >= 14);
    expect(sent.map(key).sort()).toEqual(inputs.map(key).sort());
    expect(r.devices).toEqual([{ name: 'eth1', ifindex: 3, tx_dropped: 0, tx_packets: inputs.length, tx_bytes: inputs.reduce((n, p) => n + p.data.length, 0), xdp_xmit: inputs.length }]);
    expect(r.outputs['pass.pcap']!.packets).toBe(0);
    // Microsecond captures keep their timestamps: whole microseconds in nanoseconds.
    expect(sent.every((p) => p.tsNsec % 1000 === 0)).toBe(true);
  });
});

describe('output captures of multi-buffer frames', () => {
  // nic_frags.bpf.c's xdp_frags_out takes fragments: it writes MARK ^ length over the frame's last four
  // bytes (in its last fragment, past the linear 3520) and returns the u32 at 14 (7: into the xskmap at the u32 at 18).
  const NIC_FRAGS = join(ROOT, 'test/fixtures/objects/nic_frags.bpf.o');
  const MARK = 0x5eedf00d;
  const REDIRECT_XSKMAP = 7;
  const PLAN: Array<[number, number]> = [
    [XDP_PASS, 0], [XDP_TX, 0], [XDP_DROP, 0], [XDP_ABORTED, 0], [XDP_REDIRECT, 3], [XDP_REDIRECT, 9], [REDIRECT_XSKMAP, 0],
  ];
  // 9000 bytes at MTU 9000, the longest the MTU takes, one just past the linear part, one within an AF_XDP chunk; and a linear one.
  const LENGTHS = [9000, 9018, 3521, 3700, 1000];
  const FRAME_RECORDS: PcapRecord[] = LENGTHS.flatMap((length, l) =>
    PLAN.map(([verdict, arg], i) => {
      const data = verdictFrame(verdict, arg, l * 16 + i, length);
      for (let k = 22; k < length; k++) data[k] = (k * 7 + l + i) & 0xff;
      return { data, tsSec: 1_700_000_100 + l * 10 + i, tsNsec: 987_654_321 - i * 7 };
    }),
  );
  const BIG_PCAP = join(tmp, 'multi-buffer.pcap');
  writeFileSync(BIG_PCAP, writePcap(FRAME_RECORDS, { nanosecond: true }));
  const TOPOLOGY = join(tmp, 'multi-buffer.json');
  writeFileSync(TOPOLOGY, JSON.stringify({ devices: [{ name: 'eth0', mtu: 9000 }, { name: 'eth1', mtu: 9000 }], ingress: 'eth0' }));
  // An AF_XDP socket (id 41) bound to queue 0, without XDP_USE_SG, on 4096-byte chunks: 3840 bytes of a frame each.
  const SETUP = join(tmp, 'multi-buffer.setup');
  writeFileSync(SETUP, 'sockets 00000000 29000000\n');

  /** What xdp_frags_out leaves of a frame: its bytes, the last four the mark. */
  function marked(f: Uint8Array): Uint8Array {
    const out = f.slice();
    new DataView(out.buffer).setUint32(out.length - 4, (MARK ^ out.length) >>> 0, true);
    return out;
  }
  const total = (ps: readonly CapturedPacket[]): number => ps.reduce((n, p) => n + p.data.length, 0);
  /** A record as timestamp, wire and captured length, and a digest of its bytes: short enough to read in a failure. */
  const digest = (p: { data: Uint8Array; tsSec: number; tsNsec: number; origLen?: number }): string =>
    `${p.tsSec}.${p.tsNsec}/${p.origLen ?? p.data.length}/${p.data.length}/${createHash('sha256').update(p.data).digest('hex').slice(0, 16)}`;

  it.each(['native', 'generic'])('hold every frame whole, fragments included, as the kernel leaves it, and as many bytes as the counters count (%s mode)', async (mode) => {
    const dir = join(tmp, `multi-buffer-${mode}`);
    const r = await replayJson([BIG_PCAP, '--prog', NIC_FRAGS, '--program', 'xdp_frags_out', '--topology', TOPOLOGY, '--setup', SETUP, '--mode', mode, '--out', dir]);
    expect([r.packets, r.errors.length_errors, r.exceptions]).toEqual([FRAME_RECORDS.length, 0, []]);
    // What BPF_PROG_TEST_RUN's data_out holds for each frame (linear part, then fragments), where the kernel can say; the mark put by hand otherwise.
    const missing = kernelMissing();
    if (missing !== undefined) console.warn(`skipped: comparing multi-buffer output bytes with the kernel: ${missing}`);
    const inputs = FRAME_RECORDS.map((rec) => rec.data);
    const outs =
      missing === undefined
        ? runInKernel(NIC_FRAGS, { program: 'xdp_frags_out', frames: inputs }).frames.map((f) => Buffer.from((f as { out: string }).out, 'hex'))
        : inputs.map(marked);
    expect(outs.map((data) => digest({ data, tsSec: 0, tsNsec: 0 }))).toEqual(inputs.map((f) => digest({ data: marked(f), tsSec: 0, tsNsec: 0 })));
    const expected: Record<string, string[]> = { 'pass.pcap': [], 'tx.pcap': [], 'drop.pcap': [], 'aborted.pcap': [], 'redirect-eth1.pcap': [], 'xsk-0.pcap': [] };
    FRAME_RECORDS.forEach((rec, i) => {
      const [verdict, arg] = PLAN[i % PLAN.length]!;
      const file =
        verdict === XDP_PASS ? 'pass.pcap'
        : verdict === XDP_TX ? 'tx.pcap'
        : verdict === XDP_DROP ? 'drop.pcap'
        : verdict === XDP_ABORTED ? 'aborted.pcap'
        : verdict === XDP_REDIRECT ? (arg === 3 ? 'redirect-eth1.pcap' : 'drop.pcap')
        // xsk_rcv_check: past a chunk without XDP_USE_SG, -ENOSPC: dropped.
        : rec.data.length <= 3840 ? 'xsk-0.pcap' : 'drop.pcap';
      expected[file]!.push(digest({ ...rec, data: outs[i]! }));
    });
    expect(readdirSync(dir).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, want] of Object.entries(expected)) {
      expect(records(join(dir, name)).map(digest), name).toEqual(want);
    }
    // Every frame that left holds every byte it had: no capture of a frame longer than the linear part stops at 3520.
    const lengths = Object.keys(expected).flatMap((name) => records(join(dir, name)).map((p) => p.data.length));
    expect(lengths.sort((a, b) => a - b)).toEqual(inputs.map((f) => f.length).sort((a, b) => a - b));
    // The counters count what the captures hold.
    const tx = records(join(dir, 'tx.pcap'));
    const redirected = records(join(dir, 'redirect-eth1.pcap'));
    expect([r.tx_queues.reduce((n, q) => n + q.tx_packets!, 0), r.tx_queues.reduce((n, q) => n + q.tx_bytes!, 0)]).toEqual([tx.length, total(tx)]);
    expect(r.devices).toEqual([{ name: 'eth1', ifindex: 3, tx_packets: redirected.length, tx_bytes: total(redirected), tx_dropped: 0, xdp_xmit: mode === 'native' ? redirected.length : 0 }]);
    expect(total(tx)).toBe(LENGTHS.reduce((n, l) => n + l, 0));
    expect(r.errors.redirect_errors).toBe(LENGTHS.length + LENGTHS.filter((l) => l > 3840).length);
  });
});
