// bpf_for_each_map_elem over maps its callback edits, against the kernel:
// every element present when the walk starts is visited exactly once, however
// the callback deletes, updates or re-inserts elements.
import { describe, expect, it } from 'vitest';
import { concat } from '../oracle/packets.js';
import { skipWithoutKernel } from '../oracle/support.js';
import type { MapUpdate } from '../oracle/kernel.js';
import { agree, fixture } from '../helpers/agreement.js';
import { u32 } from './support.js';

skipWithoutKernel();

const OBJ = fixture('for_each_edits');
const FRAME = concat(new Uint8Array(14), new Uint8Array(46));
const KEYS = Array.from({ length: 16 }, (_, i) => i + 1);
const KEY_SUM = KEYS.reduce((a, b) => a + b, 0);

const u64 = (v: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
};

const SETUP: MapUpdate[] = [
  ...['h', 'lru', 'pcpu'].flatMap((map) => KEYS.map((k) => ({ map, key: u32(k), value: u64(k * 10) }))),
  { map: 'res', key: u32(7), value: u64(5) }, // for_each_stop's limit
];

/** [calls, sum of keys seen, helper's return] as the program stored them. */
function walkReport(maps: Record<string, Array<[string, unknown]>>): number[] {
  return maps.res!.slice(0, 3).map(([, v]) => Number(Buffer.from(v as string, 'hex').readBigUint64LE(0)));
}

const keysOf = (rows: Array<[string, unknown]>): number[] => rows.map(([k]) => Buffer.from(k, 'hex').readUint32LE(0)).sort((a, b) => a - b);

describe('bpf_for_each_map_elem with a callback that edits the map', () => {
  it('deleting the current element: each element once (hash)', () => {
    const { kernel } = agree(OBJ, 'for_each_delete', [FRAME], SETUP);
    expect(walkReport(kernel.maps)).toEqual([16, KEY_SUM, 16]);
    expect(keysOf(kernel.maps.h!)).toEqual(KEYS.filter((k) => k % 2 === 1));
  });

  it('deleting the current element: each element once (LRU hash)', () => {
    const { kernel } = agree(OBJ, 'for_each_lru_delete', [FRAME], SETUP);
    expect(walkReport(kernel.maps)).toEqual([16, KEY_SUM, 16]);
    expect(keysOf(kernel.maps.lru!)).toEqual(KEYS.filter((k) => k % 2 === 1));
  });

  it('updating the current element, deleting some: each element once', () => {
    const { kernel } = agree(OBJ, 'for_each_update', [FRAME], SETUP);
    expect(walkReport(kernel.maps)).toEqual([16, KEY_SUM, 16]);
    expect(keysOf(kernel.maps.h!)).toEqual(KEYS.filter((k) => k % 3 !== 0));
    const values = kernel.maps.h!.map(([k, v]) => [Buffer.from(k, 'hex').readUint32LE(0), Number(Buffer.from(v as string, 'hex').readBigUint64LE(0))]);
    for (const [k, v] of values) expect(v).toBe(k! * 30 + k!);
  });

  it('updating the current element of a per-CPU hash writes this CPU only', () => {
    const { kernel } = agree(OBJ, 'for_each_percpu_update', [FRAME], SETUP);
    expect(walkReport(kernel.maps)).toEqual([16, KEY_SUM, 16]);
    expect(keysOf(kernel.maps.pcpu!)).toEqual(KEYS.filter((k) => k % 3 !== 0));
  });

  it('deleting and re-inserting the current element does not visit it again', () => {
    const { kernel } = agree(OBJ, 'for_each_reinsert', [FRAME], SETUP);
    expect(walkReport(kernel.maps)).toEqual([16, KEY_SUM, 16]);
    expect(kernel.maps.h!.map(([k, v]) => Number(Buffer.from(v as string, 'hex').readBigUint64LE(0)) - Buffer.from(k, 'hex').readUint32LE(0) * 10)).toEqual(KEYS.map(() => 100));
  });

  it('a callback returning 1 stops the walk, and that element counts', () => {
    const { kernel } = agree(OBJ, 'for_each_stop', [FRAME], SETUP);
    expect(walkReport(kernel.maps)).toEqual([5, 0, 5]);
  });
});
