// Shared pieces of the tests that use the kernel oracle: where the examples
// live, running an object in xdpsim checked against the kernel, skipping with
// the kernel's reason when BPF is unusable, and reading the results.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, expect } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { dumpMapsHex } from '../../src/maps/dump.js';
import { runFrame } from '../../src/testrun/line.js';
import { sortedMaps } from '../helpers/agreement.js';
import { skipBecause } from '../support/skip.js';
import {
  kernelAvailable,
  runInKernel,
  type FrameResult,
  type FrameRun,
  type KernelRun,
  type KernelRunOptions,
  type MapValue,
} from './kernel.js';

const EXAMPLES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');

export function example(name: string): string {
  return join(EXAMPLES_DIR, `${name}.o`);
}

/** Why the kernel oracle cannot run here, worded for a skip line; undefined when it can. */
export function kernelMissing(): string | undefined {
  const k = kernelAvailable();
  return k.ok ? undefined : `kernel oracle unavailable: ${k.reason}`;
}

/** Every test in the calling file is skipped where BPF is unusable, after one line saying why. */
export function skipWithoutKernel(): void {
  const missing = kernelMissing();
  if (missing === undefined) return;
  skipBecause(missing);
  beforeEach((ctx) => ctx.skip());
}

/** What a run gives: one result per frame and the dumpable maps, as the kernel harness prints them. */
export type Run = Pick<KernelRun, 'frames' | 'maps'>;

/**
 * Runs a program of `objPath` on `frames` in xdpsim, after `setup`, and
 * returns what it gave. Where the kernel can run BPF the same run goes
 * through it too and must give the same results and maps, so what the
 * caller then expects of the returned run holds for both.
 */
export function runCompared(objPath: string, options: KernelRunOptions): Run {
  const obj = loadObject(objPath);
  for (const u of options.setup ?? []) obj.map(u.map).updateElem(u.key, u.value);
  const program = obj.program({ section: options.sec, program: options.program });
  const frames = options.frames.map((frame, i): FrameResult => {
    // `reason` is xdpsim's own explanation of a refused frame; the kernel gives only errno.
    const { reason: _reason, ...line } = runFrame(program, i, frame) as FrameResult & { reason?: string };
    return line;
  });
  const ours: Run = { frames, maps: dumpMapsHex(obj.maps) };
  if (kernelAvailable().ok) {
    const kernel = runInKernel(objPath, options);
    expect(ours.frames, 'xdpsim gave other results than the kernel').toEqual(kernel.frames);
    expect(sortedMaps(ours.maps), 'xdpsim left other map contents than the kernel').toEqual(sortedMaps(kernel.maps));
  }
  return ours;
}

/** In a file using runCompared: says once, where BPF is unusable, that xdpsim's results go unchecked by the kernel. */
export function sayWhereKernelMissing(): void {
  const missing = kernelMissing();
  if (missing !== undefined) skipBecause(`comparing with the kernel: ${missing}`);
}

export function ran(r: FrameResult | undefined): FrameRun {
  if (r === undefined || !('verdict' in r)) throw new Error(`expected a run, got ${JSON.stringify(r)}`);
  return r;
}

export function verdicts(run: Run): Array<number | string> {
  return run.frames.map((f) => ('verdict' in f ? f.verdict : f.err));
}

export function mapValue(run: Run, map: string, keyHex: string): MapValue {
  const entries = run.maps[map];
  if (entries === undefined) throw new Error(`no map ${map} in ${Object.keys(run.maps).join(', ')}`);
  const entry = entries.find(([k]) => k === keyHex);
  if (entry === undefined) throw new Error(`no key ${keyHex} in map ${map}`);
  return entry[1];
}

/** The value on CPU 0 of a per-CPU map entry, after checking every other CPU holds zeros. */
export function cpu0(value: MapValue): string {
  if (!Array.isArray(value)) throw new Error(`expected a per-CPU value, got ${value}`);
  for (const other of value.slice(1)) expect(other).toMatch(/^(00)*$/);
  return value[0]!;
}

export function plain(value: MapValue): string {
  if (Array.isArray(value)) throw new Error('expected a single value, got a per-CPU one');
  return value;
}

export function u32le(hexValue: string, offset: number): number {
  return Buffer.from(hexValue, 'hex').readUInt32LE(offset);
}

export function u64le(hexValue: string, offset: number): bigint {
  return Buffer.from(hexValue, 'hex').readBigUInt64LE(offset);
}

export function s64le(hexValue: string, offset: number): bigint {
  return Buffer.from(hexValue, 'hex').readBigInt64LE(offset);
}

export function keyU32(index: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(index);
  return b.toString('hex');
}
