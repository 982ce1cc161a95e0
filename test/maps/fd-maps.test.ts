// Maps holding references from user space: prog arrays, perf event arrays
// and maps of maps, with the answers the kernel (6.18) gave to the same
// bpf(2) calls; the ids they hold are the object's (index + 1).
import { describe, expect, it } from 'vitest';
import { initMapSlots } from '../../src/maps/presets.js';
import { ArrayOfMapsMap, HashOfMapsMap, innerMapMatches } from '../../src/maps/map-in-map.js';
import type { BpfMap } from '../../src/maps/map.js';
import { PerfEventArrayMap } from '../../src/maps/perf-event-array.js';
import { ProgArrayMap } from '../../src/maps/prog-array.js';
import {
  BPF_EXIST,
  BPF_F_INNER_MAP,
  BPF_F_NO_PREALLOC,
  BPF_F_PRESERVE_ELEMS,
  BPF_F_RDONLY_PROG,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_ARRAY_OF_MAPS,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_HASH_OF_MAPS,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_RINGBUF,
  BPF_NOEXIST,
} from '../../src/uapi/bpf.js';
import {
  E2BIG,
  EBADF,
  EEXIST,
  EINVAL,
  ENOENT,
  ENOTSUPP,
} from '../../src/uapi/errno.js';
import type { MapSpec } from '../../src/maps/types.js';
import { errnoOf, layout, spec, u32 } from './support.js';

const program = (name: string) => ({ name, sectionDef: undefined });
const link = (maps: BpfMap[], programs: string[] = [], initSlots: Array<Array<{ index: number; kind: 'map'; mapIndex: number } | { index: number; kind: 'prog'; programName: string }>> = []) =>
  initMapSlots(maps, { programs: programs.map(program), maps: maps.map((m, i) => ({ name: m.spec.name, initSlots: initSlots[i] ?? [] })) });

describe('BPF_MAP_TYPE_PROG_ARRAY', () => {
  it('takes u32 keys and values, and no program-side access flags', () => {
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 2)]))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, BPF_F_RDONLY_PROG)]))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, BPF_F_PRESERVE_ELEMS)]))).toBe(EINVAL);
  });

  it('stores program ids, fills preset slots, and tells tail calls where to jump', () => {
    const m = layout([spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 3, 0, 'jmp')]).maps[0] as ProgArrayMap;
    link([m], ['a', 'b'], [[{ index: 2, kind: 'prog', programName: 'b' }]]);
    expect(m.lookupElem(u32(2))).toEqual(u32(2));
    expect(m.programAt(2)).toBe(1);
    expect(m.programAt(0)).toBe(-1);
    expect(m.programAt(3)).toBe(-1);
    expect(m.programAt(-1)).toBe(-1); // 0xffffffff as a u32
    expect(m.lookupElem(u32(0))).toBeUndefined();
    expect(errnoOf(() => m.updateElem(u32(0), u32(9)))).toBe(EBADF);
    expect(errnoOf(() => m.updateElem(u32(0), u32(1), BPF_NOEXIST))).toBe(EINVAL);
    expect(errnoOf(() => m.updateElem(u32(5), u32(1)))).toBe(E2BIG);
    m.updateElem(u32(0), u32(1));
    expect(m.programAt(0)).toBe(0);
    expect(errnoOf(() => m.deleteElem(u32(1)))).toBe(ENOENT);
    expect(errnoOf(() => m.deleteElem(u32(5)))).toBe(E2BIG);
    m.deleteElem(u32(0));
    expect([...m.entries()]).toEqual([[u32(2), u32(2)]]);
  });

  it('reports a preset slot naming no program of the object', () => {
    const m = layout([spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 3, 0, 'jmp')]).maps[0]!;
    expect(() => link([m], ['a'], [[{ index: 0, kind: 'prog', programName: 'gone' }]])).toThrow(
      "map 'jmp': failed to initialize slot [0] to prog 'gone': EBADF",
    );
  });
});

describe('BPF_MAP_TYPE_PERF_EVENT_ARRAY', () => {
  it('takes readers, not ids, and cannot be read back', () => {
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 8, 2)]))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, BPF_F_PRESERVE_ELEMS)]))).toBe(0);
    const m = layout([spec(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2)]).maps[0] as PerfEventArrayMap;
    expect(errnoOf(() => m.lookupElem(u32(0)))).toBe(ENOTSUPP);
    expect(errnoOf(() => m.updateElem(u32(0), u32(3)))).toBe(EBADF);
    expect(errnoOf(() => m.updateElem(u32(0), u32(3), BPF_NOEXIST))).toBe(EINVAL);
    expect(errnoOf(() => m.deleteElem(u32(0)))).toBe(ENOENT);
    expect(errnoOf(() => m.deleteElem(u32(5)))).toBe(E2BIG);
    expect(errnoOf(() => m.attachReader(2))).toBe(E2BIG);
    expect(errnoOf(() => m.attachReader(0, { pages: 3 }))).toBe(EINVAL);
    const reader = m.attachReader(1, { cpu: 0, pages: 1 });
    expect(m.readerAt(1)).toBe(reader);
    expect(reader.capacity).toBe(4096);
    m.deleteElem(u32(1));
    expect(m.readerAt(1)).toBeUndefined();
    expect(m.nextKeyElem(undefined)).toEqual(u32(0));
  });
});

describe('maps of maps', () => {
  const inner = (maxEntries = 4, flags = 0, name = 'inner'): MapSpec => spec(BPF_MAP_TYPE_ARRAY, 4, 4, maxEntries, flags, name);

  it('need a template that can hold elements and is not itself a map of maps', () => {
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2)]))).toBe(EINVAL);
    const withInner = (s: MapSpec, template: MapSpec) => () => layout([{ ...s, inner: template }]);
    const aom = spec(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2);
    expect(errnoOf(withInner(aom, spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2)))).toBe(ENOTSUPP);
    expect(errnoOf(withInner(aom, { ...aom, inner: inner() }))).toBe(EINVAL);
    expect(errnoOf(withInner({ ...aom, valueSize: 8 }, inner()))).toBe(EINVAL);
    expect(errnoOf(withInner({ ...aom, keySize: 8 }, inner()))).toBe(EINVAL);
    expect(errnoOf(withInner({ ...aom, flags: BPF_F_RDONLY_PROG }, inner()))).toBe(EINVAL);
    expect(errnoOf(withInner(aom, spec(BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_INNER_MAP)))).toBe(EINVAL);
    for (const ok of [spec(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096), spec(BPF_MAP_TYPE_QUEUE, 0, 4, 2), spec(BPF_MAP_TYPE_HASH, 4, 4, 4)]) {
      expect(errnoOf(withInner(aom, ok))).toBe(0);
    }
    const hom = spec(BPF_MAP_TYPE_HASH_OF_MAPS, 8, 4, 2, BPF_F_NO_PREALLOC);
    expect(errnoOf(withInner(hom, inner()))).toBe(0);
    expect(errnoOf(withInner({ ...hom, valueSize: 8 }, inner()))).toBe(EINVAL);
  });

  it('match inner maps as bpf_map_meta_equal does', () => {
    expect(innerMapMatches(inner(4), inner(4))).toBe(true);
    expect(innerMapMatches(inner(4), inner(8))).toBe(false);
    expect(innerMapMatches(inner(4, BPF_F_INNER_MAP), inner(8, BPF_F_INNER_MAP))).toBe(true);
    expect(innerMapMatches(inner(4, BPF_F_INNER_MAP), inner(4))).toBe(false);
    expect(innerMapMatches(spec(BPF_MAP_TYPE_HASH, 4, 4, 4), spec(BPF_MAP_TYPE_HASH, 4, 4, 99))).toBe(true);
    expect(innerMapMatches(inner(), { ...inner(), valueSize: 8 })).toBe(false);
    expect(innerMapMatches(inner(), spec(BPF_MAP_TYPE_HASH, 4, 4, 4))).toBe(false);
    expect(innerMapMatches(inner(), inner(4, BPF_F_RDONLY_PROG))).toBe(false);
  });

  it('array of maps: programs get the inner map, user space its id', () => {
    const { maps, memory, scratch } = layout([
      { ...spec(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 3, 0, 'outer'), inner: inner() },
      inner(4, 0, 'a'),
      inner(8, 0, 'too_big'),
    ]);
    const outer = maps[0] as ArrayOfMapsMap;
    link(maps, [], [[{ index: 1, kind: 'map', mapIndex: 1 }]]);
    expect(outer.lookupElem(u32(1))).toEqual(u32(2));
    expect(outer.innerAt(1)).toBe(maps[1]);
    memory.view.setUint32(scratch, 1, true);
    expect(outer.lookup(scratch)).toBe(maps[1]!.address);
    memory.view.setUint32(scratch, 0, true);
    expect(outer.lookup(scratch)).toBe(0);
    expect(errnoOf(() => outer.updateElem(u32(0), u32(3)))).toBe(EINVAL);
    expect(errnoOf(() => outer.updateElem(u32(0), u32(9)))).toBe(EBADF);
    expect(errnoOf(() => outer.updateElem(u32(0), u32(2), BPF_NOEXIST))).toBe(EINVAL);
    expect(errnoOf(() => outer.updateElem(u32(0), u32(2), BPF_EXIST))).toBe(EINVAL);
    expect(errnoOf(() => outer.deleteElem(u32(0)))).toBe(ENOENT);
    outer.deleteElem(u32(1));
    expect([...outer.entries()]).toEqual([]);
  });

  it('hash of maps: plain hash flags and capacity, any max_entries for hash inner maps', () => {
    const template = spec(BPF_MAP_TYPE_HASH, 4, 4, 4);
    const { maps, memory, scratch } = layout([
      { ...spec(BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 1, 0, 'outer'), inner: template },
      spec(BPF_MAP_TYPE_HASH, 4, 4, 99, 0, 'h'),
    ]);
    const outer = maps[0] as HashOfMapsMap;
    link(maps);
    outer.updateElem(u32(5), u32(2));
    expect(errnoOf(() => outer.updateElem(u32(5), u32(2), BPF_NOEXIST))).toBe(EEXIST);
    expect(errnoOf(() => outer.updateElem(u32(6), u32(2), BPF_EXIST))).toBe(ENOENT);
    expect(errnoOf(() => outer.updateElem(u32(6), u32(2)))).toBe(E2BIG);
    expect(errnoOf(() => outer.updateElem(u32(6), u32(9)))).toBe(EBADF);
    expect(errnoOf(() => outer.deleteElem(u32(6)))).toBe(ENOENT);
    expect(outer.lookupElem(u32(5))).toEqual(u32(2));
    memory.view.setUint32(scratch, 5, true);
    expect(outer.lookup(scratch, 0)).toBe(maps[1]!.address);
  });
});
