import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseHexStrict } from '../loader/hex.js';
import { hex, type HexValue } from './dump.js';
import { forcedFlags } from './create.js';
import type { BpfMap } from './map.js';
import { createStandaloneMap } from './standalone.js';
import {
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  EINVAL,
  isU32,
  MapError,
  MAX_CPUS,
  type MapSpec,
} from './types.js';

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
  /** Frozen (bpf_map_freeze, as libbpf freezes .rodata): user space may not change it. */
  frozen: boolean;
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
    frozen: map.isFrozen,
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

const PERCPU_TYPES: ReadonlySet<number> = new Set([BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_LRU_PERCPU_HASH]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks that a field is hex for exactly `size` bytes. */
function checkHex(v: unknown, size: number, field: string, path: string): void {
  if (typeof v !== 'string') throw new PinError(`${path}: ${field} must be a hex string`);
  let bytes: Uint8Array;
  try {
    bytes = parseHexStrict(v);
  } catch (e) {
    throw new PinError(`${path}: ${field}: ${(e as Error).message}`);
  }
  if (bytes.length !== size) throw new PinError(`${path}: ${field} must be ${size} bytes, got ${bytes.length}`);
}

/** A map definition as createMap takes it: u32 fields (createMap applies the per-type rules). */
function specField(v: unknown, field: string, path: string, nested: boolean): MapSpec {
  if (!isObject(v)) throw new PinError(`${path}: ${field} must be an object`);
  if (typeof v.name !== 'string') throw new PinError(`${path}: ${field}.name must be a string`);
  const spec: MapSpec = { name: v.name, type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0 };
  for (const key of ['type', 'keySize', 'valueSize', 'maxEntries', 'flags'] as const) {
    const n = v[key];
    if (!isU32(n)) throw new PinError(`${path}: ${field}.${key} must be an integer in 0..4294967295, got ${JSON.stringify(n)}`);
    spec[key] = n;
  }
  if (v.inner !== undefined) {
    if (nested) throw new PinError(`${path}: ${field}.inner: an inner map has no inner map`);
    spec.inner = specField(v.inner, `${field}.inner`, path, true);
  }
  return spec;
}

/**
 * Reads and checks a pinned map file: every field has the type and range
 * the map needs, and every key and value the map's sizes, so that restoring
 * it fails only as the map itself refuses an update.
 */
export function readPinned(path: string): PinnedMap {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PinError(code === 'ENOENT' ? `${path}: no such pinned map` : `${path}: not a pinned map (${(e as Error).message})`);
  }
  if (!isObject(parsed) || parsed.format !== 'xdpsim-pinned-map-1') throw new PinError(`${path}: not a pinned map (format)`);
  const spec = specField(parsed.spec, 'spec', path, false);
  const cpus = parsed.cpus;
  if (!Number.isInteger(cpus) || (cpus as number) < 1 || (cpus as number) > MAX_CPUS) {
    throw new PinError(`${path}: cpus must be an integer in 1..${MAX_CPUS}, got ${JSON.stringify(cpus)}`);
  }
  const raw = parsed.entries;
  if (!Array.isArray(raw)) throw new PinError(`${path}: entries must be an array`);
  if (raw.length > spec.maxEntries) throw new PinError(`${path}: entries holds ${raw.length} elements, more than spec.maxEntries (${spec.maxEntries})`);
  const percpu = PERCPU_TYPES.has(spec.type);
  const entries = raw.map((e: unknown, i): [string, HexValue] => {
    const field = `entries[${i}]`;
    if (!Array.isArray(e) || e.length !== 2) throw new PinError(`${path}: ${field} must be a [key, value] pair`);
    const [k, v] = e as [unknown, unknown];
    checkHex(k, spec.keySize, `${field} key`, path);
    if (!percpu) {
      checkHex(v, spec.valueSize, `${field} value`, path);
      return [k as string, v as string];
    }
    if (!Array.isArray(v) || v.length !== cpus) throw new PinError(`${path}: ${field} value must be an array of ${cpus} per-CPU values`);
    v.forEach((x: unknown, c) => checkHex(x, spec.valueSize, `${field} value (CPU ${c})`, path));
    return [k as string, v as string[]];
  });
  const frozen = parsed.frozen ?? false;
  if (typeof frozen !== 'boolean') throw new PinError(`${path}: frozen must be true or false`);
  return { format: 'xdpsim-pinned-map-1', spec, cpus: cpus as number, frozen, entries };
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

/** Fills `map` with the entries of a pinned map `readPinned` returned (the map must be empty or an array). */
export function restore(map: BpfMap, pinned: PinnedMap, path: string): void {
  checkReuse(map, pinned, path);
  for (const [k, v] of pinned.entries) map.updateElem(parseHexStrict(k), Array.isArray(v) ? v.map(parseHexStrict) : parseHexStrict(v));
  if (pinned.frozen) map.freeze();
}

/**
 * The map pinned at `path`, re-created with its contents. The spec was written
 * as the map reports it, with the flags its type forces; those are taken off
 * again before creating, as a creation request may not carry them.
 */
export function openPinned(path: string): BpfMap {
  const pinned = readPinned(path);
  const spec = { ...pinned.spec, flags: pinned.spec.flags & ~forcedFlags(pinned.spec.type) };
  const map = createStandaloneMap(spec, pinned.cpus);
  restore(map, pinned, path);
  return map;
}
