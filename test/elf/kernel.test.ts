import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseObject, readElf } from '../../src/elf/index.js';
import { possibleCpus } from '../../src/loader/cpus.js';
import { mapSpec } from '../../src/loader/map-spec.js';
import { runsHere } from '../support/skip.js';
import { FIXTURES } from './helpers.js';

/**
 * Compares the loader with the real libbpf + kernel: a small C program
 * (oracle/libbpf-dump.c) loads each object with the system libbpf and prints
 * the instructions libbpf handed to the kernel and what the kernel reports
 * for every map. Needs root, a C compiler and libbpf-dev; says which is
 * missing and skips otherwise.
 */
function buildOracle(): { path?: string; missing?: string } {
  if (process.getuid?.() !== 0) return { missing: 'the libbpf comparison needs root to load objects' };
  const path = join(mkdtempSync(join(tmpdir(), 'xdpsim-oracle-')), 'libbpf-dump');
  try {
    execFileSync('cc', ['-O1', 'test/elf/oracle/libbpf-dump.c', '-o', path, '-lbpf'], { stdio: 'pipe' });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').split('\n').find((l) => l.includes('error'));
    return { missing: `cannot build test/elf/oracle/libbpf-dump.c (cc, libbpf-dev?): ${stderr ?? (e as Error).message}` };
  }
  return { path };
}

const oracle = buildOracle();

interface OracleReport {
  programs: Array<{
    name: string; section: string; type: number; xlatedCount: number; insns: string;
    lineInfo: Array<{ insnIndex: number; line: number; column: number; file: string }>;
  }>;
  maps: Array<{
    name: string; type: number; keySize: number; valueSize: number; maxEntries: number; mapFlags: number;
    btfKeyTypeId: number; btfValueTypeId: number; data?: string;
    slots?: Array<Record<string, unknown>>;
  }>;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Objects libbpf 1.x can load: every fixture and example except those with a legacy `maps` section. */
const objects = [
  ...readdirSync(FIXTURES).filter((f) => f.endsWith('.o')).map((f) => join(FIXTURES, f)),
  ...readdirSync('examples').filter((f) => f.endsWith('.o')).map((f) => join('examples', f)),
].filter((path) => !readElf(readFileSync(path)).sections.some((s) => s.name === 'maps'));

describe.runIf(runsHere(oracle.missing))('against libbpf and the kernel', () => {
  for (const path of objects) {
    it(path, () => {
      const report = JSON.parse(execFileSync(oracle.path!, [path], { encoding: 'utf8' })) as OracleReport;
      const obj = parseObject(readFileSync(path), { fileName: path });

      expect(obj.programs.map((p) => p.name)).toEqual(report.programs.map((p) => p.name));
      for (const [i, want] of report.programs.entries()) {
        const got = obj.programs[i]!;
        expect(got.sectionName).toBe(want.section);
        expect(got.sectionDef?.progType).toBe(want.type);
        expect(hex(got.insns)).toBe(want.insns);
        // The kernel renumbers line info when it rewrites instructions; compare where it did not.
        if (want.xlatedCount === got.insns.length / 8) {
          expect(got.lineInfo.map((l) => ({ insnIndex: l.insnIndex, line: l.line, column: l.column, file: l.file })))
            .toEqual(want.lineInfo);
        }
      }

      expect(obj.maps.map((m) => m.name.slice(0, 15))).toEqual(report.maps.map((m) => m.name));
      for (const [i, want] of report.maps.entries()) {
        const got = obj.maps[i]!;
        expect({
          // As libbpf creates it: a perf event array without max_entries gets one per possible CPU.
          type: got.type, keySize: got.keySize, valueSize: got.valueSize, maxEntries: mapSpec(got, possibleCpus()).maxEntries,
          btfKeyTypeId: got.btfKeyTypeId, btfValueTypeId: got.btfValueTypeId,
        }).toEqual({
          type: want.type, keySize: want.keySize, valueSize: want.valueSize, maxEntries: want.maxEntries,
          btfKeyTypeId: want.btfKeyTypeId, btfValueTypeId: want.btfValueTypeId,
        });
        // The kernel adds BPF_F_RDONLY_PROG to devmaps on its own.
        expect(got.mapFlags).toBe(want.mapFlags & ~(got.type === 14 || got.type === 25 ? 0x80 : 0));
        if (want.data !== undefined) expect(hex(got.data!)).toBe(want.data);
        if (want.slots !== undefined) expect(got.initSlots).toEqual(want.slots);
      }
    });
  }
});
