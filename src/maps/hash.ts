import type { Region, RegionSpec } from '../vm/memory.js';
import { HashTable } from './hashtab.js';
import { BpfMap } from './map.js';
import { copyMapValue, copyMapValueLocked, hasSpinLock, type TimerHolder } from './record.js';
import {
  BPF_EXIST,
  BPF_F_LOCK,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY_PROG,
  BPF_NOEXIST,
} from '../uapi/bpf.js';
import { E2BIG, EEXIST, EINVAL, ENOENT, ENOMEM } from '../uapi/errno.js';
import { roundUp8, type MapSpec } from './types.js';

/** Values up to this many bytes copy by words (HashMap.copyValue). */
const WORD_COPY_MAX = 64;

/**
 * BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH over a
 * HashTable in the flat memory. A full plain hash refuses new keys with
 * -E2BIG; an LRU hash evicts an element not used lately instead, by the
 * kernel's common LRU (HashTable.lruPop; BPF_F_NO_COMMON_LRU unset), where a
 * use only marks the element. As htab_lru_map_update_elem, an LRU update
 * takes a free element first, evicting if there is none, even when the key
 * is present or the flags then refuse it. A program's
 * update of a per-CPU value writes its own CPU's slot; a new element starts
 * zeroed elsewhere.
 *
 * Memory: the table's index (internal), the keys (programs may read them:
 * bpf_for_each_map_elem passes one), the values. A per-CPU hash has one
 * slab of values per possible CPU, CPU-major, so threads running as
 * different CPUs write lines of their own.
 */
export class HashMap extends BpfMap implements TimerHolder {
  private table!: HashTable;
  private values = 0;
  private readonly stride = roundUp8(this.spec.valueSize);
  /** Bytes of one CPU's values (of all of them, for a plain hash). */
  private readonly cpuSlab = this.stride * this.spec.maxEntries;

  constructor(
    spec: MapSpec,
    cpus: number,
    private readonly percpu: boolean,
    private readonly lru: boolean,
  ) {
    super(spec, cpus);
  }

  override get perCpu(): boolean {
    return this.percpu;
  }

  /**
   * Whether an update of an existing key writes the value where it is and
   * leaves the element where it is in its chain (htab_map_update_elem_in_place
   * and the per-CPU updates). A plain or LRU hash links a new element at the
   * head of the chain instead; here the same element moves there.
   */
  protected get updatesInPlace(): boolean {
    return this.percpu;
  }

  /** The table, for tests that check its free list and LRU order. */
  get index(): HashTable {
    return this.table;
  }

  storage(): RegionSpec[] {
    const { name, maxEntries, keySize, flags } = this.spec;
    return [
      { name: `map:${name}:htab`, size: HashTable.indexBytes(maxEntries, this.lru, this.cpus), writable: false, readable: false },
      { name: `map:${name}:keys`, size: maxEntries * roundUp8(keySize), writable: false },
      {
        name: `map:${name}:values`,
        size: this.cpuSlab * (this.percpu ? this.cpus : 1),
        writable: (flags & BPF_F_RDONLY_PROG) === 0,
        readable: (flags & BPF_F_WRONLY_PROG) === 0,
      },
    ];
  }

  protected bindStorage(regions: readonly Region[]): void {
    const { keySize, maxEntries } = this.spec;
    this.table = new HashTable(this.memory, {
      index: regions[0]!.start,
      keyBase: regions[1]!.start,
      keySize,
      keyStride: roundUp8(keySize),
      capacity: maxEntries,
      lru: this.lru,
      hash: 'jhash',
      cpus: this.cpus,
    });
    // An element the LRU evicts loses its special fields then (its timer is cancelled), as
    // htab_lru_map_delete_node frees them, not when it is taken again.
    if (this.lru) this.table.onEvict = (elem) => this.record?.freeFields(this.valueAt(elem, 0));
    this.values = regions[2]!.start;
  }

  protected override perCpuStride(): number {
    return this.cpuSlab;
  }

  private valueAt(elem: number, cpu: number): number {
    return this.values + (this.percpu ? cpu * this.cpuSlab : 0) + elem * this.stride;
  }

  lookup(key: number, cpu: number): number {
    const elem = this.table.find(key);
    if (elem < 0) return 0;
    if (this.lru) this.table.touch(elem);
    return this.valueAt(elem, cpu);
  }

  protected userValue(key: number): number {
    const elem = this.table.find(key);
    return elem < 0 ? 0 : this.valueAt(elem, 0);
  }

  update(key: number, value: number, flags: number, cpu: number): number {
    // Only a plain hash takes BPF_F_LOCK: the LRU and per-CPU updates refuse any flag past BPF_EXIST.
    const mode = this.lru || this.percpu ? flags : flags & ~BPF_F_LOCK;
    if (mode > BPF_EXIST) return -EINVAL;
    const locked = (flags & BPF_F_LOCK) !== 0;
    if (locked && !hasSpinLock(this.record)) return -EINVAL;
    const table = this.table;
    const hash = table.hash(key);
    if (this.lru) return this.updateLru(key, hash, value, mode, cpu);
    if (locked) {
      // As the kernel: an existing element is found without the bucket lock and written under its own spin lock.
      const elem = table.find(key);
      if (elem >= 0) {
        if (mode === BPF_NOEXIST) return -EEXIST;
        this.writeLocked(elem, value);
        return 0;
      }
    }
    let fresh = -1;
    for (;;) {
      const bucket = table.lockBucket(hash);
      const elem = table.findLocked(bucket, key, hash);
      if (elem >= 0) {
        const err = mode === BPF_NOEXIST ? -EEXIST : this.updateExisting(bucket, elem, value, locked, cpu);
        table.unlockBucket(bucket);
        if (fresh >= 0) table.push(fresh);
        return err;
      }
      if (mode === BPF_EXIST) {
        table.unlockBucket(bucket);
        if (fresh >= 0) table.push(fresh);
        return -ENOENT;
      }
      if (fresh < 0) fresh = table.pop();
      if (fresh >= 0) {
        table.setKey(fresh, key);
        this.initValue(fresh, value, cpu);
        table.link(bucket, fresh, hash);
        table.unlockBucket(bucket);
        return 0;
      }
      table.unlockBucket(bucket);
      return -E2BIG;
    }
  }

  /**
   * htab_lru_map_update_elem and htab_lru_percpu_map_update_elem: the new
   * element is taken (prealloc_lru_pop, which may evict and so runs with no
   * bucket lock held) before the key is looked for; a per-CPU update with
   * BPF_EXIST takes none. A plain LRU links the new element and gives the
   * old one back, the new one marked used; a per-CPU one writes the old
   * element in place and marks it. An element taken and not linked goes
   * back to the free lists.
   */
  private updateLru(key: number, hash: number, value: number, mode: number, cpu: number): number {
    const table = this.table;
    let fresh = -1;
    if (!this.percpu || mode !== BPF_EXIST) {
      fresh = table.lruPop(hash, cpu);
      if (fresh < 0) return -ENOMEM;
      this.record?.freeFields(this.valueAt(fresh, 0));
      table.setKey(fresh, key);
      if (!this.percpu) this.initValue(fresh, value, cpu);
    }
    const bucket = table.lockBucket(hash);
    const old = table.findLocked(bucket, key, hash);
    let err = 0;
    if (old >= 0 && mode === BPF_NOEXIST) err = -EEXIST;
    else if (old < 0 && mode === BPF_EXIST) err = -ENOENT;
    else if (this.percpu && old >= 0) {
      this.updateExisting(bucket, old, value, false, cpu);
    } else {
      if (this.percpu) this.initValue(fresh, value, cpu);
      table.link(bucket, fresh, hash);
      if (old >= 0) {
        table.touch(fresh);
        table.remove(bucket, old);
      }
    }
    table.unlockBucket(bucket);
    if (err !== 0 || (this.percpu && old >= 0)) {
      if (fresh >= 0) table.lruPushFree(fresh);
    } else if (old >= 0) {
      this.record?.freeFields(this.valueAt(old, 0));
      table.lruPushFree(old);
    }
    return err;
  }

  /** The update of an element found in `bucket`, whose lock the caller holds. */
  private updateExisting(bucket: number, elem: number, value: number, locked: boolean, cpu: number): number {
    if (locked) {
      this.writeLocked(elem, value);
      return 0;
    }
    const size = this.spec.valueSize;
    if (this.percpu && cpu < 0) {
      for (let c = 0; c < this.cpus; c++) copyMapValue(this.u8, this.record, this.valueAt(elem, c), value + c * this.stride, size);
    } else {
      this.copyValue(this.valueAt(elem, Math.max(cpu, 0)), value);
      // The kernel links a new element and frees the old one's fields; in place, that is freeing them here.
      this.record?.freeFields(this.valueAt(elem, 0));
    }
    if (!this.updatesInPlace) this.table.moveToHead(bucket, elem);
    if (this.lru) this.table.touch(elem);
    return 0;
  }

  /**
   * copy_map_value from `src` into the value at `dst`: by int32 words when
   * the value holds no special field, is small and whole words, and `src`
   * is aligned and not overlapping it from below, as a program's value on
   * its stack is; a builtin copy costs more than the words.
   */
  private copyValue(dst: number, src: number): void {
    const size = this.spec.valueSize;
    if (this.record === undefined && ((src | size) & 3) === 0 && size <= WORD_COPY_MAX && (src >= dst || src + size <= dst)) {
      const i32 = this.memory.i32;
      const d = dst >> 2;
      const s = src >> 2;
      for (let i = 0; i < size >> 2; i++) i32[d + i] = i32[s + i]!;
      return;
    }
    copyMapValue(this.u8, this.record, dst, src, size);
  }

  private writeLocked(elem: number, value: number): void {
    const at = this.valueAt(elem, 0);
    copyMapValueLocked(this.memory, this.record!, at, value, this.spec.valueSize, at);
  }

  /** A new element's values: the one written, the other CPUs' zeroed (pcpu_init_value). */
  private initValue(elem: number, value: number, cpu: number): void {
    const size = this.spec.valueSize;
    if (!this.percpu || cpu >= 0) {
      const mine = this.percpu ? cpu : 0;
      for (let c = 0; c < (this.percpu ? this.cpus : 1); c++) {
        const at = this.valueAt(elem, c);
        if (c !== mine) {
          this.u8.fill(0, at, at + this.stride);
          continue;
        }
        // Zeroed first only where the copy leaves bytes as they were: padding past the value, or special fields.
        if (this.record !== undefined || size !== this.stride) this.u8.fill(0, at, at + this.stride);
        this.copyValue(at, value);
      }
      return;
    }
    for (let c = 0; c < this.cpus; c++) copyMapValue(this.u8, this.record, this.valueAt(elem, c), value + c * this.stride, size);
  }

  delete(key: number): number {
    const table = this.table;
    const hash = table.hash(key);
    const bucket = table.lockBucket(hash);
    const elem = table.findLocked(bucket, key, hash);
    if (elem < 0) {
      table.unlockBucket(bucket);
      return -ENOENT;
    }
    table.remove(bucket, elem);
    table.unlockBucket(bucket);
    this.record?.freeFields(this.valueAt(elem, 0));
    if (this.lru) table.lruPushFree(elem);
    else table.push(elem);
    return 0;
  }

  valueHolding(address: number): number {
    const end = this.values + this.cpuSlab;
    if (this.percpu || address < this.values || address >= end) return -1;
    const value = address - ((address - this.values) % this.stride);
    return address < value + this.spec.valueSize ? value : -1;
  }

  keyOfValue(value: number): number {
    return this.table.keyAddress((value - this.values) / this.stride);
  }

  nextKey(key: number, next: number): number {
    const elem = this.table.next(key);
    if (elem < 0) return -ENOENT;
    const at = this.table.keyAddress(elem);
    this.u8.copyWithin(next, at, at + this.spec.keySize);
    return 0;
  }

  /**
   * bpf_for_each_map_elem walks the buckets in place, as the kernel does: the
   * callback gets the stored key, and deleting it (or any other element)
   * does not restart the walk. Visiting is not a use: LRU order stays.
   */
  override forEachElem(cpu: number, visit: (key: number, value: number) => boolean): number {
    // The walk's callback is made once per map object, not per call: bpf_for_each_map_elem allocates
    // nothing. A callback may walk the same map again, so the outer walk's state comes back after.
    const outerVisit = this.walkVisit;
    const outerCpu = this.walkCpu;
    this.walkVisit = visit;
    this.walkCpu = cpu;
    try {
      return this.table.walk(this.visitElem);
    } finally {
      this.walkVisit = outerVisit;
      this.walkCpu = outerCpu;
    }
  }

  private walkVisit: ((key: number, value: number) => boolean) | undefined;
  private walkCpu = 0;
  private readonly visitElem = (elem: number): boolean => this.walkVisit!(this.table.keyAddress(elem), this.valueAt(elem, this.walkCpu));
}
