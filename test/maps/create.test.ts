// createMap is the one door every map goes through (ELF definitions, pinned
// files, the API): a definition whose numbers no `union bpf_attr` could carry
// is refused there with EINVAL, before any size arithmetic.
import { describe, expect, it } from 'vitest';
import { createMap } from '../../src/maps/create.js';
import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH } from '../../src/uapi/bpf.js';
import { E2BIG, EINVAL } from '../../src/uapi/errno.js';
import { MapError, type MapSpec } from '../../src/maps/types.js';
import { errnoOf, spec } from './support.js';

const refusal = (s: MapSpec, cpus = 2): string => {
  try {
    createMap(s, cpus);
  } catch (e) {
    expect(e).toBeInstanceOf(MapError);
    expect((e as MapError).errno).toBe(EINVAL);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('createMap field checks', () => {
  it.each([
    ['keySize', 1.5],
    ['keySize', -4],
    ['valueSize', Number.NaN],
    ['valueSize', Number.POSITIVE_INFINITY],
    ['maxEntries', 2 ** 32],
    ['maxEntries', 0.5],
    ['type', -1],
    ['flags', 2 ** 40],
    ['flags', '0'],
  ] as const)('refuses %s = %s', (field, value) => {
    const s = { ...spec(BPF_MAP_TYPE_HASH, 4, 8, 16), [field]: value } as MapSpec;
    expect(refusal(s)).toContain(`${field} ${String(value)} is not a u32`);
  });

  it('refuses a name that is not a string', () => {
    expect(refusal({ ...spec(BPF_MAP_TYPE_HASH, 4, 8, 16), name: 7 as unknown as string })).toContain('map name must be a string');
  });

  it.each([0, -1, 1.5, 4097, Number.NaN])('refuses %s possible CPUs', (cpus) => {
    expect(refusal(spec(BPF_MAP_TYPE_ARRAY, 4, 8, 16), cpus)).toContain('possible CPUs is not in 1..4096');
  });

  it('checks an inner map template the same way', () => {
    const outer: MapSpec = { ...spec(12, 4, 4, 4), inner: { ...spec(BPF_MAP_TYPE_ARRAY, 4, 8, 1), valueSize: -8 } };
    expect(refusal(outer)).toContain('valueSize -8 is not a u32');
  });

  it('accepts the largest u32 values where the type allows them, refusing by size', () => {
    // More than 2^27 entries round a hash's bucket count past what a u32 can size: E2BIG, as the kernel says.
    expect(errnoOf(() => createMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 0xffffffff, 0), 1))).toBe(E2BIG);
    expect(errnoOf(() => createMap(spec(BPF_MAP_TYPE_HASH, 4, 8, 16, 0), 4096))).toBe(0);
  });
});
