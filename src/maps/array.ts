import type { Region, RegionSpec } from '../vm/memory.js';
import { nextArrayKey } from './array-keys.js';
import { BpfMap } from './map.js';
import { copyMapValue, copyMapValueLocked, hasSpinLock, type TimerHolder } from './record.js';
import { BPF_EXIST, BPF_F_LOCK, BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG, BPF_NOEXIST } from '../uapi/bpf.js';
import { E2BIG, EEXIST, EINVAL } from '../uapi/errno.js';
import { roundUp8 } from './types.js';

/** Per-CPU slabs start on this boundary, so two CPUs' values never share a cache line. */
const SLAB_ALIGN = 64;

/**
 * BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY: `max_entries` preallocated
 * values indexed by a u32 key; elements always exist and cannot be deleted.
 *
 * Memory: one region of values, each rounded up to 8 bytes. A per-CPU array
 * has one slab per possible CPU in it, CPU-major: CPU c's values are
 * contiguous from `c * slab`, each slab rounded up to a cache line, so
 * threads running as different CPUs write lines of their own.
 */
export class ArrayMap extends BpfMap implements TimerHolder {
  private base = 0;
  private readonly stride = roundUp8(this.spec.valueSize);
  /** Bytes from one CPU's slab to the next. */
  private readonly slab = Math.ceil((this.spec.maxEntries * this.stride) / SLAB_ALIGN) * SLAB_ALIGN;

  constructor(
    spec: ConstructorParameters<typeof BpfMap>[0],
    cpus: number,
    private readonly percpu: boolean,
  ) {
    super(spec, cpus);
  }

  override get perCpu(): boolean {
    return this.percpu;
  }

  storage(): RegionSpec[] {
    const size = this.percpu ? this.slab * this.cpus : this.spec.maxEntries * this.stride;
    // A read-only-for-programs array (.rodata) faults on a program's write, a write-only one on a load.
    const writable = (this.spec.flags & BPF_F_RDONLY_PROG) === 0;
    const readable = (this.spec.flags & BPF_F_WRONLY_PROG) === 0;
    return [{ name: `map:${this.spec.name}:values`, size, writable, readable }];
  }

  /** Address of element 0: what `lddw` of a global variable resolves against (map_direct_value_addr). */
  override directValueAddress(): number {
    return this.base;
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.base = regions[0]!.start;
  }

  /** Address of element `index` on `cpu`. */
  private slot(index: number, cpu: number): number {
    return this.base + (this.percpu ? cpu * this.slab : 0) + index * this.stride;
  }

  private index(key: number): number {
    return this.memory.view.getUint32(key, true);
  }

  lookup(key: number, cpu: number): number {
    const i = this.index(key);
    return i < this.spec.maxEntries ? this.slot(i, cpu) : 0;
  }

  protected userValue(key: number): number {
    return this.lookup(key, 0);
  }

  protected override perCpuStride(): number {
    return this.slab;
  }

  update(key: number, value: number, flags: number, cpu: number): number {
    // User space updates a per-CPU array through bpf_percpu_array_update, which refuses any flag past BPF_EXIST.
    const mode = this.percpu && cpu < 0 ? flags : flags & ~BPF_F_LOCK;
    if (mode > BPF_EXIST) return -EINVAL;
    const i = this.index(key);
    if (i >= this.spec.maxEntries) return -E2BIG;
    if (mode === BPF_NOEXIST) return -EEXIST;
    if (flags & BPF_F_LOCK && !hasSpinLock(this.record)) return -EINVAL;
    const size = this.spec.valueSize;
    if (this.percpu && cpu < 0) {
      for (let c = 0; c < this.cpus; c++) copyMapValue(this.u8, this.record, this.slot(i, c), value + c * this.stride, size);
    } else {
      // Unlike a hash, an array frees the fields under BPF_F_LOCK too (array_map_update_elem).
      const slot = this.slot(i, Math.max(cpu, 0));
      if (flags & BPF_F_LOCK) copyMapValueLocked(this.memory, this.record!, slot, value, size, slot);
      else copyMapValue(this.u8, this.record, slot, value, size);
      this.record?.freeFields(slot);
    }
    return 0;
  }

  delete(): number {
    return -EINVAL;
  }

  valueHolding(address: number): number {
    const end = this.base + this.spec.maxEntries * this.stride;
    if (this.percpu || address < this.base || address >= end) return -1;
    const value = address - ((address - this.base) % this.stride);
    return address < value + this.spec.valueSize ? value : -1;
  }

  keyOfValue(value: number, scratch: number): number {
    this.memory.view.setUint32(scratch, (value - this.base) / this.stride, true);
    return scratch;
  }

  nextKey(key: number, next: number): number {
    return nextArrayKey(this.memory.view, key, next, this.spec.maxEntries);
  }
}
