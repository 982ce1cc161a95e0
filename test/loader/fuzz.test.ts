// Mutated objects must load or fail with one of our errors: never another
// exception, never a hang, never an allocation driven by a hostile field.
// FUZZ_MUTANTS sets mutants per example (default 160; `npm run fuzz` runs more).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prng } from '../../scripts/make-captures.js';
import { BtfError } from '../../src/btf/errors.js';
import { ElfError } from '../../src/elf/errors.js';
import { InvalidInstructionError } from '../../src/isa/errors.js';
import { LoadError } from '../../src/loader/errors.js';
import { loadObject, type LoadedObject } from '../../src/loader/load.js';
import { writeMapDump } from '../../src/maps/format.js';
import { openPinned, PinError } from '../../src/maps/pin.js';
import { MapError } from '../../src/maps/types.js';
import { VerifierError } from '../../src/verifier/errors.js';
import { RuntimeError } from '../../src/vm/errors.js';
import { FrameError } from '../../src/xdp/frame-error.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const MUTANTS = Number(process.env.FUZZ_MUTANTS ?? 160);
const EXPECTED = [ElfError, BtfError, LoadError, MapError, VerifierError, InvalidInstructionError, PinError];
const PACKET = Uint8Array.from(Buffer.from('0200000000020200000000010800450000280001000040060000' + '0a0000010a000002303900500000000000000000500220000000000000000000', 'hex'));

const BOUNDARY = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0x100000];

/** One mutation of an ELF image, chosen by `next`; returns the mutant and what was done. */
function mutate(orig: Uint8Array, next: () => number): { bytes: Uint8Array; what: string } {
  const pick = (n: number): number => Math.floor(next() * n);
  const b = orig.slice();
  const v = new DataView(b.buffer);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shnum = v.getUint16(0x3c, true);
  const section = (i: number): number => shoff + 64 * i;
  switch (pick(7)) {
    case 0: {
      const len = pick(orig.length);
      return { bytes: orig.slice(0, len), what: `truncate to ${len}` };
    }
    case 1: {
      const n = 1 + pick(8);
      for (let i = 0; i < n; i++) b[pick(b.length)] ^= 1 << pick(8);
      return { bytes: b, what: `flip ${n} bits` };
    }
    case 2: {
      const at = pick(b.length - 4);
      const val = BOUNDARY[pick(BOUNDARY.length)]!;
      v.setUint32(at, val, true);
      return { bytes: b, what: `u32 ${val} at ${at}` };
    }
    case 3: {
      // ELF header fields: section table offset, entry size, count, string table index.
      const fields = [
        [0x28, 8],
        [0x3a, 2],
        [0x3c, 2],
        [0x3e, 2],
      ] as const;
      const [at, size] = fields[pick(fields.length)]!;
      const val = BOUNDARY[pick(BOUNDARY.length)]!;
      if (size === 8) v.setBigUint64(at, BigInt(val), true);
      else v.setUint16(at, val & 0xffff, true);
      return { bytes: b, what: `header field at ${at} = ${val}` };
    }
    case 4: {
      // A section header field: type, offset, size, link, info, entry size.
      const s = section(pick(shnum));
      const fields = [4, 24, 32, 40, 44, 56];
      const at = s + fields[pick(fields.length)]!;
      if (at + 8 > b.length) return { bytes: b, what: 'no-op' };
      const val = BOUNDARY[pick(BOUNDARY.length)]!;
      if (at - s >= 40 && at - s < 48) v.setUint32(at, val, true);
      else v.setBigUint64(at - ((at - s) % 8 === 4 ? 0 : 0), BigInt(val), true);
      return { bytes: b, what: `section ${(s - shoff) / 64} field +${at - s} = ${val}` };
    }
    case 5: {
      // Overlapping sections: one section's data placed over another's.
      const x = section(pick(shnum));
      const y = section(pick(shnum));
      if (y + 40 > b.length || x + 40 > b.length) return { bytes: b, what: 'no-op' };
      v.setBigUint64(x + 24, v.getBigUint64(y + 24, true), true);
      return { bytes: b, what: `section ${(x - shoff) / 64} moved onto ${(y - shoff) / 64}` };
    }
    default: {
      // A huge size in a random aligned word, as in max_entries or a BTF count.
      const at = pick(b.length >> 2) << 2;
      v.setUint32(at, 0x40000000 + pick(0x3fffffff), true);
      return { bytes: b, what: `huge u32 at ${at}` };
    }
  }
}

const objects = readdirSync(EXAMPLES).filter((f) => f.endsWith('.o')).sort();

const pins = mkdtempSync(join(tmpdir(), 'xdpsim-fuzz-'));
afterAll(() => rmSync(pins, { recursive: true, force: true }));

function* first<T>(items: Iterable<T>, n: number): Generator<T> {
  for (const item of items) {
    if (n-- <= 0) return;
    yield item;
  }
}

/** What a run does after the packets: each map dumped with its BTF (its first entries, as the summary), every map pinned and read back. */
async function dumpAndPin(obj: LoadedObject, dir: string): Promise<void> {
  const discard = { write: () => {}, drain: () => Promise.resolve() };
  for (const def of obj.object.maps) {
    const types = { keyTypeId: def.btfKeyTypeId, valueTypeId: def.btfValueTypeId };
    await writeMapDump(first(obj.map(def.name).entries(), 4), types, obj.object.btf, discard);
  }
  for (const path of obj.pinMaps(dir)) openPinned(path);
}

describe('loader fuzz: mutated examples load or fail with a clear error', () => {
  it.each(objects)('%s', async (name) => {
    const orig = new Uint8Array(readFileSync(join(EXAMPLES, name)));
    const surprises: string[] = [];
    let loaded = 0;
    let slowest = 0;
    for (let seed = 1; seed <= MUTANTS; seed++) {
      const { bytes, what } = mutate(orig, prng(seed * 7919 + name.length));
      const started = performance.now();
      try {
        const obj = loadObject(bytes, { fileName: name, memoryLimit: 64 << 20, budget: 200_000 });
        loaded++;
        for (const p of obj.programs) {
          for (const frame of [PACKET, PACKET.subarray(0, 20)]) {
            try {
              p.run(frame);
            } catch (e) {
              if (!(e instanceof RuntimeError) && !(e instanceof FrameError)) throw e;
            }
          }
        }
        await dumpAndPin(obj, join(pins, `${name}-${seed}`));
      } catch (e) {
        if (!EXPECTED.some((cls) => e instanceof cls)) surprises.push(`seed ${seed} (${what}): ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
        else if (!(e as Error).message) surprises.push(`seed ${seed} (${what}): empty message`);
      }
      slowest = Math.max(slowest, performance.now() - started);
    }
    expect(surprises).toEqual([]);
    // Some mutants must still load (flips in padding, debug info), so the run path is exercised too.
    expect(loaded).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(5000);
  }, 120_000);
});
