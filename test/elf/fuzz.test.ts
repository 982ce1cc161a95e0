import { describe, expect, it } from 'vitest';
import { BtfError, dumpBtfValue, JsonWriter } from '../../src/btf/index.js';
import { ElfError, parseObject, readElf, sourceLine } from '../../src/elf/index.js';
import { fixtureBytes } from './helpers.js';

/** xorshift32: the same mutants on every run, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const BOUNDARY = [0, 1, 7, 8, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** One mutant: a truncation, flipped bytes (anywhere or in structural regions), or a field set to a boundary value. */
function mutant(src: Uint8Array, regions: Array<[number, number]>, next: () => number): Uint8Array {
  const pick = (n: number): number => next() % n;
  const mode = pick(5);
  if (mode === 0) return src.slice(0, pick(src.length));
  const out = src.slice();
  const view = new DataView(out.buffer);
  const [start, end] = mode === 1 ? [0, out.length] : regions[pick(regions.length)]!;
  const at = (width: number): number => start + pick(Math.max(1, end - start - width));
  const count = 1 + pick(8);
  for (let i = 0; i < count; i++) {
    if (mode <= 2) {
      out[at(1)]! ^= 1 << pick(8);
    } else if (mode === 3) {
      view.setUint32(at(4), BOUNDARY[pick(BOUNDARY.length)]!, true);
    } else {
      view.setUint16(at(2), next() & 0xffff, true);
    }
  }
  return out;
}

/** The ELF header, the section header table and the BTF sections: where parsers make decisions. */
function structuralRegions(bytes: Uint8Array): Array<[number, number]> {
  const elf = readElf(bytes);
  const shoff = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(40, true));
  const regions: Array<[number, number]> = [[0, 64], [shoff, shoff + elf.sections.length * 64]];
  for (const s of elf.sections) {
    if (['.BTF', '.BTF.ext', '.symtab', '.maps', '.rel.maps'].includes(s.name) || s.name.startsWith('.rel')) {
      const off = s.data.byteOffset - bytes.byteOffset;
      regions.push([off, off + s.data.length]);
    }
  }
  return regions;
}

/** Exercise what a caller would do with a parsed object, so hostile content reaches the formatter too. */
function use(bytes: Uint8Array): void {
  const obj = parseObject(bytes, { fileName: 'fuzz.o' });
  for (const p of obj.programs) sourceLine(p, p.insns.length / 8 - 1);
  for (const m of obj.maps) {
    if (obj.btf === undefined || m.btfValueTypeId === 0) continue;
    dumpBtfValue(obj.btf, m.btfValueTypeId, m.data ?? new Uint8Array(m.valueSize), { plainText: true }, new JsonWriter(() => {}, true));
  }
}

describe('fuzzing with mutants of real objects', () => {
  for (const [name, seed] of [['maps', 1], ['calls', 2], ['tailcall', 3], ['legacy_iproute2', 4]] as const) {
    it(`${name}: every mutant parses or throws ElfError/BtfError`, () => {
      const src = fixtureBytes(name);
      const regions = structuralRegions(src);
      const next = rng(seed * 0x9e3779b9);
      const outcomes = { parsed: 0, elf: 0, btf: 0 };
      let slowest = 0;
      for (let i = 0; i < 800; i++) {
        const bytes = mutant(src, regions, next);
        const t0 = performance.now();
        try {
          use(bytes);
          outcomes.parsed++;
        } catch (e) {
          if (e instanceof ElfError) outcomes.elf++;
          else if (e instanceof BtfError) outcomes.btf++;
          else throw new Error(`mutant #${i} of ${name} threw ${String(e)}`);
        }
        slowest = Math.max(slowest, performance.now() - t0);
      }
      expect(slowest).toBeLessThan(500);
      // The mutants must reach all three outcomes, or the fuzzer is not exercising the parsers.
      expect(outcomes.parsed).toBeGreaterThan(0);
      expect(outcomes.elf).toBeGreaterThan(0);
      expect(outcomes.btf).toBeGreaterThan(0);
    });
  }
});
