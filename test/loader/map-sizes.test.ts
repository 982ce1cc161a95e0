// libbpf's and the kernel's map rules on real objects: a perf event array
// declared without max_entries gets one entry per possible CPU, and an array
// of 1.6 GB, which the kernel creates on a machine with the memory for it
// (test/elf/kernel.test.ts loads this object into the kernel), loads and runs.
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { possibleCpus } from '../../src/loader/cpus.js';
import { loadObject } from '../../src/loader/load.js';
import { runFrame } from '../../src/testrun/line.js';
import { kernelAvailable, runInKernel } from '../oracle/kernel.js';
import { skipBecause } from '../support/skip.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/objects');
const FRAME = new Uint8Array(60);

describe('a perf event array declared without max_entries', () => {
  const obj = join(FIXTURES, 'perf_event_cpus.bpf.o');

  it('gets one entry per possible CPU, as libbpf gives it', () => {
    expect(loadObject(obj).map('events').spec.maxEntries).toBe(possibleCpus());
    expect(loadObject(obj, { cpus: 5 }).map('events').spec.maxEntries).toBe(5);
  });

  const kernel = kernelAvailable();
  if (!kernel.ok) skipBecause(`running it in the kernel: ${kernel.reason}`);
  it.runIf(kernel.ok)('runs as in the kernel', () => {
    const ours = runFrame(loadObject(obj).program(), 0, FRAME);
    expect(ours).toMatchObject({ verdict: 2 }); // bpf_perf_event_output to the CPU's own entry: -ENOENT, no reader
    expect([ours]).toEqual(runInKernel(obj, { program: 'xdp_perf_cpus', frames: [FRAME] }).frames);
  });
});

describe('an array map of 1.6 GB', () => {
  it('loads and runs, its last page in reach', () => {
    const obj = loadObject(join(FIXTURES, 'big_array.bpf.o'));
    const pages = obj.map('pages');
    expect(pages.spec).toMatchObject({ valueSize: 4096, maxEntries: 400_000 });
    expect(obj.memory.buffer.byteLength).toBeGreaterThan(4096 * 400_000);
    const program = obj.program();
    for (let i = 0; i < 3; i++) expect(runFrame(program, i, FRAME)).toMatchObject({ verdict: 2 });
    const last = pages.lookupElem(Uint8Array.of(0x7f, 0x1a, 0x06, 0x00)) as Uint8Array; // key 399999
    expect(new DataView(last.buffer, last.byteOffset).getBigUint64(511 * 8, true)).toBe(3n);
  });
});
