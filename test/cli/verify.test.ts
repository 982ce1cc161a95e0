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

  it("refuses what the kernel refuses with the kernel's log, line for line, and the C line, and exits 1", async () => {
    const record = kernel(UNCHECKED);
    expect(record.accepted).toBe(false);
    const r = await runCli(['verify', join(ROOT, UNCHECKED)]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    // The failing path's log, as the kernel's ends (its recorded tail), its statistics, then the verdict and the C line.
    expect(lines.slice(-3 - record.tail!.length, -3)).toEqual(record.tail);
    expect(lines.at(-3)).toMatch(/^processed \d+ insns \(limit 1000000\) max_states_per_insn 0 total_states \d+ peak_states \d+ mark_read 0$/);
    expect(lines[0]).toBe('0: R1=ctx() R10=fp0');
    expect(lines.at(-2)).toBe(`program 'c_ihl_unchecked' (section xdp): refused at insn 11: ${record.error} (EACCES)`);
    expect(lines.at(-1)).toBe('  at packet/c_ihl_unchecked.c:20: return udp->dest == 53 ? XDP_DROP : XDP_PASS;');
  });

  it('prints every path with --log-level 2, each from the jump it was left at', async () => {
    const firewall = join(ROOT, 'examples/xdp_firewall.o');
    const r = await runCli(['verify', firewall, '--log-level', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n\nfrom 81 to 88: R0=0 R6=scalar\(id=\d+\) R10=fp0 fp-8=mmmmmmmm fp-16=mmmmmmmm fp-24=mmmm32 fp-32=mmmm\?\?\?\?\n88: /);
    expect(r.stdout).toMatch(/\n0: \(61\) r2 = \*\(u32 \*\)\(r1 \+4\) {10}; R1=ctx\(\) R2=pkt_end\(\)\n/);
    expect(r.stdout).toMatch(/\nprocessed 132 insns \(limit 1000000\)/);
    // Level 1 of an accepted program is its statistics alone.
    const quiet = await runCli(['verify', firewall]);
    expect(quiet.stdout).toBe("program 'xdp_firewall' (section xdp): accepted, 132 instructions processed\n");
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
  const RULES = join(ROOT, 'test/fixtures/objects/offload_rules.bpf.o');

  it("refuses from nfp's verifier hook as the kernel logs it: the instruction, then the [nfp] line, then the verdict", async () => {
    const meta = await runCli(['verify', join(ROOT, 'examples/xdp_meta.o'), '--mode', 'offload']);
    expect(meta.code).toBe(1);
    const lines = meta.stdout.trimEnd().split('\n');
    expect(lines.slice(-5)).toEqual([
      '2: (85) call bpf_xdp_adjust_meta#54',
      '[nfp] unsupported function id: 54',
      expect.stringMatching(/^processed 3 insns \(limit 1000000\)/),
      "program 'xdp_meta' (section xdp): refused at insn 2: [nfp] unsupported function id: 54 (EOPNOTSUPP)",
      '  at examples/xdp_meta.c:28: if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))',
    ]);
    // Native and generic take it.
    for (const mode of ['native', 'generic']) {
      expect((await runCli(['verify', join(ROOT, 'examples/xdp_meta.o'), '--mode', mode])).code).toBe(0);
    }
  });

  it('refuses a map the device cannot hold before the verifier runs', async () => {
    const firewall = await runCli(['verify', join(ROOT, 'examples/xdp_firewall.o'), '--mode', 'offload']);
    expect(firewall.code).toBe(1);
    expect(firewall.stdout).toBe(
      "map 'action_counts' (percpu_array) cannot be created on the device\n" +
        "program 'xdp_firewall' (section xdp): refused for offload: map 'action_counts' (percpu_array) cannot be created on the device (EINVAL)\n",
    );
  });

  it("logs nfp's warnings where they fall, and the state after them on a line of its own, at log level 2", async () => {
    const r = await runCli(['verify', RULES, '--program', 'events_data_changes', '--mode', 'offload', '--log-level', '2']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '25: (85) call bpf_perf_event_output#25\n[nfp] warning: return codes and behavior of event_output helper differ for offload!\n26: R0=scalar()\n',
    );
    expect(r.stdout).toMatch(/\[nfp\] event_output: ptr type changed: 6 4\nprocessed \d+ insns [^\n]*\nprogram 'events_data_changes' \(section xdp\): refused at insn 25: .* \(EINVAL\)\n/);
  });

  it("reports the stack nfp's finalize hook refuses, which no instruction causes, at the program's first", async () => {
    const r = await runCli(['verify', RULES, '--program', 'deep_calls', '--mode', 'offload']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "[nfp] stack too large: program 640B > FW stack 512B\nprocessed 205 insns (limit 1000000) max_states_per_insn 0 total_states 3 peak_states 3 mark_read 0\nprogram 'deep_calls' (section xdp): refused at insn 0: [nfp] stack too large: program 640B > FW stack 512B (EOPNOTSUPP)\n",
    );
    expect((await runCli(['verify', RULES, '--program', 'deep_calls'])).code).toBe(0);
  });

  it('lets an offloaded program write rx_queue_index, which nfp then refuses without queue selection in its firmware', async () => {
    const QUEUE = join(ROOT, 'test/fixtures/refused/offload_native.bpf.o');
    const native = await runCli(['verify', QUEUE, '--program', 'queue_select']);
    expect(native.stdout).toContain('refused at insn 1: invalid bpf_context access off=16 size=4 (EACCES)');
    const offload = await runCli(['verify', QUEUE, '--program', 'queue_select', '--mode', 'offload']);
    expect(offload.stdout).toContain('refused at insn 1: [nfp] queue selection not supported by FW (EOPNOTSUPP)');
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
