// `xdpsim run` drives simulated time from the capture: each packet runs at
// its timestamp, bpf_timers fire as the timestamps pass their expiry, the
// ones the last packet left due fire before the maps are dumped, the ones
// still armed after it are cancelled and counted in the summary, and a
// callback's fault is reported on the line of the packet it came before.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { writePcap } from '../../src/pcap/index.js';
import { runCli } from '../support/cli.js';
import { cliPastWrongVerifier } from '../support/wrong-verifier.js';
import { ARRAY, CLOCK_MONOTONIC, elem, frame, OP } from '../helpers/timer-frames.js';

vi.mock('../../src/loader/verify.js', async (real) => (await import('../support/wrong-verifier.js')).wrongVerifierModule(await real()));

const TIMERS = resolve(import.meta.dirname, '../fixtures/objects/timers.bpf.o');
const FAULT = resolve(import.meta.dirname, '../fixtures/refused/timer_fault.bpf.o');
const work = mkdtempSync(join(tmpdir(), 'xdpsim-run-timers-'));
const BASE = 1_700_000_000;
const MS = 1_000_000;

/** Packets at BASE + `ns` nanoseconds. */
const at = (ns: number, data: Uint8Array) => ({ data, tsSec: BASE + Math.floor(ns / 1e9), tsNsec: ns % 1e9 });

const arm = (key: number, nsecs: bigint, ns: number) => [
  at(ns, frame(OP.INIT, ARRAY, key, CLOCK_MONOTONIC)),
  at(ns, frame(OP.SET_CALLBACK, ARRAY, key)),
  at(ns, frame(OP.RECORD_TIME, ARRAY, key)),
  at(ns, frame(OP.START, ARRAY, key, nsecs)),
];

describe('xdpsim run and bpf_timer', () => {
  const pcap = join(work, 'timers.pcap');
  writeFileSync(
    pcap,
    writePcap(
      [
        ...arm(0, 1_500_000n, 0), // packets 0-3: due at 1.5 ms
        at(1 * MS, frame(OP.READ, ARRAY, 0)), // 4
        at(1.5 * MS, frame(OP.READ, ARRAY, 0)), // 5: fired just before
        at(1 * MS, frame(OP.READ, ARRAY, 0)), // 6: stamped earlier, runs at 1.5 ms
        ...arm(1, 10_000_000_000n, 2 * MS), // 7-10: due long after the capture
        ...arm(2, 0n, 3 * MS), // 11-14: due at once, after the last packet
      ],
      { nanosecond: true },
    ),
  );

  it('fires timers as the packet timestamps pass their expiry, and the last packet\'s 0 ns one before the dump', async () => {
    const r = await runCli(['run', TIMERS, '--program', 'xdp_timers', '--pcap', pcap, '--jsonl', '-']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, 15).every((l) => l.verdict === 2)).toBe(true);
    const { maps } = lines[15] as { maps: Record<string, Array<[string, string]>> };
    const rows = maps.rows!.map(([, v]) => Buffer.from(v, 'hex').readBigInt64LE(0));
    expect(rows.slice(4, 7)).toEqual([0n, 1n, 1n]);
    const [e0, e1, e2] = maps.timers!.map(([, v]) => elem(v));
    expect([e0!.fired, e1!.fired, e2!.fired]).toEqual([1n, 0n, 1n]);
    // Each callback ran at its expiry: 1.5 ms and 3 ms into the capture.
    expect(e2!.at - e0!.at).toBe(1_500_000n);
  });

  it('says how many timers were still armed after the last packet', async () => {
    const r = await runCli(['run', TIMERS, '--program', 'xdp_timers', '--pcap', pcap, '--jsonl', join(work, 'out.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^xdp_timers: 15 packets from .*\n {2}PASS +15\n {2}1 bpf_timer still armed after the last packet, cancelled \(xdpsim cannot keep timers past its process\)\n/,
    );
    expect(readFileSync(join(work, 'out.jsonl'), 'utf8').split('\n')).toHaveLength(17);
  });

  it('refuses at load a program whose timer callback returns other than 0, in the verifier\'s words', async () => {
    const r = await runCli(['run', FAULT, '--pcap', pcap]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^xdpsim run: program 'xdp_timer_fault': insn \d+: At async callback return the register R0 has smin=1 smax=1 should have been in \[0, 0\] \(timer_fault\.bpf\.c:\d+: /);
  });

  it("past a wrong verifier, reports a callback's fault as the fault of the packet it came due before, and runs on", async () => {
    // Each packet arms a timer 1 ms ahead whose callback returns 1.
    const faulty = join(work, 'fault.pcap');
    const packet = new Uint8Array(64);
    writeFileSync(faulty, writePcap([at(0, packet), at(2 * MS, packet), at(2 * MS, packet)], { nanosecond: true }));
    const r = await cliPastWrongVerifier(['run', FAULT, '--pcap', faulty, '--jsonl', '-']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.verdict ?? l.err)).toEqual([2, 'fault', 2, undefined]);
    expect(lines[1]!.reason).toMatch(/returned 1: At async callback return the register R0 has smin=1 smax=1 should have been in \[0, 0\] \(timer_fault\.bpf\.c:\d+: /);
    expect(lines[3]).toHaveProperty('maps.faulty');
  });
});

describe('a timer callback that faults past a wrong verifier', () => {
  it('still lets the clock reach the timestamp of the packets after it', async () => {
    const pcap = join(work, 'fault-clock.pcap');
    const packet = new Uint8Array(64);
    writeFileSync(pcap, writePcap([at(0, packet), at(2 * MS, packet), at(2 * MS, packet), at(2 * MS, packet)]));
    const obj = resolve(import.meta.dirname, '../fixtures/refused/timer_fault_clock.bpf.o');
    const r = await cliPastWrongVerifier(['run', obj, '--sec', 'xdp', '--pcap', pcap, '--jsonl', '-']);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { err?: string; out?: string });
    // Packet 1's line is the callback's fault; packets 2 and 3 run 2 ms after packet 0.
    expect(lines[1]!.err).toBe('fault');
    const ktime = (line: { out?: string }): bigint => Buffer.from(line.out!, 'hex').readBigUInt64LE(14);
    expect(ktime(lines[2]!) - ktime(lines[0]!)).toBe(2_000_000n);
    expect(ktime(lines[3]!)).toBe(ktime(lines[2]!));
  });
});
