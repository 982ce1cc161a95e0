import { lock, unlock } from '../vm/lock.js';
import type { Region, RegionSpec } from '../vm/memory.js';
import { BpfMap, MAP_LOCK_OWNER, type MapValue } from './map.js';
import { BPF_EXIST, BPF_NOEXIST } from '../uapi/bpf.js';
import { E2BIG, EINVAL, ENOENT } from '../uapi/errno.js';
import type { MapSpec } from './types.js';

/** Int32 words of the state region: qs->lock, then qs->head and qs->tail (slot numbers). */
const LOCK = 0;
const HEAD = 1;
const TAIL = 2;

/**
 * BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO): values without keys
 * in a ring of max_entries + 1 slots, as the kernel keeps them. A push on a
 * full map is -E2BIG, or with BPF_EXIST drops the oldest value to make room;
 * a pop or peek on an empty map is -ENOENT and zeroes the destination.
 * User space pushes with update, peeks with lookup and pops with
 * lookup-and-delete; there are no keys to delete or iterate (-EINVAL).
 *
 * Memory: an internal state region (the lock word, head, tail) and an
 * internal region of slots; values only ever leave it as copies. Every
 * push, pop and peek holds the lock, as queue_stack_maps.c holds qs->lock,
 * so threads sharing the memory push and pop one map.
 */
export class QueueStackMap extends BpfMap {
  private elements = 0;
  /** Int32 index of the state region's first word. */
  private state = 0;
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
      { name: `map:${name}:queue`, size: 12, writable: false, readable: false },
      { name: `map:${name}:elements`, size: this.size * valueSize, writable: false, readable: false },
    ];
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.state = regions[0]!.start >>> 2;
    this.elements = regions[1]!.start;
  }

  /** Values held now (another thread may change it right after). */
  get count(): number {
    const i32 = this.memory.i32;
    return (Atomics.load(i32, this.state + HEAD) - Atomics.load(i32, this.state + TAIL) + this.size) % this.size;
  }

  /** Slot of the value the next pop takes, or -1 when empty; the caller holds the lock. */
  private nextOut(head: number, tail: number): number {
    if (head === tail) return -1;
    if (!this.lifo) return tail;
    return head === 0 ? this.size - 1 : head - 1;
  }

  /** bpf_map_push_elem: copies the value at `value` in; 0 or a negative errno. */
  push(value: number, flags: number): number {
    if (flags & BPF_NOEXIST || flags > BPF_EXIST) return -EINVAL;
    const i32 = this.memory.i32;
    lock(i32, this.state + LOCK, MAP_LOCK_OWNER);
    const head = i32[this.state + HEAD]!;
    let tail = i32[this.state + TAIL]!;
    const next = head + 1 === this.size ? 0 : head + 1;
    if (next === tail) {
      if (!(flags & BPF_EXIST)) {
        unlock(i32, this.state + LOCK);
        return -E2BIG;
      }
      tail = tail + 1 === this.size ? 0 : tail + 1;
      i32[this.state + TAIL] = tail;
    }
    const at = this.elements + head * this.spec.valueSize;
    this.u8.copyWithin(at, value, value + this.spec.valueSize);
    i32[this.state + HEAD] = next;
    unlock(i32, this.state + LOCK);
    return 0;
  }

  /** bpf_map_peek_elem / bpf_map_pop_elem: copies the next value to `out`; 0 or -ENOENT. */
  take(out: number, remove: boolean): number {
    const i32 = this.memory.i32;
    const size = this.spec.valueSize;
    lock(i32, this.state + LOCK, MAP_LOCK_OWNER);
    const head = i32[this.state + HEAD]!;
    const tail = i32[this.state + TAIL]!;
    const slot = this.nextOut(head, tail);
    if (slot < 0) {
      unlock(i32, this.state + LOCK);
      this.u8.fill(0, out, out + size);
      return -ENOENT;
    }
    const at = this.elements + slot * size;
    this.u8.copyWithin(out, at, at + size);
    if (remove) {
      if (this.lifo) i32[this.state + HEAD] = slot;
      else i32[this.state + TAIL] = tail + 1 === this.size ? 0 : tail + 1;
    }
    unlock(i32, this.state + LOCK);
    return 0;
  }

  /** Programs reach these maps through push/pop/peek only. */
  lookup(): number {
    return 0;
  }

  /** Values have no address user space may read in place: lookupElem peeks a copy under the lock. */
  protected userValue(): number {
    return 0;
  }

  /** BPF_MAP_LOOKUP_ELEM: a copy of the value the next pop would take, or undefined when empty. */
  override lookupElem(_key: Uint8Array): MapValue | undefined {
    return this.takeElem(false);
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
    return this.takeElem(true);
  }

  private takeElem(remove: boolean): Uint8Array | undefined {
    const out = this.scratchValue;
    if (this.take(out, remove) < 0) return undefined;
    return this.u8.slice(out, out + this.spec.valueSize);
  }

  /** Every value in pop order, without popping: what a dump of the map would list. */
  values(): Uint8Array[] {
    const i32 = this.memory.i32;
    const size = this.spec.valueSize;
    lock(i32, this.state + LOCK, MAP_LOCK_OWNER);
    const head = i32[this.state + HEAD]!;
    const tail = i32[this.state + TAIL]!;
    const count = (head - tail + this.size) % this.size;
    const out: Uint8Array[] = [];
    for (let n = 0; n < count; n++) {
      const slot = this.lifo ? (head - 1 - n + 2 * this.size) % this.size : (tail + n) % this.size;
      const at = this.elements + slot * size;
      out.push(this.u8.slice(at, at + size));
    }
    unlock(i32, this.state + LOCK);
    return out;
  }
}
