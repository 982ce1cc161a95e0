import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BpfMap } from './map.js';
import { hex, type HexValue } from './dump.js';
import { EINVAL, MapError, type MapSpec } from './types.js';

/**
 * A pinned map, as a file: the simulator's bpffs. `bpftool map pin` keeps a map
 * alive under a path; here the path holds the map's definition and contents,
 * so a later process (another `xdpsim run`, `xdpsim map dump pinned`) gets the
 * same map back.
 */
export interface PinnedMap {
  format: 'xdpsim-pinned-map-1';
  spec: MapSpec;
  cpus: number;
  entries: Array<[string, HexValue]>;
}

export class PinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PinError';
  }
}

export function snapshot(map: BpfMap): PinnedMap {
  return {
    format: 'xdpsim-pinned-map-1',
    spec: { ...map.spec },
    cpus: map.cpus,
    entries: map.entries().map(([k, v]) => [hex(k), Array.isArray(v) ? v.map(hex) : hex(v)]),
  };
}

/** Writes the map to `path` (atomically: a reader never sees half a file). */
export function pinMap(map: BpfMap, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(snapshot(map)) + '\n');
  renameSync(tmp, path);
}

const fromHex = (text: string, what: string, path: string): Uint8Array => {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new PinError(`${path}: ${what} is not hex`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
};

export function readPinned(path: string): PinnedMap {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PinError(code === 'ENOENT' ? `${path}: no such pinned map` : `${path}: not a pinned map (${(e as Error).message})`);
  }
  const p = parsed as Partial<PinnedMap>;
  if (p.format !== 'xdpsim-pinned-map-1' || !p.spec || !Array.isArray(p.entries) || typeof p.cpus !== 'number') {
    throw new PinError(`${path}: not a pinned map`);
  }
  return p as PinnedMap;
}

/**
 * libbpf's map_is_reuse_compat: a pinned map is reused only when type, sizes,
 * max_entries and flags all match; otherwise loading fails.
 */
export function checkReuse(map: BpfMap, pinned: PinnedMap, path: string): void {
  const a = map.spec;
  const b = pinned.spec;
  const same = a.type === b.type && a.keySize === b.keySize && a.valueSize === b.valueSize && a.maxEntries === b.maxEntries && a.flags === b.flags;
  if (!same || map.cpus !== pinned.cpus) {
    throw new MapError(EINVAL, `couldn't reuse pinned map at '${path}': parameter mismatch`);
  }
}

/** Fills `map` with the pinned entries (the map must be empty or an array). */
export function restore(map: BpfMap, pinned: PinnedMap, path: string): void {
  checkReuse(map, pinned, path);
  for (const [k, v] of pinned.entries) {
    const key = fromHex(k, 'key', path);
    const value = Array.isArray(v) ? v.map((x) => fromHex(x, 'value', path)) : fromHex(v, 'value', path);
    map.updateElem(key, value);
  }
}
