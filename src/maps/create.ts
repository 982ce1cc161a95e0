import { ArrayMap } from './array.js';
import { HashMap } from './hash.js';
import { LpmTrieMap } from './lpm.js';
import type { BpfMap } from './map.js';
import {
  BPF_F_NO_PREALLOC,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LPM_TRIE,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  EINVAL,
  MAP_TYPE_NAMES,
  MapError,
  roundUp8,
  type MapSpec,
} from './types.js';

/** Largest map this simulator will lay out by default; the kernel's own limits are per type and memlock-bound. */
export const MAX_MAP_BYTES = 1 << 30;

/** Bookkeeping beside each preallocated element (hash slots, free list, LRU links), for the size bound. */
const PER_ENTRY_OVERHEAD = 24;

/**
 * Creates a map with the kernel's creation checks (`map_alloc_check`): sizes
 * that the type requires, flags it accepts, and a bound on total size so a
 * hostile object cannot make us allocate without limit.
 */
export function createMap(spec: MapSpec, cpus: number, limit = MAX_MAP_BYTES): BpfMap {
  const fail = (why: string): never => {
    throw new MapError(EINVAL, `map '${spec.name}' (${MAP_TYPE_NAMES[spec.type] ?? `type ${spec.type}`}): ${why}`);
  };
  const { type, keySize, valueSize, maxEntries } = spec;
  if (maxEntries === 0) fail('max_entries must not be 0');
  const perCpu = type === BPF_MAP_TYPE_PERCPU_ARRAY || type === BPF_MAP_TYPE_PERCPU_HASH || type === BPF_MAP_TYPE_LRU_PERCPU_HASH;
  const bytes = (roundUp8(keySize) + roundUp8(valueSize) * (perCpu ? cpus : 1) + PER_ENTRY_OVERHEAD) * maxEntries;
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
    default:
      return fail('this map type is not supported yet');
  }
}
