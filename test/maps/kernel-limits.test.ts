// The kernel's size limits per map type, with its errno, on both sides of
// each boundary; then what the kernel would create but this process cannot
// hold, refused with ENOMEM and a message that names the map and the bytes.
// Where bpftool can ask the kernel, every case it can try without allocating
// much is tried there too (`bpftool map create`, whose refusal is strerror).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createMap, layoutMaps } from '../../src/maps/create.js';
import {
  BPF_F_NO_PREALLOC,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_DEVMAP_HASH,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LPM_TRIE,
  BPF_MAP_TYPE_QUEUE,
  MAP_TYPE_NAMES,
} from '../../src/uapi/bpf.js';
import { E2BIG, EINVAL, ENOMEM } from '../../src/uapi/errno.js';
import type { MapSpec } from '../../src/maps/types.js';
import { MAX_MEMORY, MemoryLayout } from '../../src/vm/memory.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { skipBecause } from '../support/skip.js';
import { errnoOf, spec } from './support.js';

const CPUS = 2;
const STRERROR: Record<number, string> = { 0: 'created', [E2BIG]: 'Argument list too long', [EINVAL]: 'Invalid argument', [ENOMEM]: 'Cannot allocate memory' };

/** What `bpftool map create` says about `s`: 'created' or the strerror of its refusal. */
function kernelCreate(s: MapSpec): string {
  const pin = `/sys/fs/bpf/xdpsim_limits_${process.pid}`;
  const args = ['map', 'create', pin, 'type', MAP_TYPE_NAMES[s.type]!, 'key', String(s.keySize), 'value', String(s.valueSize),
    'entries', String(s.maxEntries), 'name', 'limits', 'flags', String(s.flags)];
  try {
    const r = spawnSync('bpftool', args, { encoding: 'utf8' });
    return r.status === 0 ? 'created' : r.stderr.trim().replace(/^Error: map create failed: /, '');
  } finally {
    rmSync(pin, { force: true });
  }
}

const hash = (key: number, value: number, entries: number): MapSpec => spec(BPF_MAP_TYPE_HASH, key, value, entries, BPF_F_NO_PREALLOC);

/** [what, map, errno]: each refusal next to the largest map of its kind the kernel creates, where that is small. */
const BOUNDARIES: Array<[string, MapSpec, number]> = [
  ['an array value past INT_MAX', spec(BPF_MAP_TYPE_ARRAY, 4, 2 ** 31, 1), E2BIG],
  ['hash key + value just below KMALLOC_MAX_SIZE less the element header', hash(4, 4194251, 1), 0],
  ['hash key + value at KMALLOC_MAX_SIZE less the element header', hash(4, 4194252, 1), E2BIG],
  ['hash key alone that large', hash(4194252, 4, 1), E2BIG],
  ['a hash with more than 2^27 entries (its buckets overflow a u32)', hash(4, 8, 2 ** 27 + 1), E2BIG],
  ['a hash with 2^31 + 1 entries', hash(4, 8, 2 ** 31 + 1), E2BIG],
  ['the largest LPM trie value', spec(BPF_MAP_TYPE_LPM_TRIE, 8, 4194024, 1, BPF_F_NO_PREALLOC), 0],
  ['an LPM trie value one byte larger', spec(BPF_MAP_TYPE_LPM_TRIE, 8, 4194025, 1, BPF_F_NO_PREALLOC), EINVAL],
  ['a devmap hash with more than 2^31 entries', spec(BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 2 ** 31 + 1), EINVAL],
  // More than any machine's memory: vmalloc refuses it at once.
  ['an array of 17.6 TB', spec(BPF_MAP_TYPE_ARRAY, 4, 4096, 0xffffffff), ENOMEM],
  ['a queue of 34 GB', spec(BPF_MAP_TYPE_QUEUE, 0, 8, 0xffffffff), ENOMEM],
];

describe("the kernel's size limits", () => {
  it.each(BOUNDARIES)('%s', (_what, s, errno) => {
    expect(errnoOf(() => createMap(s, CPUS))).toBe(errno);
  });

  const bpftool = bpftoolMissing();
  if (bpftool !== undefined) skipBecause(`comparing with bpftool map create: ${bpftool}`);
  it.runIf(bpftool === undefined)('are the running kernel\'s', () => {
    for (const [what, s, errno] of BOUNDARIES) expect(kernelCreate(s), what).toBe(STRERROR[errno]);
  });

  it('says how much the kernel would allocate when it is more than this machine has', () => {
    expect(() => createMap({ ...spec(BPF_MAP_TYPE_ARRAY, 4, 4096, 0xffffffff), name: 'huge' }, CPUS)).toThrow(
      `map 'huge' (array): the kernel would allocate 17592186040320 bytes for it, more than this machine's ${totalmem()} bytes of memory: ENOMEM`,
    );
  });
});

describe('what the kernel creates but xdpsim cannot hold', () => {
  it('refuses a map larger than all xdpsim can address, naming it and its bytes', () => {
    // 2 GiB of values. The kernel creates arrays this large where there is the memory (`bpftool map create
    // ... value 1073741824 entries 3` made one of 3 GiB on a 24 GiB machine); xdpsim's memory ends before.
    const big = { ...spec(BPF_MAP_TYPE_ARRAY, 4, 2 ** 31 - 1, 1), name: 'big' };
    expect(() => createMap(big, CPUS)).toThrow(
      `map 'big' (array): needs 2147483648 bytes, more than the ${MAX_MEMORY} bytes xdpsim can address, where it keeps all of an object's maps (the kernel would create it): ENOMEM`,
    );
    expect(errnoOf(() => createMap(hash(4, 8, 2 ** 27), CPUS))).toBe(ENOMEM);
  });

  it('refuses the map that takes the memory of an object past it, allocating nothing', () => {
    const maps = ['first', 'second'].map((name) => createMap({ ...spec(BPF_MAP_TYPE_ARRAY, 4, 4096, 300_000), name }, CPUS));
    expect(() => layoutMaps(new MemoryLayout(), maps)).toThrow(
      /^map 'second' \(array\): its 1228812608 bytes take the memory to 2457629312 bytes, more than the 2147483647 bytes xdpsim can address, .*: ENOMEM$/,
    );
  });

  it('keeps a lower limit where the caller sets one', () => {
    expect(() => createMap({ ...spec(BPF_MAP_TYPE_ARRAY, 4, 4096, 300), name: 'small' }, CPUS, 1 << 20)).toThrow(
      "map 'small' (array): needs 1228800 bytes, more than the memory limit of 1048576 bytes: ENOMEM",
    );
  });
});
