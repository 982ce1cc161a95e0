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
 *
 * get_next_key follows the kernel's trie walk, a postorder: of two prefixes
 * where one contains the other, the longer (more specific) comes first;
 * otherwise the one whose first differing bit is 0. That order is cached and
 * rebuilt after an insert; a delete only leaves a hole in it.
 */
export class LpmTrieMap extends BpfMap {
  private table!: HashTable;
  private values = 0;
  private probe = 0;
  private original = 0;
  private readonly stride = roundUp8(this.spec.valueSize);
  private readonly dataSize = this.spec.keySize - 4;
  private readonly maxPrefixlen = this.dataSize * 8;
  /** How many entries use each prefix length; lengths in use, longest first. */
  private readonly perLength: Int32Array;
  private lengths: number[] = [];
  /** Entries in get_next_key order, -1 where one was deleted since the order was built. */
  private readonly order: Int32Array;
  /** Position of each entry in `order`. */
  private readonly rank: Int32Array;
  private orderLength = 0;
  private orderValid = false;
  private holes = 0;
  /** No live entry lies before this position of `order`. */
  private orderHead = 0;

  constructor(spec: MapSpec, cpus: number) {
    super(spec, cpus);
    this.perLength = new Int32Array(this.maxPrefixlen + 1);
    this.order = new Int32Array(spec.maxEntries);
    this.rank = new Int32Array(spec.maxEntries);
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

  /**
   * Longest-prefix match, for programs and user space alike (the kernel's
   * syscall lookup calls trie_lookup_elem too). A prefixlen beyond the
   * trie's width matches nothing.
   */
  lookup(key: number): number {
    const want = this.memory.view.getUint32(key, true);
    if (want > this.maxPrefixlen) return 0;
    for (const len of this.lengths) {
      if (len > want) continue;
      const entry = this.table.find(this.masked(key, len));
      if (entry >= 0) return this.values + entry * this.stride;
    }
    return 0;
  }

  protected userValue(key: number): number {
    return this.lookup(key);
  }

  update(key: number, value: number, flags: number): number {
    if (flags > BPF_EXIST) return -EINVAL;
    const len = this.memory.view.getUint32(key, true);
    if (len > this.maxPrefixlen) return -EINVAL;
    const probe = this.masked(key, len);
    let entry = this.table.find(probe);
    if (entry >= 0 && flags === BPF_NOEXIST) return -EEXIST;
    if (entry < 0) {
      if (flags === BPF_EXIST) return -ENOENT;
      if (this.table.count >= this.spec.maxEntries) return -ENOSPC;
      entry = this.table.insert(probe);
      if (entry < 0) return -ENOSPC;
      if (this.perLength[len]!++ === 0) this.lengths = [...this.lengths, len].sort((a, b) => b - a);
      this.orderValid = false;
    }
    const ks = roundUp8(this.spec.keySize);
    this.u8.copyWithin(this.original + entry * ks, key, key + this.spec.keySize);
    this.u8.copyWithin(this.values + entry * this.stride, value, value + this.spec.valueSize);
    return 0;
  }

  delete(key: number): number {
    const len = this.memory.view.getUint32(key, true);
    if (len > this.maxPrefixlen) return -EINVAL;
    const entry = this.table.remove(this.masked(key, len));
    if (entry < 0) return -ENOENT;
    if (--this.perLength[len]! === 0) this.lengths = this.lengths.filter((l) => l !== len);
    if (this.orderValid) {
      this.order[this.rank[entry]!] = -1;
      if (++this.holes * 2 > this.orderLength) this.compactOrder();
    }
    return 0;
  }

  /**
   * The key after `key` in the trie's postorder. As the kernel's
   * trie_get_next_key: no key, a prefixlen beyond the trie's width or a key
   * not in the trie gives the first key; the last key gives -ENOENT.
   */
  nextKey(key: number, next: number): number {
    if (this.table.count === 0) return -ENOENT;
    this.buildOrder();
    let from = this.orderHead;
    if (key !== 0) {
      const len = this.memory.view.getUint32(key, true);
      const entry = len <= this.maxPrefixlen ? this.table.find(this.masked(key, len)) : -1;
      if (entry >= 0) from = this.rank[entry]! + 1;
    }
    const order = this.order;
    let at = from;
    while (at < this.orderLength && order[at]! < 0) at++;
    if (from === this.orderHead) this.orderHead = at;
    if (at >= this.orderLength) return -ENOENT;
    const src = this.original + order[at]! * roundUp8(this.spec.keySize);
    this.u8.copyWithin(next, src, src + this.spec.keySize);
    return 0;
  }

  private buildOrder(): void {
    if (this.orderValid) return;
    const order = this.order;
    let n = 0;
    this.table.walk((entry) => {
      order[n++] = entry;
      return false;
    });
    order.subarray(0, n).sort((a, b) => this.postorder(a, b));
    this.setOrder(n);
  }

  /** Drops the holes, keeping the order. */
  private compactOrder(): void {
    const order = this.order;
    let n = 0;
    for (let i = 0; i < this.orderLength; i++) if (order[i]! >= 0) order[n++] = order[i]!;
    this.setOrder(n);
  }

  private setOrder(n: number): void {
    for (let i = 0; i < n; i++) this.rank[this.order[i]!] = i;
    this.orderLength = n;
    this.holes = 0;
    this.orderHead = 0;
    this.orderValid = true;
  }

  /**
   * Compares two entries' masked keys in the kernel trie's postorder: the
   * first bit where they differ within the shorter prefix decides (0 first);
   * when one prefix contains the other, the longer comes first.
   */
  private postorder(a: number, b: number): number {
    const ka = this.table.keyAddress(a);
    const kb = this.table.keyAddress(b);
    const view = this.memory.view;
    const u8 = this.u8;
    const la = view.getUint32(ka, true);
    const lb = view.getUint32(kb, true);
    const shorter = Math.min(la, lb);
    for (let i = 0; i * 8 < shorter; i++) {
      const diff = u8[ka + 4 + i]! ^ u8[kb + 4 + i]!;
      if (diff === 0) continue;
      const bit = i * 8 + Math.clz32(diff) - 24;
      if (bit >= shorter) break;
      return u8[ka + 4 + i]! & (0x80 >>> (bit & 7)) ? 1 : -1;
    }
    return lb - la;
  }
}
