import { ArrayMap } from './array.js';
import { CpuMap, kernelNrCpus } from './cpumap.js';
import { DevMap, DevMapHash } from './devmap.js';
import { HashMap } from './hash.js';
import { LpmTrieMap } from './lpm.js';
import type { BpfMap } from './map.js';
import { ArrayOfMapsMap, HashOfMapsMap } from './map-in-map.js';
import { PerfEventArrayMap } from './perf-event-array.js';
import { ProgArrayMap } from './prog-array.js';
import { QueueStackMap } from './queue-stack.js';
import { RingBufMap } from './ringbuf.js';
import {
  BPF_F_ACCESS_MASK,
  BPF_F_INNER_MAP,
  BPF_F_NO_PREALLOC,
  BPF_F_NUMA_NODE,
  BPF_F_PRESERVE_ELEMS,
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY,
  BPF_F_WRONLY_PROG,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_ARRAY_OF_MAPS,
  BPF_MAP_TYPE_CPUMAP,
  BPF_MAP_TYPE_DEVMAP,
  BPF_MAP_TYPE_DEVMAP_HASH,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_HASH_OF_MAPS,
  BPF_MAP_TYPE_LPM_TRIE,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_RINGBUF,
  BPF_MAP_TYPE_STACK,
  BPF_MAP_TYPE_XSKMAP,
  E2BIG,
  EINVAL,
  ENOTSUPP,
  isU32,
  KMALLOC_MAX_SIZE,
  MAP_TYPE_NAMES,
  MAX_CPUS,
  MapError,
  PAGE_SIZE,
  roundUp8,
  type MapSpec,
} from './types.js';
import { XskMap } from './xskmap.js';

/** Largest map this simulator will lay out by default; the kernel's own limits are per type and memlock-bound. */
export const MAX_MAP_BYTES = 1 << 30;

/**
 * Bookkeeping beside each preallocated element, for the size bound, in
 * 4-byte words: up to 4 hash slots, the free list, the rebuild list, and two
 * more (LRU links, or the LPM trie's order and ranks).
 */
const PER_ENTRY_OVERHEAD = 32;

const U32_FIELDS = ['type', 'keySize', 'valueSize', 'maxEntries', 'flags'] as const;

/**
 * Every map goes through createMap, so this is where a definition from any
 * source (ELF, pinned file, API) is checked to be what `union bpf_attr`
 * could carry, before any size arithmetic trusts it.
 */
function checkFields(spec: MapSpec, cpus: number): void {
  if (typeof spec.name !== 'string') throw new MapError(EINVAL, 'map name must be a string');
  for (const field of U32_FIELDS) {
    const v: unknown = spec[field];
    if (!isU32(v)) throw new MapError(EINVAL, `map '${spec.name}': ${field} ${String(v)} is not a u32`);
  }
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > MAX_CPUS) {
    throw new MapError(EINVAL, `map '${spec.name}': ${cpus} possible CPUs is not in 1..${MAX_CPUS}`);
  }
}

/**
 * Creates a map with the kernel's creation checks (`map_alloc_check`): sizes
 * that the type requires, flags it accepts, and a bound on total size so a
 * hostile object cannot make us allocate without limit.
 */
/**
 * Flags the kernel adds to a map of this type and reports back, which a
 * creation request may not carry: device maps are read-only for programs (a
 * lookup points at the entry itself).
 */
export function forcedFlags(type: number): number {
  return type === BPF_MAP_TYPE_DEVMAP || type === BPF_MAP_TYPE_DEVMAP_HASH ? BPF_F_RDONLY_PROG : 0;
}

export function createMap(spec: MapSpec, cpus: number, limit = MAX_MAP_BYTES): BpfMap {
  checkFields(spec, cpus);
  const failWith = (errno: number, why: string): never => {
    throw new MapError(errno, `map '${spec.name}' (${MAP_TYPE_NAMES[spec.type] ?? `type ${spec.type}`}): ${why}`);
  };
  const fail = (why: string): never => failWith(EINVAL, why);
  const onlyFlags = (allowed: number): void => {
    if (spec.flags & ~allowed) fail(`map_flags 0x${spec.flags.toString(16)} has flags this type does not take`);
  };
  const { type, keySize, valueSize, maxEntries } = spec;
  if (maxEntries === 0) fail('max_entries must not be 0');
  const perCpu = type === BPF_MAP_TYPE_PERCPU_ARRAY || type === BPF_MAP_TYPE_PERCPU_HASH || type === BPF_MAP_TYPE_LRU_PERCPU_HASH;
  const bytes = type === BPF_MAP_TYPE_RINGBUF
    ? 2 * maxEntries // the data is laid out twice, like the kernel's double mapping
    // An LPM trie keeps each key twice: masked for matching, as given for get_next_key.
    : (roundUp8(keySize) * (type === BPF_MAP_TYPE_LPM_TRIE ? 2 : 1) + roundUp8(valueSize) * (perCpu ? cpus : 1) + PER_ENTRY_OVERHEAD) * maxEntries;
  if (bytes > limit) fail(`${bytes} bytes exceed the limit of ${limit}`);
  switch (type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
      if (keySize !== 4 || valueSize === 0) fail('key_size must be 4 and value_size non-zero');
      return new ArrayMap(spec, cpus, type === BPF_MAP_TYPE_PERCPU_ARRAY);
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH: {
      if (keySize === 0 || valueSize === 0) fail('key_size and value_size must be non-zero');
      const lru = type === BPF_MAP_TYPE_LRU_HASH || type === BPF_MAP_TYPE_LRU_PERCPU_HASH;
      if (lru && spec.flags & BPF_F_NO_PREALLOC) fail('LRU maps are always preallocated (BPF_F_NO_PREALLOC)');
      return new HashMap(spec, cpus, type === BPF_MAP_TYPE_PERCPU_HASH || type === BPF_MAP_TYPE_LRU_PERCPU_HASH, lru);
    }
    case BPF_MAP_TYPE_LPM_TRIE:
      if (!(spec.flags & BPF_F_NO_PREALLOC)) fail('LPM tries need BPF_F_NO_PREALLOC');
      if (keySize < 5 || keySize > 260 || valueSize === 0) fail('key_size must be 5..260 and value_size non-zero');
      return new LpmTrieMap(spec, cpus);
    case BPF_MAP_TYPE_PROG_ARRAY:
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
    case BPF_MAP_TYPE_ARRAY_OF_MAPS: {
      // fd_array_map_alloc_check, then array_map_alloc_check.
      if (valueSize !== 4) fail('value_size must be 4 (an fd)');
      if (keySize !== 4) fail('key_size must be 4');
      if (spec.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) fail('BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG are not supported on fd arrays');
      onlyFlags(BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | (type === BPF_MAP_TYPE_PERF_EVENT_ARRAY ? BPF_F_PRESERVE_ELEMS : 0));
      if (type === BPF_MAP_TYPE_PROG_ARRAY) return new ProgArrayMap(spec, cpus);
      if (type === BPF_MAP_TYPE_PERF_EVENT_ARRAY) return new PerfEventArrayMap(spec, cpus);
      checkInnerTemplate(spec, cpus, limit, failWith);
      return new ArrayOfMapsMap(spec, cpus);
    }
    case BPF_MAP_TYPE_HASH_OF_MAPS:
      if (keySize === 0 || valueSize !== 4) fail('key_size must be non-zero and value_size 4 (an fd)');
      checkInnerTemplate(spec, cpus, limit, failWith);
      return new HashOfMapsMap(spec, cpus);
    case BPF_MAP_TYPE_DEVMAP:
    case BPF_MAP_TYPE_DEVMAP_HASH: {
      if (keySize !== 4 || (valueSize !== 4 && valueSize !== 8)) fail('key_size must be 4 and value_size 4 or 8 (struct bpf_devmap_val)');
      onlyFlags(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY);
      const forced = { ...spec, flags: spec.flags | forcedFlags(type) };
      return type === BPF_MAP_TYPE_DEVMAP ? new DevMap(forced, cpus) : new DevMapHash(forced, cpus);
    }
    case BPF_MAP_TYPE_CPUMAP: {
      if (keySize !== 4 || (valueSize !== 4 && valueSize !== 8)) fail('key_size must be 4 and value_size 4 or 8 (struct bpf_cpumap_val)');
      onlyFlags(BPF_F_NUMA_NODE);
      const nrCpus = kernelNrCpus();
      if (maxEntries > nrCpus) failWith(E2BIG, `max_entries ${maxEntries} exceeds NR_CPUS (${nrCpus})`);
      return new CpuMap(spec, cpus);
    }
    case BPF_MAP_TYPE_XSKMAP:
      if (keySize !== 4 || valueSize !== 4) fail('key_size and value_size must be 4');
      onlyFlags(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY);
      return new XskMap(spec, cpus);
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK:
      if (keySize !== 0 || valueSize === 0) fail('key_size must be 0 and value_size non-zero');
      onlyFlags(BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK);
      if (valueSize > KMALLOC_MAX_SIZE) failWith(E2BIG, `value_size ${valueSize} exceeds KMALLOC_MAX_SIZE (${KMALLOC_MAX_SIZE})`);
      return new QueueStackMap(spec, cpus, type === BPF_MAP_TYPE_STACK);
    case BPF_MAP_TYPE_RINGBUF:
      if (keySize !== 0 || valueSize !== 0) fail('key_size and value_size must be 0');
      onlyFlags(BPF_F_NUMA_NODE);
      // Ring sizes are counted in the kernel's pages.
      if ((maxEntries & (maxEntries - 1)) !== 0 || maxEntries % PAGE_SIZE !== 0) {
        fail(`max_entries ${maxEntries} must be a power of 2 and a multiple of the page size (${PAGE_SIZE})`);
      }
      return new RingBufMap(spec, cpus);
    default:
      // Socket, cgroup, storage and tracing maps serve other program types; a bloom
      // filter's answers depend on the kernel's random hash seed.
      return fail('xdpsim does not simulate this map type');
  }
}

/**
 * bpf_map_meta_alloc: a map-in-map needs an inner map template (the kernel's
 * inner_map_fd), which cannot itself hold maps, and must be of a type that can
 * be compared (a prog array cannot: -ENOTSUPP). The template is created as
 * libbpf creates it, so its own checks apply.
 */
function checkInnerTemplate(spec: MapSpec, cpus: number, limit: number, failWith: (errno: number, why: string) => never): void {
  const inner = spec.inner;
  if (!inner) return failWith(EINVAL, 'a map-in-map needs an inner map template (inner_map_fd)');
  if (inner.type === BPF_MAP_TYPE_ARRAY_OF_MAPS || inner.type === BPF_MAP_TYPE_HASH_OF_MAPS) {
    return failWith(EINVAL, 'an inner map cannot itself be a map-in-map');
  }
  if (inner.type === BPF_MAP_TYPE_PROG_ARRAY) return failWith(ENOTSUPP, 'a prog array cannot be an inner map');
  if (inner.flags & BPF_F_INNER_MAP && inner.type !== BPF_MAP_TYPE_ARRAY) {
    return failWith(EINVAL, 'BPF_F_INNER_MAP is for array templates only');
  }
  createMap(inner, cpus, limit);
}
