// Pinned-map files: a round trip keeps the map, and a damaged or hostile file
// is refused with a PinError naming the field, never a TypeError or
// RangeError and never a half-restored map.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHexStrict } from '../../src/loader/hex.js';
import { PinError, pinMap, readPinned, restore, type PinnedMap } from '../../src/maps/pin.js';
import { createStandaloneMap } from '../../src/maps/standalone.js';
import { BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_ARRAY, MapError } from '../../src/maps/types.js';
import { rng } from './lpm-support.js';
import { spec, u32 } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'xdpsim-pin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(content: unknown): string {
  const path = join(dir, `m${files++}`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const valid = (): Record<string, unknown> => ({
  format: 'xdpsim-pinned-map-1',
  spec: { name: 'h', type: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 4, flags: 0 },
  cpus: 2,
  entries: [['01000000', '0a00000000000000'], ['02000000', '1400000000000000']],
});

const percpu = (): Record<string, unknown> => ({
  format: 'xdpsim-pinned-map-1',
  spec: { name: 'p', type: BPF_MAP_TYPE_PERCPU_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0 },
  cpus: 2,
  entries: [['00000000', ['01000000', '02000000']]],
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

/** The PinError message readPinned gives for `content`. */
function refusal(content: unknown): string {
  try {
    readPinned(file(content));
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
    const path = join(dir, 'round');
    pinMap(m, path);
    const pinned = readPinned(path);
    const again = createStandaloneMap(pinned.spec, pinned.cpus);
    restore(again, pinned, path);
    expect(again.entries()).toEqual(m.entries());
  });

  it('accepts per-CPU values, one per CPU, and restores them', () => {
    const pinned: PinnedMap = readPinned(file(percpu()));
    const m = createStandaloneMap(pinned.spec, pinned.cpus);
    restore(m, pinned, 'p');
    expect(m.lookupElem(u32(0))).toEqual([u32(1), u32(2)]);
  });

  it.each([
    ['entries: [null]', edit(valid(), ['entries'], [null]), 'entries[0] must be a [key, value] pair'],
    ['an entry of three', edit(valid(), ['entries', 0], ['01000000', '00', '00']), 'entries[0] must be a [key, value] pair'],
    ['entries not an array', edit(valid(), ['entries'], {}), 'entries must be an array'],
    ['a short key', edit(valid(), ['entries', 0, 0], '0100'), 'entries[0] key must be 4 bytes, got 2'],
    ['a numeric key', edit(valid(), ['entries', 1, 0], 1), 'entries[1] key must be a hex string'],
    ['a value that is not hex', edit(valid(), ['entries', 0, 1], 'zz00000000000000'), 'entries[0] value: "zz00000000000000" is not an even number of hex digits'],
    ['a long value', edit(valid(), ['entries', 0, 1], '00'.repeat(9)), 'entries[0] value must be 8 bytes, got 9'],
    ['per-CPU values for a plain map', edit(valid(), ['entries', 0, 1], ['0a00000000000000', '0a00000000000000']), 'entries[0] value must be a hex string'],
    ['one value for a per-CPU map', edit(percpu(), ['entries', 0, 1], '01000000'), 'entries[0] value must be an array of 2 per-CPU values'],
    ['too few per-CPU values', edit(percpu(), ['entries', 0, 1], ['01000000']), 'entries[0] value must be an array of 2 per-CPU values'],
    ['a short per-CPU value', edit(percpu(), ['entries', 0, 1], ['01000000', '02']), 'entries[0] value (CPU 1) must be 4 bytes, got 1'],
    ['more entries than max_entries', edit(valid(), ['entries'], Array.from({ length: 5 }, (_, i) => [`0${i}000000`, '00'.repeat(8)])), 'entries holds 5 elements, more than spec.maxEntries (4)'],
    ['negative cpus', edit(valid(), ['cpus'], -1), 'cpus must be an integer in 1..4096, got -1'],
    ['fractional cpus', edit(valid(), ['cpus'], 1.5), 'cpus must be an integer in 1..4096, got 1.5'],
    ['no cpus', edit(valid(), ['cpus'], 0), 'cpus must be an integer in 1..4096, got 0'],
    ['too many cpus', edit(valid(), ['cpus'], 1e9), 'cpus must be an integer in 1..4096, got 1000000000'],
    ['cpus as text', edit(valid(), ['cpus'], '2'), 'cpus must be an integer in 1..4096, got "2"'],
    ['negative key size', edit(valid(), ['spec', 'keySize'], -4), 'spec.keySize must be an integer in 0..4294967295, got -4'],
    ['fractional value size', edit(valid(), ['spec', 'valueSize'], 8.5), 'spec.valueSize must be an integer in 0..4294967295, got 8.5'],
    ['max_entries past u32', edit(valid(), ['spec', 'maxEntries'], 2 ** 32), 'spec.maxEntries must be an integer in 0..4294967295, got 4294967296'],
    ['a missing type', edit(valid(), ['spec', 'type'], undefined), 'spec.type must be an integer in 0..4294967295, got undefined'],
    ['flags as text', edit(valid(), ['spec', 'flags'], '0'), 'spec.flags must be an integer in 0..4294967295, got "0"'],
    ['a numeric name', edit(valid(), ['spec', 'name'], 5), 'spec.name must be a string'],
    ['no spec', edit(valid(), ['spec'], undefined), 'spec must be an object'],
    ['a bad inner template', edit(valid(), ['spec', 'inner'], { name: 'i', type: 2, keySize: 4, valueSize: -1, maxEntries: 1, flags: 0 }), 'spec.inner.valueSize must be an integer'],
    ['an inner template with its own', edit(valid(), ['spec', 'inner'], { ...(valid().spec as object), inner: valid().spec }), 'spec.inner.inner: an inner map has no inner map'],
    ['another format', edit(valid(), ['format'], 'xdpsim-pinned-map-0'), 'not a pinned map (format)'],
    ['not an object', [1, 2], 'not a pinned map (format)'],
    ['not JSON', '{"format":', 'not a pinned map ('],
  ])('refuses %s', (_, content, message) => {
    expect(refusal(content)).toContain(message);
  });

  it('refuses a missing file', () => {
    expect(() => readPinned(join(dir, 'absent'))).toThrow(/no such pinned map/);
  });

  it('refuses random damage with PinError or MapError only, never restoring a map partly', () => {
    const next = rng(0xc0ffee11);
    const junk: unknown[] = [null, -1, 0, 1.5, 2 ** 32, 1e308, 'x', '', '0x00', [], {}, [null], ['00'], true, 'ff'.repeat(4), -0];
    const paths: Array<Array<string | number>> = [
      ['spec', 'name'], ['spec', 'type'], ['spec', 'keySize'], ['spec', 'valueSize'], ['spec', 'maxEntries'], ['spec', 'flags'],
      ['cpus'], ['entries'], ['entries', 0], ['entries', 1, 0], ['entries', 1, 1], ['format'], ['spec'],
    ];
    for (let n = 0; n < 600; n++) {
      let content = n % 2 ? valid() : percpu();
      for (let edits = 1 + (next() % 2); edits > 0; edits--) {
        const p = paths[next() % paths.length]!;
        try {
          content = edit(content, p, junk[next() % junk.length]);
        } catch {
          // The path no longer exists after an earlier edit.
        }
      }
      const path = file(content);
      try {
        const pinned = readPinned(path);
        const m = createStandaloneMap(pinned.spec, pinned.cpus);
        restore(m, pinned, path);
        for (const [k] of pinned.entries) expect(m.lookupElem(parseHexStrict(k))).toBeDefined();
      } catch (e) {
        if (!(e instanceof PinError || e instanceof MapError)) throw e;
      }
    }
  });
});
