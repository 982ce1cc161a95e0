import type { Region, RegionSpec } from '../vm/memory.js';
import { HashTable } from './hashtab.js';
import { BpfMap } from './map.js';
import { copyMapValue, hasSpinLock, type TimerHolder } from './record.js';
import { BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST, E2BIG, EEXIST, EINVAL, ENOENT, roundUp8, type MapSpec } from './types.js';

/**
 * BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH. A full plain
 * hash refuses new keys with -E2BIG; an LRU hash evicts its least recently used
 * entry instead (one common list, as the kernel's with BPF_F_NO_COMMON_LRU unset;
 * the kernel's list is approximate, ours exact). A program's update of a
 * per-CPU value writes its own CPU's slot; a new element starts zeroed elsewhere.
 */
export class HashMap extends BpfMap implements TimerHolder {
  private table!: HashTable;
  private values = 0;
  private readonly stride = roundUp8(this.spec.valueSize);
  /** LRU order: a doubly linked list of entry indices, most recent at head. */
  private readonly prev: Int32Array;
  private readonly nextLink: Int32Array;
  private head = -1;
  private tail = -1;

  constructor(
    spec: MapSpec,
    cpus: number,
    private readonly percpu: boolean,
    private readonly lru: boolean,
  ) {
    super(spec, cpus);
    this.prev = new Int32Array(lru ? spec.maxEntries : 0);
    this.nextLink = new Int32Array(lru ? spec.maxEntries : 0);
  }

  override get perCpu(): boolean {
    return this.percpu;
  }

  /** Slots the table has examined so far: its cost, counted (HashTable.probes). */
  get probes(): number {
    return this.table.probes;
  }

  private get slab(): number {
    return this.stride * (this.percpu ? this.cpus : 1);
  }

  storage(): RegionSpec[] {
    const { name, maxEntries, keySize } = this.spec;
    return [
      { name: `map:${name}:keys`, size: maxEntries * roundUp8(keySize), writable: false },
      { name: `map:${name}:values`, size: maxEntries * this.slab, writable: true },
    ];
  }

  protected bindStorage(regions: readonly Region[]): void {
    const { keySize, maxEntries } = this.spec;
    this.table = new HashTable(this.u8, regions[0]!.start, keySize, roundUp8(keySize), maxEntries);
    this.values = regions[1]!.start;
  }

  private valueAt(entry: number, cpu: number): number {
    return this.values + entry * this.slab + (this.percpu ? cpu * this.stride : 0);
  }

  lookup(key: number, cpu: number): number {
    const entry = this.table.find(key);
    if (entry < 0) return 0;
    if (this.lru) this.touch(entry);
    return this.valueAt(entry, cpu);
  }

  protected userValue(key: number): number {
    const entry = this.table.find(key);
    return entry < 0 ? 0 : this.valueAt(entry, 0);
  }

  update(key: number, value: number, flags: number, cpu: number): number {
    // Only a plain hash takes BPF_F_LOCK: the LRU and per-CPU updates refuse any flag past BPF_EXIST.
    const mode = this.lru || this.percpu ? flags : flags & ~BPF_F_LOCK;
    if (mode > BPF_EXIST) return -EINVAL;
    const locked = (flags & BPF_F_LOCK) !== 0;
    if (locked && !hasSpinLock(this.record)) return -EINVAL;
    let entry = this.table.find(key);
    if (entry >= 0 && mode === BPF_NOEXIST) return -EEXIST;
    if (entry >= 0 && locked) {
      // The kernel copies into the element in place under its spin lock: the element, with its timer, stays.
      copyMapValue(this.u8, this.record, this.valueAt(entry, 0), value, this.spec.valueSize);
      return 0;
    }
    if (entry < 0) {
      if (mode === BPF_EXIST) return -ENOENT;
      if (this.table.count >= this.spec.maxEntries) {
        if (!this.lru) return -E2BIG;
        this.evict();
      }
      entry = this.table.insert(key);
      if (entry < 0) return -E2BIG;
      this.u8.fill(0, this.valueAt(entry, 0), this.valueAt(entry, 0) + this.slab);
      if (this.lru) this.linkHead(entry);
    } else if (this.lru) {
      this.touch(entry);
    }
    const size = this.spec.valueSize;
    if (this.percpu && cpu < 0) {
      for (let c = 0; c < this.cpus; c++) copyMapValue(this.u8, this.record, this.valueAt(entry, c), value + c * this.stride, size);
    } else {
      copyMapValue(this.u8, this.record, this.valueAt(entry, Math.max(cpu, 0)), value, size);
      // The kernel links a new element and frees the old one's fields; in place, that is freeing them here.
      this.record?.freeFields(this.valueAt(entry, 0));
    }
    return 0;
  }

  delete(key: number): number {
    const entry = this.table.remove(key);
    if (entry < 0) return -ENOENT;
    if (this.lru) this.unlink(entry);
    this.record?.freeFields(this.valueAt(entry, 0));
    return 0;
  }

  valueHolding(address: number): number {
    const end = this.values + this.spec.maxEntries * this.slab;
    if (this.percpu || address < this.values || address >= end) return -1;
    const value = address - ((address - this.values) % this.slab);
    return address < value + this.spec.valueSize ? value : -1;
  }

  keyOfValue(value: number): number {
    return this.table.keyAddress((value - this.values) / this.slab);
  }

  nextKey(key: number, next: number): number {
    const entry = this.table.next(key);
    if (entry < 0) return -ENOENT;
    const at = this.table.keyAddress(entry);
    this.u8.copyWithin(next, at, at + this.spec.keySize);
    return 0;
  }

  /**
   * bpf_for_each_map_elem walks the slots in place, as the kernel walks its
   * buckets: the callback gets the stored key, and deleting it (or any other
   * element) does not restart the walk. Visiting is not a use: LRU order stays.
   */
  override forEachElem(cpu: number, visit: (key: number, value: number) => boolean): number {
    const table = this.table;
    return table.walk((entry) => visit(table.keyAddress(entry), this.valueAt(entry, cpu)));
  }

  private evict(): void {
    const victim = this.tail;
    this.table.remove(this.table.keyAddress(victim));
    this.unlink(victim);
    this.record?.freeFields(this.valueAt(victim, 0));
  }

  private touch(entry: number): void {
    if (this.head === entry) return;
    this.unlink(entry);
    this.linkHead(entry);
  }

  private linkHead(entry: number): void {
    this.prev[entry] = -1;
    this.nextLink[entry] = this.head;
    if (this.head >= 0) this.prev[this.head] = entry;
    this.head = entry;
    if (this.tail < 0) this.tail = entry;
  }

  private unlink(entry: number): void {
    const p = this.prev[entry]!;
    const n = this.nextLink[entry]!;
    if (p >= 0) this.nextLink[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
  }
}
