// How the CLI ends: a refused input is one line and status 1, a usage error
// shows the usage with status 2, and anything else is a bug, reported as an
// internal error with its stack and status 70 (EX_SOFTWARE).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/command.js';
import { EXIT_INTERNAL, main } from '../../src/cli/main.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { runCli } from '../support/cli.js';
import { skipBecause } from '../support/skip.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OTHER = join(ROOT, 'test/fixtures/refused/other_program.bpf.o');
const DEMO = join(ROOT, 'captures/demo.pcap');

/** An Io whose standard input fails as only a bug in xdpsim could make it fail. */
function brokenStdin(): { io: Io; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      stdin: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'length')")),
      drain: () => Promise.resolve(),
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

describe('CLI exit statuses', () => {
  it('prints a refused object as one line and exits 1', async () => {
    const r = await runCli(['run', OTHER, '--program', 'xdp_bad', '--pcap', DEMO]);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "xdpsim run: program 'xdp_bad': insn 4: program of this type cannot use helper bpf_skb_load_bytes#26" +
        ' (other_program.bpf.c:18: if (bpf_skb_load_bytes(ctx, 0, buf, sizeof(buf)) < 0))\n',
    });
  });

  it('prints a file the system refuses as one line and exits 1', async () => {
    const r = await runCli(['run', join(ROOT, 'no/such/object.o'), '--sec', 'xdp', '--pcap', DEMO]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xdpsim run: ENOENT: no such file or directory, open '.*no\/such\/object\.o'\n$/);
  });

  it('prints a usage error with the usage and exits 2', async () => {
    const r = await runCli(['run', OTHER, '--program', 'xdp_fine']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^xdpsim run: --pcap FILE is required\n\nusage: xdpsim run OBJ/);
  });

  it('reports anything else as an internal error with its stack and exits 70', async () => {
    const broken = brokenStdin();
    const code = await main(['asm', '-', '--hex'], broken.io);
    expect(code).toBe(EXIT_INTERNAL);
    expect(EXIT_INTERNAL).toBe(70);
    expect(broken.stdout()).toBe('');
    const [first, ...stack] = broken.stderr().trimEnd().split('\n');
    expect(first).toBe("xdpsim asm: internal error: TypeError: Cannot read properties of undefined (reading 'length')");
    expect(stack.length).toBeGreaterThan(0);
    expect(stack.every((l) => /^ {4}at /.test(l))).toBe(true);
  });
});

describe('an object loads whole', () => {
  it("names the program at fault when another one's load stops the one asked for", async () => {
    const r = await runCli(['run', OTHER, '--program', 'xdp_fine', '--pcap', DEMO]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "xdpsim run: program 'xdp_bad' (the object is loaded whole, so this also stops 'xdp_fine'): insn 4: program of this type" +
        ' cannot use helper bpf_skb_load_bytes#26 (other_program.bpf.c:18: if (bpf_skb_load_bytes(ctx, 0, buf, sizeof(buf)) < 0))\n',
    );
    const bySection = await runCli(['run', OTHER, '--sec', 'xdp', '--pcap', DEMO]);
    expect(bySection.stderr).toMatch(/^xdpsim run: program 'xdp_bad' \(the object is loaded whole, so this also stops 'xdp_fine'\): /);
  });

  const bpftool = bpftoolMissing();
  if (bpftool !== undefined) skipBecause(`comparing with libbpf's load of the object: ${bpftool}`);
  it.runIf(bpftool === undefined)('is how libbpf loads it into the kernel: nothing of the object is loaded', () => {
    const dir = mkdtempSync('/sys/fs/bpf/xdpsim_whole_');
    try {
      const r = spawnSync('bpftool', ['prog', 'loadall', OTHER, dir], { encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain("prog 'xdp_bad': failed to load");
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says first that the program asked for is not there, as iproute2 does before loading', async () => {
    const r = await runCli(['run', OTHER, '--program', 'xdp_nosuch', '--pcap', DEMO]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: "xdpsim run: object file doesn't contain prog xdp_nosuch\n" });
  });
});
