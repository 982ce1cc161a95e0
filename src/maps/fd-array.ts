import type { Region, RegionSpec } from '../vm/memory.js';
import { nextArrayKey } from './array-keys.js';
import { BpfMap } from './map.js';
import { NO_REFS, type ObjectRefs, type RefHolder } from './refs.js';
import { BPF_ANY } from '../uapi/bpf.js';
import { E2BIG, EINVAL, ENOENT } from '../uapi/errno.js';

/**
 * The kernel's fd arrays (prog arrays, arrays of maps): `max_entries` slots
 * indexed by a u32 key, each empty or holding a reference that user space
 * passes by number. The slots are u32 ids in the flat memory, read-only for
 * programs, so a user-space lookup reads the id back as the kernel's
 * map_fd_sys_lookup_elem does. Updates take BPF_ANY only; deleting an empty
 * slot is -ENOENT.
 */
export abstract class FdArrayMap extends BpfMap implements RefHolder {
  protected refs: ObjectRefs = NO_REFS;
  private base = 0;

  storage(): RegionSpec[] {
    return [{ name: `map:${this.spec.name}:slots`, size: this.spec.maxEntries * 4, writable: false }];
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.base = regions[0]!.start;
  }

  bindRefs(refs: ObjectRefs): void {
    this.refs = refs;
  }

  /** 0 when `id` may be stored in this map, else the kernel's negative errno. */
  protected abstract accept(id: number): number;

  /** The id in slot `index`, or 0 for an empty or out-of-range slot. */
  protected idAt(index: number): number {
    return index < this.spec.maxEntries ? this.memory.view.getUint32(this.base + index * 4, true) : 0;
  }

  protected index(key: number): number {
    return this.memory.view.getUint32(key, true);
  }

  protected userValue(key: number): number {
    const i = this.index(key);
    return this.idAt(i) === 0 ? 0 : this.base + i * 4;
  }

  update(key: number, value: number, flags: number): number {
    if (flags !== BPF_ANY) return -EINVAL;
    const i = this.index(key);
    if (i >= this.spec.maxEntries) return -E2BIG;
    const id = this.memory.view.getUint32(value, true);
    const err = this.accept(id);
    if (err < 0) return err;
    this.memory.view.setUint32(this.base + i * 4, id, true);
    return 0;
  }

  delete(key: number): number {
    const i = this.index(key);
    if (i >= this.spec.maxEntries) return -E2BIG;
    if (this.idAt(i) === 0) return -ENOENT;
    this.memory.view.setUint32(this.base + i * 4, 0, true);
    return 0;
  }

  /** Every index, full or not, as for arrays; a dump then skips the empty ones. */
  nextKey(key: number, next: number): number {
    return nextArrayKey(this.memory.view, key, next, this.spec.maxEntries);
  }
}
