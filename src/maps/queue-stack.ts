import type { Region, RegionSpec } from '../vm/memory.js';
import { BpfMap } from './map.js';
import { BPF_EXIST, BPF_NOEXIST, E2BIG, EINVAL, ENOENT, type MapSpec } from './types.js';

/**
 * BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO): values without keys
 * in a ring of max_entries + 1 slots, as the kernel keeps them. A push on a
 * full map is -E2BIG, or with BPF_EXIST drops the oldest value to make room;
 * a pop or peek on an empty map is -ENOENT and zeroes the destination.
 * User space pushes with update, peeks with lookup and pops with
 * lookup-and-delete; there are no keys to delete or iterate (-EINVAL).
 */
export class QueueStackMap extends BpfMap {
  private elements = 0;
  private staging = 0;
  private head = 0;
  private tail = 0;
  private readonly size: number;

  constructor(
    spec: MapSpec,
    cpus: number,
    /** LIFO (BPF_MAP_TYPE_STACK) rather than FIFO. */
    private readonly lifo: boolean,
  ) {
    super(spec, cpus);
    this.size = spec.maxEntries + 1;
  }

  storage(): RegionSpec[] {
    const { name, valueSize } = this.spec;
    return [
      { name: `map:${name}:elements`, size: this.size * valueSize, writable: false },
      { name: `map:${name}:staging`, size: valueSize, writable: false },
    ];
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.elements = regions[0]!.start;
    this.staging = regions[1]!.start;
  }

  get count(): number {
    return (this.head - this.tail + this.size) % this.size;
  }

  private get full(): boolean {
    return (this.head + 1) % this.size === this.tail;
  }

  /** Slot of the value the next pop takes, or -1 when empty. */
  private nextOut(): number {
    if (this.head === this.tail) return -1;
    if (!this.lifo) return this.tail;
    return this.head === 0 ? this.size - 1 : this.head - 1;
  }

  /** bpf_map_push_elem: copies the value at `value` in; 0 or a negative errno. */
  push(value: number, flags: number): number {
    if (flags & BPF_NOEXIST || flags > BPF_EXIST) return -EINVAL;
    if (this.full) {
      if (!(flags & BPF_EXIST)) return -E2BIG;
      this.tail = (this.tail + 1) % this.size;
    }
    const at = this.elements + this.head * this.spec.valueSize;
    this.u8.copyWithin(at, value, value + this.spec.valueSize);
    this.head = (this.head + 1) % this.size;
    return 0;
  }

  /** bpf_map_peek_elem / bpf_map_pop_elem: copies the next value to `out`; 0 or -ENOENT. */
  take(out: number, remove: boolean): number {
    const slot = this.nextOut();
    const size = this.spec.valueSize;
    if (slot < 0) {
      this.u8.fill(0, out, out + size);
      return -ENOENT;
    }
    const at = this.elements + slot * size;
    this.u8.copyWithin(out, at, at + size);
    if (remove) {
      if (this.lifo) this.head = slot;
      else this.tail = (this.tail + 1) % this.size;
    }
    return 0;
  }

  /** Programs reach these maps through push/pop/peek only. */
  lookup(): number {
    return 0;
  }

  protected userValue(): number {
    const slot = this.nextOut();
    return slot < 0 ? 0 : this.elements + slot * this.spec.valueSize;
  }

  update(_key: number, value: number, flags: number): number {
    return this.push(value, flags);
  }

  delete(): number {
    return -EINVAL;
  }

  nextKey(): number {
    return -EINVAL;
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM: the popped value, or undefined when empty. */
  lookupAndDeleteElem(): Uint8Array | undefined {
    if (this.take(this.staging, true) < 0) return undefined;
    return this.u8.slice(this.staging, this.staging + this.spec.valueSize);
  }

  /** Every value in pop order, without popping: what a dump of the map would list. */
  values(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const size = this.spec.valueSize;
    for (let n = 0; n < this.count; n++) {
      const slot = this.lifo ? (this.head - 1 - n + 2 * this.size) % this.size : (this.tail + n) % this.size;
      const at = this.elements + slot * size;
      out.push(this.u8.slice(at, at + size));
    }
    return out;
  }
}
