// `xdpsim replay` counts the verdicts the kernel gives: every example
// program, replayed over every capture (the bundled ones and tcpdump's in
// ../shared) on a 1-queue and a 4-queue NIC in native mode, ends with the
// verdict counts BPF_PROG_TEST_RUN gives over the same frames. The frames
// are the captures' packets made Ethernet frames (link types converted as
// the replay converts them); frames the kernel refuses (shorter than an
// Ethernet header) are the replay's length errors, as are frames past the
// NIC's MTU, which a driver drops before XDP and so never reach the kernel
// run either.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { parseSetup } from '../../src/loader/setup.js';
import { LinkTypeError, readCapture, toEthernet } from '../../src/pcap/index.js';
import { XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../../src/uapi/bpf.js';
import { runInKernel, type MapUpdate } from '../oracle/kernel.js';
import { kernelMissing } from '../oracle/support.js';
import { sharedDir } from '../support/shared.js';
import { skipBecause } from '../support/skip.js';
import { example, replayJson, ROOT, type ReplayJson } from './replay-cli.js';

/** The largest MTU a veth runs native XDP at without fragments (3506): most jumbo frames then reach the program. */
const MTU = 3506;
/** Longest frame a driver hands to XDP: the MTU, an Ethernet header and a VLAN tag. */
const MAX_FRAME = MTU + 14 + 4;

const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-replay-agree-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const capturesIn = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng)$/.test(f))
    .sort()
    .map((f) => join(dir, f));

/** Each capture's packets as the replay receives them: Ethernet frames, the packets that cannot be one left out. */
function framesOf(captures: readonly string[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const path of captures) {
    for (const p of readCapture(new Uint8Array(readFileSync(path))).packets) {
      try {
        frames.push(toEthernet(p));
      } catch (e) {
        if (!(e instanceof LinkTypeError)) throw e;
      }
    }
  }
  return frames;
}

const hexU32 = (v: number): string => Buffer.from(Uint32Array.of(v).buffer).toString('hex');

interface Case {
  /** Setup for the replay (its ingress is ifindex 2), as a setup file's text, and extra arguments. */
  replaySetup?: string;
  replayArgs?: string[];
  /** The same setup for the kernel, whose test runs arrive on ifindex 1. */
  kernelSetup?: MapUpdate[];
  /** What the case is there to show, so that agreement is not agreement on nothing. */
  shows?: (v: ReplayJson['verdicts']) => void;
}

const firewallSetup = readFileSync(example('xdp_firewall.setup'), 'utf8');
const CASES: Record<string, Case> = {
  xdp_firewall: { replaySetup: firewallSetup, kernelSetup: parseSetup(firewallSetup), shows: (v) => expect(v.XDP_DROP).toBeGreaterThan(50) },
  // Each side's ingress goes out of a device that exists there: eth0 (2) to the peer eth1 (3); lo (1) to itself.
  xdp_redirect: {
    replaySetup: `egress_ports ${hexU32(2)} ${hexU32(3)}00000000\n`,
    replayArgs: ['--peer', 'eth1'],
    kernelSetup: parseSetup(`egress_ports ${hexU32(1)} ${hexU32(1)}00000000\n`),
    shows: (v) => expect(v.XDP_REDIRECT).toBeGreaterThan(600),
  },
  xdp_icmp_echo: { shows: (v) => expect(v.XDP_TX).toBeGreaterThan(0) },
};

const VERDICT_NAMES: Record<number, keyof ReplayJson['verdicts']> = {
  [XDP_ABORTED]: 'XDP_ABORTED',
  [XDP_DROP]: 'XDP_DROP',
  [XDP_PASS]: 'XDP_PASS',
  [XDP_TX]: 'XDP_TX',
  [XDP_REDIRECT]: 'XDP_REDIRECT',
};

describe('replay verdict counts agree with BPF_PROG_TEST_RUN', () => {
  const shared = sharedDir('captures');
  const captures = [...capturesIn(join(ROOT, 'captures')), ...(shared === undefined ? [] : capturesIn(shared))];
  const frames = framesOf(captures);
  const oversized = frames.filter((f) => f.length > MAX_FRAME).length;
  const kernelFrames = frames.filter((f) => f.length <= MAX_FRAME);
  const objects = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.o')).sort();

  it('has frames of every kind to compare: runts, jumbo frames past the MTU, and many others', () => {
    expect(frames.length).toBeGreaterThan(shared === undefined ? 300 : 600);
    expect(frames.some((f) => f.length < 14)).toBe(true);
    expect(oversized).toBeGreaterThan(0);
    expect(objects.length).toBeGreaterThanOrEqual(18);
  });

  const missing = kernelMissing();
  if (missing !== undefined) {
    skipBecause(missing);
    return;
  }

  for (const file of objects) {
    const name = file.slice(0, -2);
    const c = CASES[name] ?? {};
    const setupArgs: string[] = [];
    if (c.replaySetup !== undefined) {
      const path = join(tmp, `${name}.setup`);
      writeFileSync(path, c.replaySetup);
      setupArgs.push('--setup', path);
    }
    for (const program of loadObject(example(file)).programs.map((p) => p.name)) {
      it(`${name}: ${program}, 1 and 4 RX queues`, async () => {
        const kernel = runInKernel(example(file), { program, setup: c.kernelSetup ?? [], frames: kernelFrames });
        const want: ReplayJson['verdicts'] = { XDP_ABORTED: 0, XDP_DROP: 0, XDP_PASS: 0, XDP_TX: 0, XDP_REDIRECT: 0 };
        let refused = 0;
        for (const f of kernel.frames) {
          if ('err' in f) refused++;
          // An action past XDP_REDIRECT is handled as XDP_ABORTED (bpf_warn_invalid_xdp_action).
          else want[VERDICT_NAMES[f.verdict] ?? 'XDP_ABORTED']++;
        }
        c.shows?.(want);
        for (const queues of [1, 4]) {
          const args = [...captures, '--prog', example(file), '--program', program, '--mtu', String(MTU), '--queues', String(queues), ...setupArgs, ...(c.replayArgs ?? [])];
          const r = await replayJson(args);
          expect(r.verdicts, `${queues} queue(s)`).toEqual(want);
          expect(r.errors.length_errors, `${queues} queue(s)`).toBe(refused + oversized);
          expect(r.packets).toBe(frames.length);
        }
      });
    }
  }
});
