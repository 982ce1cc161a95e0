// Shared pieces of the oracle tests: where the examples live, skipping with
// the kernel's reason when BPF is unusable, and reading the harness output.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, expect } from 'vitest';
import { kernelAvailable, type FrameResult, type FrameRun, type KernelRun, type MapValue } from './kernel.js';

const EXAMPLES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');

export const XDP_ABORTED = 0;
export const XDP_DROP = 1;
export const XDP_PASS = 2;
export const XDP_TX = 3;
export const XDP_REDIRECT = 4;

export function example(name: string): string {
  return join(EXAMPLES_DIR, `${name}.o`);
}

/** Every test in the calling file is skipped, with the reason, where BPF is unusable. */
export function skipWithoutKernel(): void {
  beforeEach((ctx) => {
    const k = kernelAvailable();
    if (!k.ok) ctx.skip(k.reason);
  });
}

export function ran(r: FrameResult | undefined): FrameRun {
  if (r === undefined || !('verdict' in r)) throw new Error(`expected a run, got ${JSON.stringify(r)}`);
  return r;
}

export function verdicts(run: KernelRun): Array<number | string> {
  return run.frames.map((f) => ('verdict' in f ? f.verdict : f.err));
}

export function mapValue(run: KernelRun, map: string, keyHex: string): MapValue {
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
