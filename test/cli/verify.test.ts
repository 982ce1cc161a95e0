// `xdpsim verify`: the verdict, the kernel's error line and the C source line,
// exit 0 when accepted and 1 when refused, and the same refusal from any
// command that loads the program. The kernel's answers are the ones recorded
// in the verifier corpus (test/verifier/corpus/kernel.json).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import type { KernelRecord } from '../verifier/corpus/kernel.js';

const ROOT = resolve(import.meta.dirname, '../..');
const records = JSON.parse(readFileSync(join(ROOT, 'test/verifier/corpus/kernel.json'), 'utf8')) as KernelRecord[];
const kernel = (file: string): KernelRecord => records.find((r) => r.file === file)!;
const UNCHECKED = 'test/verifier/corpus/packet/c_ihl_unchecked.o';

describe('xdpsim verify', () => {
  it('accepts what the kernel accepts, with the instructions processed, and exits 0', async () => {
    expect(kernel('examples/xdp_firewall.o').accepted).toBe(true);
    const r = await runCli(['verify', join(ROOT, 'examples/xdp_firewall.o')]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^program 'xdp_firewall' \(section xdp\): accepted, \d+ instructions processed\n$/);
  });

  it("refuses what the kernel refuses, in its words, with the path's log and the C line, and exits 1", async () => {
    const record = kernel(UNCHECKED);
    expect(record.accepted).toBe(false);
    const r = await runCli(['verify', join(ROOT, UNCHECKED)]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    // The log: source lines once each, the instructions of the failing path, the kernel's lines last.
    expect(lines).toContain('10: (0f) r2 += r1');
    expect(lines).toContain('invalid access to packet, off=16 size=2, R2(id=1,off=16,r=0)');
    expect(lines.filter((l) => l.startsWith('; udp = (void *)ip + ip->ihl * 4;'))).toHaveLength(1);
    expect(lines.at(-2)).toBe(`program 'c_ihl_unchecked' (section xdp): refused at insn 11: ${record.error} (EACCES)`);
    expect(lines.at(-1)).toBe('  at packet/c_ihl_unchecked.c:20: return udp->dest == 53 ? XDP_DROP : XDP_PASS;');
  });

  it('shows the register state at every instruction with --log-level 2', async () => {
    const r = await runCli(['verify', join(ROOT, UNCHECKED), '--log-level', '2']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('0: R1=ctx() R10=fp0');
    expect(r.stdout).toMatch(/\n11: R0=1 R1=scalar\(smin=smin32=0,smax=umax=smax32=umax32=60,var_off=\(0x0; 0x3c\)\) R2=pkt\(id=1,off=14,r=0,.*\) R3=pkt\(off=42,r=42\) R10=fp0\n/);
  });

  it('takes usage errors as such (exit 2, with the usage)', async () => {
    for (const args of [['verify'], ['verify', UNCHECKED, '--log-level', '3'], ['verify', UNCHECKED, '--mode', 'turbo']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: xdpsim verify OBJ');
    }
  });
});

describe('xdpsim verify --mode offload', () => {
  it("adds an nfp's refusals, in the driver's words: helpers it lacks, maps it cannot hold", async () => {
    const meta = await runCli(['verify', join(ROOT, 'examples/xdp_meta.o'), '--mode', 'offload']);
    expect(meta.code).toBe(1);
    expect(meta.stdout).toMatch(/refused for offload at insn 2: \[nfp\] unsupported function id: 54 \(EOPNOTSUPP\)\n$/);
    const firewall = await runCli(['verify', join(ROOT, 'examples/xdp_firewall.o'), '--mode', 'offload']);
    expect(firewall.code).toBe(1);
    expect(firewall.stdout).toContain("refused for offload: map 'action_counts' (percpu_array) cannot be created on the device (EINVAL)");
    // Native and generic take both.
    for (const mode of ['native', 'generic']) {
      expect((await runCli(['verify', join(ROOT, 'examples/xdp_meta.o'), '--mode', mode])).code).toBe(0);
    }
  });

  it('accepts what the NIC can run', async () => {
    const r = await runCli(['verify', join(ROOT, 'examples/xdp_drop.o'), '--mode', 'offload']);
    expect(r).toMatchObject({ code: 0, stdout: "program 'xdp_drop' (section xdp): accepted, 2 instructions processed\n" });
  });
});

describe('commands that load a program', () => {
  it('refuse what the verifier refuses before running anything, in the same words', async () => {
    const r = await runCli(['run', join(ROOT, UNCHECKED), '--pcap', join(ROOT, 'captures/demo.pcap')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "xdpsim run: program 'c_ihl_unchecked': insn 11: R2 offset is outside of the packet (packet/c_ihl_unchecked.c:20: return udp->dest == 53 ? XDP_DROP : XDP_PASS;)\n",
    );
    const replay = await runCli(['replay', join(ROOT, 'captures/demo.pcap'), '--prog', join(ROOT, UNCHECKED)]);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toContain("program 'c_ihl_unchecked': insn 11: R2 offset is outside of the packet");
  });
});
