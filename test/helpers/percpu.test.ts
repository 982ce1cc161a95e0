// bpf_map_lookup_percpu_elem against the kernel: the value on CPU 0 (which
// the program, running there, has just changed) and on the other CPUs,
// NULL for CPUs past the possible ones and for keys not there.
import { describe, expect, it } from 'vitest';
import { possibleCpus } from '../../src/loader/cpus.js';
import { concat, le32 } from '../oracle/packets.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';

skipWithoutKernel();

const CPUS = [0, 1, 2, 63, 4096, 0xffffffff];
const MAPS = ['parray', 'phash', 'plru'];

const u64 = (v: bigint): Uint8Array => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return new Uint8Array(b);
};

const frame = (key: number): Uint8Array => concat(new Uint8Array(14), le32(key), new Uint8Array(46));

/** The rows the fixture wrote after `frames`: per map, the value (or -1 for NULL) on each CPU of CPUS. */
function sweep(frames: Uint8Array[]): bigint[][] {
  const setup = MAPS.map((map) => ({ map, key: le32(1), value: u64(7n) }));
  const { kernel } = agree(fixture('percpu_lookup'), 'xdp_percpu_lookup', frames, setup);
  const rows = kernel.maps.rows!.map(([, v]) => Buffer.from(v as string, 'hex').readBigInt64LE(0));
  return MAPS.map((_, m) => rows.slice(m * CPUS.length, (m + 1) * CPUS.length));
}

/** `own` on CPU 0, `others` on the other possible CPUs, NULL past them. */
const perCpu = (own: bigint, others: bigint): bigint[] => CPUS.map((cpu) => (cpu >= possibleCpus() ? -1n : cpu === 0 ? own : others));

describe('bpf_map_lookup_percpu_elem', () => {
  it("reads each CPU's slot, CPU 0's as the program changed it there, and NULL past the possible CPUs", () => {
    // Two frames on CPU 0 add 100 twice to its slot of the value set up as 7 on every CPU.
    expect(sweep([frame(1), frame(1)])).toEqual([perCpu(207n, 7n), perCpu(207n, 7n), perCpu(207n, 7n)]);
  });

  it('gives NULL for a key not in a hash, and the zeroed element of an array', () => {
    expect(sweep([frame(3)])).toEqual([perCpu(100n, 0n), perCpu(-1n, -1n), perCpu(-1n, -1n)]);
  });
});
