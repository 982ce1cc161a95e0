import type { BpfMap } from './map.js';
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LPM_TRIE,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
} from './types.js';

/** Map types whose contents are plain data worth dumping (not fds, rings or programs). */
const DUMPABLE = new Set([
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_LPM_TRIE,
]);

export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** A value in hex, or one hex string per possible CPU. */
export type HexValue = string | string[];

/**
 * Every dumpable map as [key hex, value hex] pairs in get_next_key order:
 * the `{"maps": ...}` line of `xdpsim run --jsonl` and of the kernel oracle.
 */
export function dumpMapsHex(maps: ReadonlyMap<string, BpfMap>): Record<string, Array<[string, HexValue]>> {
  const out: Record<string, Array<[string, HexValue]>> = {};
  for (const [name, map] of maps) {
    if (!DUMPABLE.has(map.spec.type)) continue;
    out[name] = map.entries().map(([k, v]) => [hex(k), Array.isArray(v) ? v.map(hex) : hex(v)]);
  }
  return out;
}
