// Running one program of a test object through the kernel oracle and through
// xdpsim with the same setup and frames, for the helper tests.
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { loadObject, type LoadedObject, type LoadOptions } from '../../src/loader/load.js';
import { dumpMapsHex } from '../../src/maps/dump.js';
import { runFrame } from '../../src/testrun/line.js';
import { runInKernel, type KernelRun, type MapUpdate } from '../oracle/kernel.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/objects');
export const fixture = (name: string): string => resolve(FIXTURES, `${name}.bpf.o`);

export interface Agreement {
  kernel: KernelRun;
  obj: LoadedObject;
  /** Our result lines, without xdpsim's own `reason`. */
  ours: Array<Record<string, unknown>>;
}


/** Sorts each map's entries by key, since hash maps iterate in different orders. */
export function sortedMaps(maps: Record<string, Array<[string, unknown]>>): Record<string, Array<[string, unknown]>> {
  return Object.fromEntries(Object.entries(maps).map(([k, v]) => [k, [...v].sort((a, b) => a[0].localeCompare(b[0]))]));
}

/**
 * Runs `program` of `objPath` on `frames` in the kernel and in xdpsim, after
 * `setup` (and with `options` for our load only, e.g. the device MTU and
 * FIB), and expects the same lines and the same dumpable maps.
 */
export function agree(
  objPath: string,
  program: string,
  frames: readonly Uint8Array[],
  setup: readonly MapUpdate[] = [],
  options: LoadOptions = {},
): Agreement {
  const kernel = runInKernel(objPath, { program, setup, frames });
  const obj = loadObject(objPath, options);
  for (const u of setup) obj.map(u.map).updateElem(u.key, u.value);
  const prog = obj.program({ program });
  const ours = frames.map((frame, i) => {
    const { reason: _reason, ...line } = runFrame(prog, i, frame) as Record<string, unknown>;
    return line;
  });
  expect(ours).toEqual(kernel.frames);
  expect(sortedMaps(dumpMapsHex(obj.maps))).toEqual(sortedMaps(kernel.maps));
  return { kernel, obj, ours };
}
