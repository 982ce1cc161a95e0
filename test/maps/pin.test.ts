// Pinned-map files: a round trip keeps the map, and a damaged or hostile file
// is refused with a PinError naming the field or line, never a TypeError or
// RangeError, never quoting the file, and never handing back a half-restored map.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSectionDef } from '../../src/elf/index.js';
import { initMapSlots } from '../../src/maps/presets.js';
import type { BpfMap } from '../../src/maps/map.js';
import { openPinned, PinError, pinMap, pinPath, restorePinned } from '../../src/maps/pin.js';
import { createStandaloneMap } from '../../src/maps/standalone.js';
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_DEVMAP,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PROG_ARRAY,
} from '../../src/uapi/bpf.js';
import { MapError } from '../../src/maps/types.js';
import { rng } from './lpm-support.js';
import { layout, spec, u32 } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'xdpsim-pin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A pin file of `header` (JSON) and `lines`, or of exactly `text`. */
function file(header: unknown, lines: readonly string[] = []): string {
  const path = join(dir, `m${files++}`);
  writeFileSync(path, typeof header === 'string' ? header : [JSON.stringify(header), ...lines].map((l) => l + '\n').join(''));
  return path;
}

const valid = (): Record<string, unknown> => ({
  format: 'xdpsim-pinned-map-2',
  spec: { name: 'h', type: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 },
  cpus: 2,
  frozen: false,
  entries: 2,
});
const validLines = ['01000000 0a00000000000000', '02000000 1400000000000000'];

const percpu = (): Record<string, unknown> => ({
  format: 'xdpsim-pinned-map-2',
  spec: { name: 'p', type: BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 },
  cpus: 2,
  frozen: false,
  entries: 1,
});

/** `base` with the value at `path` replaced (or removed when `value` is undefined). */
function edit(base: Record<string, unknown>, path: Array<string | number>, value: unknown): Record<string, unknown> {
  const copy = structuredClone(base);
  let at: Record<string | number, unknown> = copy;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

/** The PinError message openPinned gives for the file. */
function refusal(path: string): string {
  try {
    openPinned(path);
  } catch (e) {
    if (!(e instanceof PinError)) throw e;
    return e.message;
  }
  throw new Error('accepted');
}

describe('pinned maps', () => {
  it('round-trip: pin, read back, restore', () => {
    const m = createStandaloneMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 4), 2);
    m.updateElem(u32(1), new Uint8Array(8).fill(7));
    m.updateElem(u32(3), new Uint8Array(8).fill(9));
    const path = join(dir, 'round');
    pinMap(m, path);
    // Restoring inserts the keys in dump order, and a chain holds the newest first: keys 1 and 3
    // share a bucket, so they come back the other way round, as from a kernel map refilled from its dump.
    const byKey = (map: BpfMap) => [...map.entries()].sort(([a], [b]) => a[0]! - b[0]!);
    expect(byKey(openPinned(path))).toEqual(byKey(m));
    const again = createStandaloneMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 4), 2);
    restorePinned(again, path);
    expect(byKey(again)).toEqual(byKey(m));
  });

  it('accepts per-CPU values, one per CPU, and restores them', () => {
    const m = openPinned(file(percpu(), ['00000000 01000000 02000000']));
    expect(m.lookupElem(u32(0))).toEqual([u32(1), u32(2)]);
  });

  it('pins and reads back a value of 8 MiB, as the kernel takes one in an array', () => {
    const big = createStandaloneMap(spec(BPF_MAP_TYPE_ARRAY, 4, 8 << 20, 1), 1);
    const value = new Uint8Array(8 << 20).map((_, i) => i * 7);
    big.updateElem(u32(0), value);
    const path = join(dir, 'big');
    pinMap(big, path);
    expect(statSync(path).size).toBeGreaterThan(16 << 20);
    expect(Buffer.compare(openPinned(path).lookupElem(u32(0)) as Uint8Array, value)).toBe(0);
  });

  it('keeps a prog array definition but not its slots: the programs end with the process', () => {
    const { maps } = layout([spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2)]);
    initMapSlots(maps, { programs: [{ name: 'p', sectionDef: undefined }], maps: [{ name: 'jumps', initSlots: [{ kind: 'prog', index: 1, programName: 'p' }] }] });
    expect([...maps[0]!.entries()]).toHaveLength(1);
    const path = join(dir, 'jumps');
    pinMap(maps[0]!, path);
    expect([...openPinned(path).entries()]).toEqual([]);
    const reused = layout([spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2)]).maps[0]!;
    restorePinned(reused, path);
    expect([...reused.entries()]).toEqual([]);
  });

  it("keeps a devmap entry's device but not its program", () => {
    const { maps } = layout([spec(BPF_MAP_TYPE_DEVMAP, 4, 8, 4)]);
    initMapSlots(maps, { programs: [{ name: 'egress', sectionDef: findSectionDef('xdp/devmap') }], maps: [{ name: 'd', initSlots: [] }] });
    maps[0]!.updateElem(u32(1), Uint8Array.of(5, 0, 0, 0, 1, 0, 0, 0));
    const path = join(dir, 'devmap');
    pinMap(maps[0]!, path);
    expect(openPinned(path).lookupElem(u32(1))).toEqual(Uint8Array.of(5, 0, 0, 0, 0, 0, 0, 0));
  });

  it.each([
    ['a short key', file(valid(), ['0100 0a00000000000000', validLines[1]!]), 'line 2: key must be 4 bytes, got 2'],
    ['a key that is not hex', file(valid(), ['zz000000 0a00000000000000', validLines[1]!]), 'line 2: key: not hex: character 1 of 8 is not a hex digit'],
    ['an odd number of digits', file(valid(), ['01000000 0a000000000000', validLines[1]!]), 'line 2: value must be 8 bytes, got 7'],
    ['a long value', file(valid(), ['01000000 0a0000000000000000', validLines[1]!]), 'line 2 is longer than an entry of this map (25 bytes)'],
    ['a value of a hundred megabytes', file(valid(), [`01000000 ${'00'.repeat(50 << 20)}`]), 'line 2 is longer than an entry of this map (25 bytes)'],
    ['no value', file(valid(), ['01000000', validLines[1]!]), 'line 2: 1 value expected, got 0'],
    ['two values for a plain map', file(valid(), ['01000000 00 00', validLines[1]!]), 'line 2: value must be 8 bytes, got 1'],
    ['one value for a per-CPU map', file(percpu(), ['00000000 01000000']), 'line 2: 2 values expected, got 1'],
    ['too many per-CPU values', file(percpu(), ['00000000 01 02 03']), 'line 2: value (CPU 0) must be 4 bytes, got 1'],
    ['a short per-CPU value', file(percpu(), ['00000000 01000000 02']), 'line 2: value (CPU 1) must be 4 bytes, got 1'],
    ['fewer lines than entries', file(valid(), [validLines[0]!]), 'ends after 1 of the 2 entries its header declares'],
    ['more lines than entries', file(valid(), [...validLines, validLines[0]!]), 'holds more than the 2 entries its header declares'],
    ['a last line without its newline', file(`${JSON.stringify(valid())}\n${validLines[0]}\n${validLines[1]}`), 'line 3 is cut short'],
    ['more entries than max_entries', file(edit(valid(), ['entries'], 5)), '5 entries, more than spec.maxEntries (4)'],
    ['a negative entry count', file(edit(valid(), ['entries'], -1)), 'entries must be a count, got -1'],
    ['an entry count as text', file(edit(valid(), ['entries'], 'lots')), 'entries must be a count, got a string'],
    ['negative cpus', file(edit(valid(), ['cpus'], -1), validLines), 'cpus must be an integer in 1..4096, got -1'],
    ['fractional cpus', file(edit(valid(), ['cpus'], 1.5), validLines), 'cpus must be an integer in 1..4096, got 1.5'],
    ['no cpus', file(edit(valid(), ['cpus'], 0), validLines), 'cpus must be an integer in 1..4096, got 0'],
    ['too many cpus', file(edit(valid(), ['cpus'], 1e9), validLines), 'cpus must be an integer in 1..4096, got 1000000000'],
    ['cpus as text', file(edit(valid(), ['cpus'], '2'), validLines), 'cpus must be an integer in 1..4096, got a string'],
    ['negative key size', file(edit(valid(), ['spec', 'keySize'], -4)), 'spec.keySize must be an integer in 0..4294967295, got -4'],
    ['fractional value size', file(edit(valid(), ['spec', 'valueSize'], 8.5)), 'spec.valueSize must be an integer in 0..4294967295, got 8.5'],
    ['max_entries past u32', file(edit(valid(), ['spec', 'maxEntries'], 2 ** 32)), 'spec.maxEntries must be an integer in 0..4294967295, got 4294967296'],
    ['a missing type', file(edit(valid(), ['spec', 'type'], undefined)), 'spec.type must be an integer in 0..4294967295, got nothing'],
    ['flags as text', file(edit(valid(), ['spec', 'flags'], '0')), 'spec.flags must be an integer in 0..4294967295, got a string'],
    ['a numeric name', file(edit(valid(), ['spec', 'name'], 5)), 'spec.name must be a string'],
    ['no spec', file(edit(valid(), ['spec'], undefined)), 'spec must be an object'],
    ['a bad inner template', file(edit(valid(), ['spec', 'inner'], { name: 'i', type: 2, keySize: 4, valueSize: -1, maxEntries: 1, flags: 0 })), 'spec.inner.valueSize must be an integer'],
    ['an inner template with its own', file(edit(valid(), ['spec', 'inner'], { ...(valid().spec as object), inner: valid().spec })), 'spec.inner.inner: an inner map has no inner map'],
    ['frozen as text', file(edit(valid(), ['frozen'], 'yes'), validLines), 'frozen must be true or false'],
    ['another format', file(edit(valid(), ['format'], 'xdpsim-pinned-map-1')), 'not a pinned map (format is not xdpsim-pinned-map-2)'],
    ['not an object', file([1, 2]), 'not a pinned map (format is not xdpsim-pinned-map-2)'],
    ['an empty file', file(''), 'not a pinned map (its first line is not a JSON header)'],
    ['a header line of a megabyte', file(`{"format":"${'x'.repeat(1 << 20)}"}\n`), 'line 1 is longer than a pinned map header (65536 bytes)'],
  ])('refuses %s', (_, path, message) => {
    expect(refusal(path)).toContain(message);
  });

  it('says what is wrong with a file that is not JSON without quoting it', () => {
    const secret = 'hunter2-the-password\u001b[2J';
    const message = refusal(file(secret));
    expect(message).toBe(`${join(dir, `m${files - 1}`)}: not a pinned map (its first line is not a JSON header)`);
    const badHex = refusal(file(valid(), [`01000000 ${'41'.repeat(3)}zz00000000`, validLines[1]!]));
    expect(badHex).not.toMatch(/zz|41/);
  });

  it('refuses a missing file and a directory', () => {
    expect(refusal(join(dir, 'absent'))).toMatch(/no such pinned map/);
    expect(refusal(dir)).toMatch(/not a pinned map \(not a regular file\)/);
  });

  it('refuses random damage with PinError or MapError only', () => {
    const next = rng(0xc0ffee11);
    const junk: unknown[] = [null, -1, 0, 1.5, 2 ** 32, 1e308, 'x', '', '0x00', [], {}, [null], ['00'], true, 'ff'.repeat(4), -0];
    const paths: Array<Array<string | number>> = [
      ['spec', 'name'], ['spec', 'type'], ['spec', 'keySize'], ['spec', 'valueSize'], ['spec', 'maxEntries'], ['spec', 'flags'],
      ['cpus'], ['entries'], ['format'], ['spec'], ['frozen'],
    ];
    const lineJunk = ['', ' ', '00', 'zz', '0000000000000000', '\u0000', '01000000  0a00000000000000', '01000000 0a00000000000000 '];
    let restored = 0;
    for (let n = 0; n < 600; n++) {
      const odd = n % 2 === 1;
      let header = odd ? valid() : percpu();
      const lines = odd ? [...validLines] : ['00000000 01000000 02000000'];
      for (let edits = 1 + (next() % 2); edits > 0; edits--) {
        if (next() % 3 === 0) {
          lines[next() % lines.length] = lineJunk[next() % lineJunk.length]!;
          continue;
        }
        const p = paths[next() % paths.length]!;
        try {
          header = edit(header, p, junk[next() % junk.length]);
        } catch {
          // The path no longer exists after an earlier edit.
        }
      }
      try {
        const m = openPinned(file(header, lines));
        restored++;
        for (const line of lines) expect(m.lookupElem(Buffer.from(line.split(' ')[0]!, 'hex'))).toBeDefined();
      } catch (e) {
        if (!(e instanceof PinError || e instanceof MapError)) throw e;
      }
    }
    expect(restored).toBeGreaterThan(0);
  });
});

describe('pin names', () => {
  it("are the map's name with '.' made '_', as libbpf names them", () => {
    expect(pinPath('/pins', 'xdp_roda.rodata')).toBe('/pins/xdp_roda_rodata');
  });

  it.each([
    ['an empty name', '', 'map with an empty name: it cannot be pinned under /pins'],
    ['a name over NAME_MAX', 'a'.repeat(4000), "map 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': its pin name of 4000 bytes is longer than NAME_MAX (255): ENAMETOOLONG"],
    ['a name with a slash', '../../etc/passwd', "map '../../etc/passwd': a pin name cannot hold '/' or NUL"],
    ['a name with a newline', 'a\nb/c', "map 'a\\nb/c': a pin name cannot hold '/' or NUL"],
  ])('refuse %s', (_, name, message) => {
    expect(() => pinPath('/pins', name)).toThrow(new PinError(message));
  });

  it('count bytes, not characters, against NAME_MAX', () => {
    expect(() => pinPath('/pins', 'é'.repeat(128))).toThrow(/its pin name of 256 bytes/);
    expect(pinPath('/pins', 'é'.repeat(127))).toBe(`/pins/${'é'.repeat(127)}`);
  });

  it('a map with a name that cannot be pinned is never written', () => {
    const m = createStandaloneMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 4, 0, 'x'), 1);
    expect(() => pinMap(m, pinPath(dir, 'a/b'))).toThrow(PinError);
    expect(() => readFileSync(join(dir, 'a', 'b'))).toThrow(/ENOENT/);
  });
});
