import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const work = mkdtempSync(join(tmpdir(), 'xdpsim-cli-'));

describe('xdpsim CLI', () => {
  it('prints its version and usage, and --help on every command', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `xdpsim ${pkg.version}\n`, stderr: '' });
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['asm', 'disasm', 'plugin']) {
      expect(help.stdout).toContain(cmd);
      const sub = await runCli([cmd, '--help']);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toMatch(new RegExp(`^usage: xdpsim ${cmd}`));
    }
  });

  it('refuses an unknown command and unknown options with exit status 2', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
    const opt = await runCli(['asm', '--bogus', 'x']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/Unknown option '--bogus'/);
  });

  it('assembles to hex and to a file, and disassembles back like llvm-objdump', async () => {
    const src = join(work, 'p.s');
    writeFileSync(src, 'mov32 %r0, 2\nlddw %r1, 0x1122334455667788\nexit\n');
    const hex = await runCli(['asm', src, '--hex']);
    expect(hex).toEqual({
      code: 0,
      stdout: 'b4 00 00 00 02 00 00 00\n18 01 00 00 88 77 66 55\n00 00 00 00 44 33 22 11\n95 00 00 00 00 00 00 00\n',
      stderr: '',
    });
    const bin = join(work, 'p.bin');
    expect((await runCli(['asm', src, '-o', bin])).code).toBe(0);
    const dis = await runCli(['disasm', bin]);
    expect(dis.stdout).toBe(
      [
        '       0:\tb4 00 00 00 02 00 00 00\tw0 = 0x2',
        '       1:\t18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11\tr1 = 0x1122334455667788 ll',
        '       3:\t95 00 00 00 00 00 00 00\texit',
        '',
      ].join('\n'),
    );
    // The listing assembles back to the same bytes.
    const again = await runCli(['asm', '-', '--hex'], dis.stdout);
    expect(again.stdout).toBe(hex.stdout);
  });

  it('disassembles the linked programs of an object, with function labels and C source lines', async () => {
    const obj = new URL('../../examples/xdp_calls.o', import.meta.url).pathname;
    const r = await runCli(['disasm', obj, '--source']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Disassembly of program xdp_calls \(section xdp\):\n\n0000000000000000 <xdp_calls>:\n; int xdp_calls\(struct xdp_md \*ctx\)\n/);
    expect(r.stdout).toMatch(/\n[0-9a-f]{16} <l3_offset>:\n/);
    expect(r.stdout).toContain('; int off = l3_offset(ctx);');
    // The listing, source comments and all, assembles back to the linked program.
    const { parseObject } = await import('../../src/elf/index.js');
    const linked = parseObject(new Uint8Array(readFileSync(obj))).programs[0]!.insns;
    const listing = r.stdout.split('\n').slice(1).join('\n');
    const again = await runCli(['asm', '-', '--hex'], listing);
    expect(again.stdout.replace(/\s+/g, '')).toBe(Buffer.from(linked).toString('hex'));
  });

  it('names the line of malformed assembly and the slot of malformed bytecode', async () => {
    const bad = await runCli(['asm', '-', '--hex'], 'mov %r0, 1\nadd %r0, %r11\nexit\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('xdpsim asm: line 2: invalid register %r11\n');
    const bin = join(work, 'bad.bin');
    writeFileSync(bin, Buffer.from('b700000001000000' + '0700010001000000' + '9500000000000000', 'hex'));
    const dis = await runCli(['disasm', bin]);
    expect(dis.code).toBe(1);
    expect(dis.stderr).toBe('xdpsim disasm: insn 1: BPF_ALU uses reserved fields\n');
    const missing = await runCli(['disasm', join(work, 'nope.bin')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ENOENT/);
  });
});
