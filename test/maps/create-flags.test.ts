// Map creation against the kernel's answers: 16 map types × 15 map_flags
// values, plus cases where the order of the kernel's checks decides the errno
// (a per-CPU value too large for a map whose key is also wrong). The kernel's
// answers are committed (create-flags.kernel.json: type name, type, key size,
// value size, max entries, flags, errno) so the comparison runs without a
// kernel; where bpftool can ask the kernel, the table is checked against it.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMap } from '../../src/maps/create.js';
import { E2BIG, EINVAL, ENOTSUPP } from '../../src/uapi/errno.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { runsHere } from '../support/skip.js';
import { CPUS, errnoOf, spec } from './support.js';

type Row = [name: string, type: number, keySize: number, valueSize: number, maxEntries: number, flags: number, errno: number];

const ROWS = JSON.parse(readFileSync(resolve(import.meta.dirname, 'create-flags.kernel.json'), 'utf8')) as Row[];

/** bpftool prints the refusal's strerror; these are the errnos the table holds. */
const ERRNO_OF_STRERROR: Record<string, number> = {
  'Invalid argument': EINVAL,
  'Argument list too long': E2BIG,
  'Unknown error 524': ENOTSUPP,
};

const label = ([name, , k, v, e, f]: Row): string => `${name} key ${k} value ${v} entries ${e} flags 0x${f.toString(16)}`;

/** The errno of `bpftool map create` for the row, 0 when the kernel creates the map. */
function kernelErrno([name, , k, v, e, f]: Row): number {
  const pin = `/sys/fs/bpf/xdpsim_flags_${process.pid}`;
  const args = ['map', 'create', pin, 'type', name, 'key', String(k), 'value', String(v), 'entries', String(e), 'name', 'flags', 'flags', String(f)];
  try {
    const r = spawnSync('bpftool', args, { encoding: 'utf8' });
    if (r.status === 0) return 0;
    const why = r.stderr.trim().replace(/^Error: map create failed: /, '');
    return ERRNO_OF_STRERROR[why] ?? -1;
  } finally {
    rmSync(pin, { force: true });
  }
}

const answers = (errnoOfRow: (row: Row) => number): string[] => ROWS.map((row) => `${label(row)}: ${errnoOfRow(row)}`);

describe('map creation flags, against the kernel', () => {
  it('refuses what the kernel refuses, with its errno', () => {
    expect(answers(([, type, k, v, e, f]) => errnoOf(() => createMap(spec(type, k, v, e, f), CPUS)))).toEqual(answers((row) => row[6]));
  });

  describe.runIf(runsHere(bpftoolMissing()))('the committed table', () => {
    it('is what this kernel answers', () => {
      expect(answers(kernelErrno)).toEqual(answers((row) => row[6]));
    });
  });
});
