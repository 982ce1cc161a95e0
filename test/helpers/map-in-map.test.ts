// Maps of maps in a real object: a program's lookup of the outer map yields
// the inner map, which the map helpers then take, as in the kernel. Also the
// program array of examples/xdp_tailcall, filled from its `.values`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseObject } from '../../src/elf/index.js';
import { loadObject } from '../../src/loader/load.js';
import { initMapSlots } from '../../src/maps/presets.js';
import type { ProgArrayMap } from '../../src/maps/prog-array.js';
import { concat, le32 } from '../oracle/packets.js';
import { example, skipWithoutKernel } from '../oracle/support.js';
import { layout, spec } from '../maps/support.js';
import { agree, fixture } from './agreement.js';

skipWithoutKernel();

const frames = [0, 1, 2, 3, 1, 7].map((k) => concat(new Uint8Array(14), le32(k), new Uint8Array(42)));

describe('maps of maps', () => {
  const OBJ = fixture('map_in_map');

  it('array of maps and hash of maps agree with the kernel', () => {
    for (const program of ['xdp_array_of_maps', 'xdp_hash_of_maps']) agree(OBJ, program, frames);
  });
});

describe('program arrays', () => {
  it('examples/xdp_tailcall: the preset handlers are programs of the object', () => {
    const loaded = loadObject(example('xdp_tailcall'));
    const preset = loaded.map('handlers') as ProgArrayMap;
    expect([0, 1, 2].map((i) => loaded.programs[preset.programAt(i)]?.name)).toEqual(['xdp_handle_ipv4', 'xdp_handle_ipv6', undefined]);
    // Linking by hand gives the same slots.
    const object = parseObject(new Uint8Array(readFileSync(example('xdp_tailcall'))));
    const { maps } = layout(object.maps.map((d) => spec(d.type, d.keySize, d.valueSize, d.maxEntries, d.mapFlags, d.name)));
    initMapSlots(maps, object);
    const handlers = maps[object.maps.findIndex((d) => d.name === 'handlers')] as ProgArrayMap;
    const names = object.programs.map((p) => p.name);
    expect([0, 1, 2].map((i) => names[handlers.programAt(i)])).toEqual(['xdp_handle_ipv4', 'xdp_handle_ipv6', undefined]);
    expect(handlers.lookupElem(le32(1))).toEqual(le32(names.indexOf('xdp_handle_ipv6') + 1));
  });
});
