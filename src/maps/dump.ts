import type { TextOut } from './format.js';
import type { BpfMap, MapValue } from './map.js';
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LPM_TRIE,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
} from '../uapi/bpf.js';

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

const entryHex = ([k, v]: [Uint8Array, MapValue]): [string, HexValue] => [hex(k), Array.isArray(v) ? v.map(hex) : hex(v)];

/**
 * Every dumpable map as [key hex, value hex] pairs in get_next_key order:
 * the `{"maps": ...}` line of `xdpsim run --jsonl` and of the kernel
 * oracle, as an object (with no prototype, so a map named `__proto__` is a
 * map like any other). For maps of any size, writeMapsHex streams it.
 */
export function dumpMapsHex(maps: ReadonlyMap<string, BpfMap>): Record<string, Array<[string, HexValue]>> {
  const out = Object.create(null) as Record<string, Array<[string, HexValue]>>;
  for (const [name, map] of maps) if (DUMPABLE.has(map.spec.type)) out[name] = Array.from(map.entries(), entryHex);
  return out;
}

/** Writes dumpMapsHex's object as one JSON line, entry by entry. */
export async function writeMapsHex(maps: ReadonlyMap<string, BpfMap>, out: TextOut): Promise<void> {
  out.write('{"maps":{');
  let mapSep = '';
  for (const [name, map] of maps) {
    if (!DUMPABLE.has(map.spec.type)) continue;
    out.write(`${mapSep}${JSON.stringify(name)}:[`);
    mapSep = ',';
    let sep = '';
    for (const entry of map.entries()) {
      out.write(sep + JSON.stringify(entryHex(entry)));
      sep = ',';
      await out.drain();
    }
    out.write(']');
  }
  out.write('}}\n');
}
