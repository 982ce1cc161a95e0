import type { Region, RegionSpec } from '../vm/memory.js';
import { HashTable } from './hashtab.js';
import { BpfMap } from './map.js';
import { BPF_EXIST, BPF_NOEXIST, EEXIST, EINVAL, ENOENT, ENOSPC, roundUp8, type MapSpec } from './types.js';

/**
 * BPF_MAP_TYPE_LPM_TRIE. Keys are `struct bpf_lpm_trie_key { u32 prefixlen; u8 data[]; }`.
 * Entries sit in one exact-match table keyed by (prefixlen, data masked to
 * prefixlen), and a lookup probes the prefix lengths in use from longest to
 * shortest, so it costs one probe per distinct length, not one per bit. The
 * caller's data bytes are kept as given, as the kernel keeps them, for dumps.
 * The kernel refuses new elements past max_entries with -ENOSPC.
 */
export class LpmTrieMap extends BpfMap {
  private table!: HashTable;
  private values = 0;
  private probe = 0;
  private original = 0;
  private readonly stride = roundUp8(this.spec.valueSize);
  private readonly dataSize = this.spec.keySize - 4;
  /** How many entries use each prefix length; lengths in use, longest first. */
  private readonly perLength: Int32Array;
  private lengths: number[] = [];

  constructor(spec: MapSpec, cpus: number) {
    super(spec, cpus);
    this.perLength = new Int32Array(this.dataSize * 8 + 1);
  }

  storage(): RegionSpec[] {
    const { name, maxEntries, keySize } = this.spec;
    const ks = roundUp8(keySize);
    return [
      { name: `map:${name}:keys`, size: maxEntries * ks, writable: false },
      { name: `map:${name}:values`, size: maxEntries * this.stride, writable: true },
      { name: `map:${name}:probe`, size: ks, writable: false },
      { name: `map:${name}:original`, size: maxEntries * ks, writable: false },
    ];
  }

  protected bindStorage(regions: readonly Region[]): void {
    const { keySize, maxEntries } = this.spec;
    this.table = new HashTable(this.u8, regions[0]!.start, keySize, roundUp8(keySize), maxEntries);
    this.values = regions[1]!.start;
    this.probe = regions[2]!.start;
    this.original = regions[3]!.start;
  }

  /** Writes (prefixlen, data masked to it) of the key at `key` into the probe buffer. */
  private masked(key: number, prefixlen: number): number {
    const p = this.probe;
    const u8 = this.u8;
    this.memory.view.setUint32(p, prefixlen, true);
    const full = prefixlen >>> 3;
    for (let i = 0; i < this.dataSize; i++) {
      let b = u8[key + 4 + i]!;
      if (i === full) b &= (0xff << (8 - (prefixlen & 7))) & 0xff;
      else if (i > full) b = 0;
      u8[p + 4 + i] = b;
    }
    return p;
  }

  lookup(key: number): number {
    const want = this.memory.view.getUint32(key, true);
    for (const len of this.lengths) {
      if (len > want) continue;
      const entry = this.table.find(this.masked(key, len));
      if (entry >= 0) return this.values + entry * this.stride;
    }
    return 0;
  }

  /** User-space lookup is an exact match on (prefixlen, data), as in the kernel. */
  protected userValue(key: number): number {
    const len = this.memory.view.getUint32(key, true);
    if (len > this.dataSize * 8) return 0;
    const entry = this.table.find(this.masked(key, len));
    return entry < 0 ? 0 : this.values + entry * this.stride;
  }

  update(key: number, value: number, flags: number): number {
    if (flags > BPF_EXIST) return -EINVAL;
    const len = this.memory.view.getUint32(key, true);
    if (len > this.dataSize * 8) return -EINVAL;
    const probe = this.masked(key, len);
    let entry = this.table.find(probe);
    if (entry >= 0 && flags === BPF_NOEXIST) return -EEXIST;
    if (entry < 0) {
      if (flags === BPF_EXIST) return -ENOENT;
      if (this.table.count >= this.spec.maxEntries) return -ENOSPC;
      entry = this.table.insert(probe);
      if (entry < 0) return -ENOSPC;
      if (this.perLength[len]!++ === 0) this.lengths = [...this.lengths, len].sort((a, b) => b - a);
    }
    const ks = roundUp8(this.spec.keySize);
    this.u8.copyWithin(this.original + entry * ks, key, key + this.spec.keySize);
    this.u8.copyWithin(this.values + entry * this.stride, value, value + this.spec.valueSize);
    return 0;
  }

  delete(key: number): number {
    const len = this.memory.view.getUint32(key, true);
    if (len > this.dataSize * 8) return -EINVAL;
    const entry = this.table.remove(this.masked(key, len));
    if (entry < 0) return -ENOENT;
    if (--this.perLength[len]! === 0) this.lengths = this.lengths.filter((l) => l !== len);
    return 0;
  }

  nextKey(key: number, next: number): number {
    let from = 0;
    if (key !== 0) {
      const len = this.memory.view.getUint32(key, true);
      from = len <= this.dataSize * 8 ? this.masked(key, len) : 0;
    }
    const entry = this.table.next(from);
    if (entry < 0) return -ENOENT;
    const at = this.original + entry * roundUp8(this.spec.keySize);
    this.u8.copyWithin(next, at, at + this.spec.keySize);
    return 0;
  }
}
