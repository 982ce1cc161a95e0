import { shownName } from '../encoding/names.js';
import { totalmem } from 'node:os';
import { MAX_MEMORY, type Memory, type MemoryLayout } from '../vm/memory.js';
import { ArrayMap } from './array.js';
import { CpuMap, kernelNrCpus } from './cpumap.js';
import { DevMap, DevMapHash } from './devmap.js';
import { HashMap } from './hash.js';
import { LpmTrieMap, lpmTrieBytes } from './lpm.js';
import type { BpfMap } from './map.js';
import { ArrayOfMapsMap, HashOfMapsMap } from './map-in-map.js';
import { PerfEventArrayMap } from './perf-event-array.js';
import { ProgArrayMap } from './prog-array.js';
import { QueueStackMap } from './queue-stack.js';
import { RingBufMap } from './ringbuf.js';
import {
  BPF_F_ACCESS_MASK,
  BPF_F_INNER_MAP,
  BPF_F_MMAPABLE,
  BPF_F_NO_COMMON_LRU,
  BPF_F_NO_PREALLOC,
  BPF_F_NUMA_NODE,
  BPF_F_PRESERVE_ELEMS,
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY,
  BPF_F_WRONLY_PROG,
  BPF_F_ZERO_SEED,
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
  MAP_TYPE_NAMES,
} from '../uapi/bpf.js';
import { E2BIG, EINVAL, ENOMEM, ENOTSUPP } from '../uapi/errno.js';
import { KMALLOC_MAX_SIZE, PAGE_SIZE } from '../uapi/limits.js';
import {
  isU32,
  MAX_CPUS,
  MapError,
  roundUp8,
  type MapSpec,
} from './types.js';
import { XskMap } from './xskmap.js';

/**
 * Bookkeeping beside each preallocated element of a keyed map, for the size
 * bound, in 4-byte words: a hash table's buckets (at most two per element,
 * n_buckets being max_entries rounded up to a power of 2, 4 words each), its
 * element header (4 words, 8 with LRU links) and its 16-word header, which
 * one element's share covers; an LPM trie counts its own (lpmTrieBytes).
 */
const PER_ENTRY_OVERHEAD = 32;

/** Maps that find an entry by its key, with an index beside the values; the others are arrays of slots. */
const KEYED_TYPES: ReadonlySet<number> = new Set([
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_HASH_OF_MAPS,
  BPF_MAP_TYPE_DEVMAP_HASH,
]);

/** ARRAY_CREATE_FLAG_MASK: the flags array_map_alloc_check allows (each type then narrows them). */
const ARRAY_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;

/** HTAB_CREATE_FLAG_MASK: the flags htab_map_alloc_check allows. */
const HTAB_CREATE_FLAG_MASK = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;

const PERCPU_TYPES: ReadonlySet<number> = new Set([BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH]);

/** INT_MAX: array_map_alloc_check's bound on value_size (E2BIG above it). */
const ARRAY_MAX_VALUE_SIZE = 0x7fff_ffff;

/** sizeof(struct htab_elem) on 64-bit: htab_map_alloc_check wants key_size + value_size below KMALLOC_MAX_SIZE minus this. */
const HTAB_ELEM_SIZE = 48;

/** sizeof(struct bucket): a hash table's bucket count, a power of 2, times this must fit a u32. */
const HTAB_BUCKET_SIZE = 16;

/** The most entries a hash map may have: more rounds its bucket count up past U32_MAX / HTAB_BUCKET_SIZE (E2BIG). */
const HTAB_MAX_ENTRIES = 1 << 27;

/** LPM_VAL_SIZE_MAX: KMALLOC_MAX_SIZE less the largest key data (256) and sizeof(struct lpm_trie_node) (24). */
const LPM_VAL_SIZE_MAX = KMALLOC_MAX_SIZE - 256 - 24;

/** A devmap hash may not have more than 2^31 entries (dev_map_init_map, EINVAL): its bucket count is a power of 2. */
const DEVMAP_HASH_MAX_ENTRIES = 2 ** 31;

/** The kernel's smallest percpu allocation unit (32 KiB): the most a per-CPU value may take, rounded up to 8. */
const PCPU_MIN_UNIT_SIZE = 32 << 10;

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
 * Flags the kernel adds to a map of this type and reports back, which a
 * creation request may not carry: device maps are read-only for programs (a
 * lookup points at the entry itself).
 */
export function forcedFlags(type: number): number {
  return type === BPF_MAP_TYPE_DEVMAP || type === BPF_MAP_TYPE_DEVMAP_HASH ? BPF_F_RDONLY_PROG : 0;
}

/**
 * Creates a map as the bpf() syscall would on this machine: first the
 * kernel's checks for the type (`map_alloc_check` and the size checks of
 * `map_alloc`), with its errno; then the memory the kernel would allocate
 * against the machine's RAM (ENOMEM, as vmalloc refuses more than there is);
 * then the memory this process needs against `limit`, by default all that
 * xdpsim can address (ENOMEM too, with a message that names the map and the
 * bytes and says the kernel would have created it).
 */
export function createMap(spec: MapSpec, cpus: number, limit = MAX_MEMORY): BpfMap {
  checkFields(spec, cpus);
  const failWith = (errno: number, why: string): never => {
    throw new MapError(errno, `${mapLabel(spec)}: ${why}`);
  };
  const construct = checkType(spec, cpus, limit, failWith);
  const kernel = kernelBytes(spec, cpus);
  if (kernel > totalmem()) {
    failWith(ENOMEM, `the kernel would allocate ${kernel} bytes for it, more than this machine's ${totalmem()} bytes of memory`);
  }
  const bytes = footprint(spec, cpus);
  if (bytes > limit) failWith(ENOMEM, `needs ${bytes} bytes, more than ${capacity(limit)}`);
  return allocating(outOfMemory(spec, cpus), construct);
}

/**
 * Lays out `maps` after what `layout` already holds, allocates the memory and
 * binds each map to its regions, empty. The map whose regions would take the
 * memory past `limit` is refused with ENOMEM, as is the largest map when this
 * process cannot get the memory. With `shared`, the memory is that buffer,
 * laid out alike by another thread: the maps bind to it as they are.
 */
export function layoutMaps(layout: MemoryLayout, maps: readonly BpfMap[], limit = MAX_MEMORY, shared?: SharedArrayBuffer): Memory {
  const indexes = maps.map((map) => {
    const before = layout.size();
    const regions = map.regions().map((r) => layout.add(r));
    const total = layout.size();
    if (total > limit) {
      throw new MapError(ENOMEM, `${mapLabel(map.spec)}: its ${total - before} bytes take the memory to ${total} bytes, more than ${capacity(limit)}`);
    }
    return regions;
  });
  const largest = [...maps].sort((a, b) => footprint(b.spec, b.cpus) - footprint(a.spec, a.cpus))[0];
  if (shared) {
    const memory = layout.attach(shared);
    maps.forEach((map, i) => map.bind(memory, indexes[i]!.map((r) => memory.regions[r]!)));
    return memory;
  }
  const memory = allocating(largest ? outOfMemory(largest.spec, largest.cpus) : `cannot allocate ${layout.size()} bytes of memory`, () => layout.build());
  maps.forEach((map, i) =>
    allocating(outOfMemory(map.spec, map.cpus), () => {
      map.bind(memory, indexes[i]!.map((r) => memory.regions[r]!));
      map.init();
    }),
  );
  return memory;
}

/** How a message names a map: `map 'NAME' (TYPE)`. */
function mapLabel(spec: MapSpec): string {
  return `map '${shownName(spec.name)}' (${MAP_TYPE_NAMES[spec.type] ?? `type ${spec.type}`})`;
}

/** A memory limit, for messages: what xdpsim can address, or a lower limit the caller set. */
function capacity(limit: number): string {
  return limit === MAX_MEMORY
    ? `the ${MAX_MEMORY} bytes xdpsim can address, where it keeps all of an object's maps (the kernel would create it)`
    : `the memory limit of ${limit} bytes`;
}

/** Why a map the kernel would create is refused here: this process could not get its memory. */
function outOfMemory(spec: MapSpec, cpus: number): string {
  return `${mapLabel(spec)}: this process could not allocate the ${footprint(spec, cpus)} bytes it needs (the kernel would create it)`;
}

/**
 * Runs `allocate`, turning V8's "Array buffer allocation failed" (the
 * process could not get the memory) into ENOMEM with `what` as the message.
 */
function allocating<T>(what: string, allocate: () => T): T {
  try {
    return allocate();
  } catch (e) {
    if (e instanceof RangeError && e.message.startsWith('Array buffer allocation failed')) throw new MapError(ENOMEM, what);
    throw e;
  }
}

/**
 * The kernel's checks, in its order: map_create's own (bpf_get_file_flag),
 * then the type's map_alloc_check and the checks of its map_alloc. Returns
 * how to construct the map, which waits for the memory checks. The numa_node
 * xdpsim assumes is 0, which map_create finds online. ZERO_SEED, which the
 * kernel allows only with CAP_SYS_ADMIN, is allowed: xdpsim creates maps as
 * root does.
 */
function checkType(spec: MapSpec, cpus: number, limit: number, failWith: (errno: number, why: string) => never): () => BpfMap {
  const fail = (why: string): never => failWith(EINVAL, why);
  const onlyFlags = (allowed: number): void => {
    if (spec.flags & ~allowed) fail(`map_flags 0x${spec.flags.toString(16)} has flags this type does not take`);
  };
  const { type, keySize, valueSize, maxEntries } = spec;
  // bpf_get_file_flag: the map's file cannot be both read-only and write-only for user space.
  if (spec.flags & BPF_F_RDONLY && spec.flags & BPF_F_WRONLY) fail('BPF_F_RDONLY and BPF_F_WRONLY exclude each other');
  switch (type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
      arrayAllocCheck(spec, failWith);
      return () => new ArrayMap(spec, cpus, type === BPF_MAP_TYPE_PERCPU_ARRAY);
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH: {
      htabAllocCheck(spec, failWith);
      const lru = type === BPF_MAP_TYPE_LRU_HASH || type === BPF_MAP_TYPE_LRU_PERCPU_HASH;
      return () => new HashMap(spec, cpus, type === BPF_MAP_TYPE_PERCPU_HASH || type === BPF_MAP_TYPE_LRU_PERCPU_HASH, lru);
    }
    case BPF_MAP_TYPE_LPM_TRIE:
      if (maxEntries === 0 || !(spec.flags & BPF_F_NO_PREALLOC)) fail('max_entries must not be 0, and LPM tries need BPF_F_NO_PREALLOC');
      if (keySize < 5 || keySize > 260 || valueSize === 0 || valueSize > LPM_VAL_SIZE_MAX) {
        fail(`key_size must be 5..260 and value_size 1..${LPM_VAL_SIZE_MAX}`);
      }
      return () => new LpmTrieMap(spec, cpus);
    case BPF_MAP_TYPE_PROG_ARRAY:
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
      // fd_array_map_alloc_check, then array_map_alloc_check.
      if (valueSize !== 4) fail('value_size must be 4 (an fd)');
      if (spec.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) fail('BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG are not supported on fd arrays');
      arrayAllocCheck(spec, failWith);
      if (type === BPF_MAP_TYPE_PROG_ARRAY) return () => new ProgArrayMap(spec, cpus);
      if (type === BPF_MAP_TYPE_PERF_EVENT_ARRAY) return () => new PerfEventArrayMap(spec, cpus);
      checkInnerTemplate(spec, cpus, limit, failWith);
      return () => new ArrayOfMapsMap(spec, cpus);
    case BPF_MAP_TYPE_HASH_OF_MAPS:
      // fd_htab_map_alloc_check, then htab_map_alloc_check.
      if (valueSize !== 4) fail('value_size must be 4 (an fd)');
      htabAllocCheck(spec, failWith);
      checkInnerTemplate(spec, cpus, limit, failWith);
      return () => new HashOfMapsMap(spec, cpus);
    case BPF_MAP_TYPE_DEVMAP:
    case BPF_MAP_TYPE_DEVMAP_HASH: {
      if (maxEntries === 0 || keySize !== 4 || (valueSize !== 4 && valueSize !== 8)) {
        fail('max_entries must not be 0, key_size must be 4 and value_size 4 or 8 (struct bpf_devmap_val)');
      }
      onlyFlags(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY);
      if (type === BPF_MAP_TYPE_DEVMAP_HASH && maxEntries > DEVMAP_HASH_MAX_ENTRIES) fail(`max_entries ${maxEntries} exceeds 2^31`);
      const forced = { ...spec, flags: spec.flags | forcedFlags(type) };
      return type === BPF_MAP_TYPE_DEVMAP ? () => new DevMap(forced, cpus) : () => new DevMapHash(forced, cpus);
    }
    case BPF_MAP_TYPE_CPUMAP: {
      if (maxEntries === 0 || keySize !== 4 || (valueSize !== 4 && valueSize !== 8)) {
        fail('max_entries must not be 0, key_size must be 4 and value_size 4 or 8 (struct bpf_cpumap_val)');
      }
      onlyFlags(BPF_F_NUMA_NODE);
      const nrCpus = kernelNrCpus();
      if (maxEntries > nrCpus) failWith(E2BIG, `max_entries ${maxEntries} exceeds NR_CPUS (${nrCpus})`);
      return () => new CpuMap(spec, cpus);
    }
    case BPF_MAP_TYPE_XSKMAP:
      if (maxEntries === 0 || keySize !== 4 || valueSize !== 4) fail('max_entries must not be 0, key_size and value_size must be 4');
      onlyFlags(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY);
      return () => new XskMap(spec, cpus);
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK:
      if (maxEntries === 0 || keySize !== 0 || valueSize === 0) fail('max_entries must not be 0, key_size must be 0 and value_size non-zero');
      onlyFlags(BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK);
      if (!flagsAccessOk(spec.flags)) fail('BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG exclude each other');
      if (valueSize > KMALLOC_MAX_SIZE) failWith(E2BIG, `value_size ${valueSize} exceeds KMALLOC_MAX_SIZE (${KMALLOC_MAX_SIZE})`);
      return () => new QueueStackMap(spec, cpus, type === BPF_MAP_TYPE_STACK);
    case BPF_MAP_TYPE_RINGBUF:
      if (keySize !== 0 || valueSize !== 0) fail('key_size and value_size must be 0');
      onlyFlags(BPF_F_NUMA_NODE);
      // Ring sizes are counted in the kernel's pages; 0 is no power of 2.
      if (maxEntries === 0 || (maxEntries & (maxEntries - 1)) !== 0 || maxEntries % PAGE_SIZE !== 0) {
        fail(`max_entries ${maxEntries} must be a power of 2 and a multiple of the page size (${PAGE_SIZE})`);
      }
      return () => new RingBufMap(spec, cpus);
    default:
      // Socket, cgroup, storage and tracing maps serve other program types; a bloom
      // filter's answers depend on the kernel's random hash seed.
      return fail('xdpsim does not simulate this map type');
  }
}

/** bpf_map_flags_access_ok: programs may not be refused both reading and writing. */
function flagsAccessOk(flags: number): boolean {
  return (flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !== (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
}

/** array_map_alloc_check, for arrays, per-CPU arrays and (after their own checks) fd arrays. */
function arrayAllocCheck(spec: MapSpec, failWith: (errno: number, why: string) => never): void {
  const { type, flags, valueSize } = spec;
  const percpu = type === BPF_MAP_TYPE_PERCPU_ARRAY;
  if (spec.maxEntries === 0 || spec.keySize !== 4 || valueSize === 0) {
    failWith(EINVAL, 'max_entries must not be 0, key_size must be 4 and value_size non-zero');
  }
  if (flags & ~ARRAY_CREATE_FLAG_MASK) failWith(EINVAL, `map_flags 0x${flags.toString(16)} has flags an array does not take`);
  if (!flagsAccessOk(flags)) failWith(EINVAL, 'BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG exclude each other');
  // Per-CPU values are spread over every CPU's memory, not one node's.
  if (percpu && flags & BPF_F_NUMA_NODE) failWith(EINVAL, 'a per-CPU array cannot be placed on a NUMA node');
  if (type !== BPF_MAP_TYPE_ARRAY && flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)) {
    failWith(EINVAL, 'BPF_F_MMAPABLE and BPF_F_INNER_MAP are for plain arrays only');
  }
  if (type !== BPF_MAP_TYPE_PERF_EVENT_ARRAY && flags & BPF_F_PRESERVE_ELEMS) failWith(EINVAL, 'BPF_F_PRESERVE_ELEMS is for perf event arrays only');
  if (valueSize > ARRAY_MAX_VALUE_SIZE) failWith(E2BIG, `value_size ${valueSize} exceeds INT_MAX`);
  if (percpu) checkPercpuValue(valueSize, failWith);
}

/** htab_map_alloc_check, for every hash map type (after fd_htab_map_alloc_check for a hash of maps), with htab_map_alloc's bound on max_entries. */
function htabAllocCheck(spec: MapSpec, failWith: (errno: number, why: string) => never): void {
  const { type, flags } = spec;
  const percpu = type === BPF_MAP_TYPE_PERCPU_HASH || type === BPF_MAP_TYPE_LRU_PERCPU_HASH;
  const lru = type === BPF_MAP_TYPE_LRU_HASH || type === BPF_MAP_TYPE_LRU_PERCPU_HASH;
  if (flags & ~HTAB_CREATE_FLAG_MASK) failWith(EINVAL, `map_flags 0x${flags.toString(16)} has flags a hash map does not take`);
  if (!flagsAccessOk(flags)) failWith(EINVAL, 'BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG exclude each other');
  if (!lru && flags & BPF_F_NO_COMMON_LRU) failWith(EINVAL, 'BPF_F_NO_COMMON_LRU is for LRU hashes only');
  // An LRU hash evicts from its preallocated elements; the kernel has no other kind.
  if (lru && flags & BPF_F_NO_PREALLOC) failWith(ENOTSUPP, 'LRU maps are always preallocated (BPF_F_NO_PREALLOC)');
  // Per-CPU values, and per-CPU LRU lists, are spread over every CPU's memory, not one node's.
  if (flags & BPF_F_NUMA_NODE && (percpu || flags & BPF_F_NO_COMMON_LRU)) {
    failWith(EINVAL, 'a per-CPU hash or per-CPU LRU lists cannot be placed on a NUMA node');
  }
  if (spec.maxEntries === 0 || spec.keySize === 0 || spec.valueSize === 0) failWith(EINVAL, 'max_entries, key_size and value_size must be non-zero');
  if (spec.keySize + spec.valueSize >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) {
    failWith(E2BIG, `key_size + value_size must be below ${KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE} (KMALLOC_MAX_SIZE less an element's header)`);
  }
  if (percpu) checkPercpuValue(spec.valueSize, failWith);
  if (spec.maxEntries > HTAB_MAX_ENTRIES) {
    failWith(E2BIG, `max_entries ${spec.maxEntries} needs more than U32_MAX / ${HTAB_BUCKET_SIZE} buckets (at most ${HTAB_MAX_ENTRIES} entries)`);
  }
}

/** The last check of array_map_alloc_check and htab_map_alloc_check: a per-CPU value must fit one percpu allocation unit (E2BIG). */
function checkPercpuValue(valueSize: number, failWith: (errno: number, why: string) => never): void {
  if (roundUp8(valueSize) > PCPU_MIN_UNIT_SIZE) {
    failWith(E2BIG, `value_size ${valueSize} exceeds PCPU_MIN_UNIT_SIZE (${PCPU_MIN_UNIT_SIZE}) for a per-CPU map`);
  }
}

/**
 * Bytes the kernel allocates when it creates the map (bpf_map_area_alloc and
 * the per-CPU allocator): values and element headers of preallocated maps,
 * one pointer per slot of fd arrays and device maps, only the buckets of a
 * hash map with BPF_F_NO_PREALLOC, nothing up front for an LPM trie.
 */
function kernelBytes(spec: MapSpec, cpus: number): number {
  const { type, keySize, valueSize, maxEntries } = spec;
  const values = roundUp8(valueSize) * (PERCPU_TYPES.has(type) ? cpus : 1);
  const buckets = 2 ** Math.ceil(Math.log2(maxEntries));
  switch (type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
      return maxEntries * values;
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_HASH_OF_MAPS:
      return buckets * HTAB_BUCKET_SIZE + (spec.flags & BPF_F_NO_PREALLOC ? 0 : maxEntries * (HTAB_ELEM_SIZE + roundUp8(keySize) + values));
    case BPF_MAP_TYPE_LPM_TRIE:
      return 0;
    case BPF_MAP_TYPE_DEVMAP_HASH:
      return buckets * 8;
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK:
      return (maxEntries + 1) * valueSize;
    case BPF_MAP_TYPE_RINGBUF:
      return maxEntries;
    default:
      return maxEntries * 8;
  }
}

/**
 * Bytes the map takes in this process, an upper bound checked before
 * anything is allocated: the values (per CPU where the map is), and for a
 * keyed map its keys and index too. A ring buffer's data is laid out twice,
 * like the kernel's double mapping; an LPM trie has its nodes (elements and
 * intermediate ones), value slots and free lists, in three regions.
 */
function footprint(spec: MapSpec, cpus: number): number {
  const { type, keySize, valueSize, maxEntries } = spec;
  if (type === BPF_MAP_TYPE_RINGBUF) return 2 * maxEntries;
  if (type === BPF_MAP_TYPE_LPM_TRIE) return lpmTrieBytes(keySize, valueSize, maxEntries);
  const values = roundUp8(valueSize) * (PERCPU_TYPES.has(type) ? cpus : 1);
  if (!KEYED_TYPES.has(type)) return values * maxEntries;
  return (roundUp8(keySize) + values + PER_ENTRY_OVERHEAD) * maxEntries;
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
