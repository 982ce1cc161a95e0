import { shownName } from '../encoding/names.js';
import type { Memory, Region, RegionSpec } from '../vm/memory.js';
import type { BtfRecord } from './record.js';
import { EINVAL, ENOENT, EPERM } from '../uapi/errno.js';
import { MapError, roundUp8, type MapSpec } from './types.js';

/**
 * The owner id (src/vm/lock.ts) under which map code takes the locks it
 * holds only for one operation (a queue's lock, a ring buffer's producer
 * lock, a value's spin lock during a BPF_F_LOCK copy): such a lock is never
 * held across a return to a program, so nothing compares its owner but with
 * 0. The highest owner id, above those of execution contexts, so a program
 * that finds a value's lock held by it waits, and is not told it deadlocked.
 */
export const MAP_LOCK_OWNER = 0x3fff_ffff;

/**
 * Threads that can use the user-space API of one map at once without
 * sharing a scratch slot, beyond one per possible CPU (one worker per RX
 * queue, plus the thread that loaded the object).
 */
const MAX_SCRATCH_SLOTS = 9;

/** Word of the map's descriptor that marks it frozen (word 0 counts binds; the helpers' MAP_INDEX_WORD holds its index). */
const FROZEN_WORD = 1;

/** Scratch slots start on this boundary, so two threads' slots share no cache line. */
const SCRATCH_ALIGN = 64;

/** A value as user space sees it: one buffer, or one per possible CPU for per-CPU maps. */
export type MapValue = Uint8Array | Uint8Array[];

/**
 * A map whose storage lives in the flat memory, so a program gets a plain
 * address from `bpf_map_lookup_elem` and reads the value in place, as it gets a
 * pointer in the kernel. Each map family implements its rules once, on
 * addresses; the user-space API (`lookupElem`, `updateElem`, ...) copies its
 * bytes into a scratch region and calls the same code.
 *
 * Life cycle: `regions()` says what storage the map needs, the loader lays out
 * one memory for the whole object, then `bind()` hands the regions over and,
 * for a new map, `init()` sets up its empty state. All of a map's state lives
 * in those regions (its JS object holds only the definition and addresses),
 * so a worker thread that binds its own map object over the same shared
 * memory works on the same map, as two CPUs do in the kernel.
 *
 * Scratch is per thread: the scratch region holds a few slots, and each map
 * object claims the next one when it is bound (a counter in the descriptor
 * region), so the thread that creates the map and each worker that binds
 * its own map object over the same memory copy keys and values each into
 * its own slot. Past `MAX_SCRATCH_SLOTS` binds, slots are shared again; one
 * map object is for one thread.
 */
export abstract class BpfMap {
  protected memory!: Memory;
  protected u8!: Uint8Array;
  /** Address of this map object's scratch slot: room for two keys, then a user value. */
  private scratch = 0;
  /** Address of this map object's two keys for bpf_for_each_map_elem's walk. */
  private walkKeys = 0;
  /** Address of the map's descriptor region: what `lddw r1, map` yields. */
  address = 0;
  /**
   * The special fields of the values that the map looks after (a timer), set
   * at load from the value's BTF; most maps have none.
   */
  record: BtfRecord | undefined;

  constructor(
    readonly spec: MapSpec,
    /** Possible CPUs: the number of slots of a per-CPU value. */
    readonly cpus: number,
  ) {}

  get perCpu(): boolean {
    return false;
  }

  /** Bytes of one value as user space passes it (per-CPU: one slot per CPU, each rounded to 8). */
  get userValueSize(): number {
    return this.perCpu ? roundUp8(this.spec.valueSize) * this.cpus : this.spec.valueSize;
  }

  /** Storage this map needs besides its descriptor, scratch and walk-key regions. */
  abstract storage(): RegionSpec[];

  regions(): RegionSpec[] {
    const name = this.spec.name;
    return [
      // The descriptor's first word counts the binds, which hand out scratch slots.
      { name: `map:${name}`, size: 64, writable: false },
      // User space's copies of keys and values: internal, so no program reaches another thread's copy.
      { name: `map:${name}:scratch`, size: this.scratchSlotSize() * this.scratchSlots(), writable: false, readable: false },
      // The keys bpf_for_each_map_elem hands its callback (two per thread): programs may read them, as the
      // kernel's verifier lets a callback read its key, and write none.
      { name: `map:${name}:walk-keys`, size: roundUp8(this.spec.keySize) * 2 * this.scratchSlots(), writable: false },
      ...this.storage(),
    ];
  }

  private scratchSlots(): number {
    return Math.min(this.cpus + 1, MAX_SCRATCH_SLOTS);
  }

  private scratchSlotSize(): number {
    const bytes = roundUp8(this.spec.keySize) * 2 + this.userValueSize;
    return Math.ceil(bytes / SCRATCH_ALIGN) * SCRATCH_ALIGN;
  }

  /** Takes the regions `regions()` asked for, and the next free scratch slot for this thread. */
  bind(memory: Memory, regions: readonly Region[]): void {
    this.memory = memory;
    this.u8 = memory.u8;
    this.address = regions[0]!.start;
    const slot = Atomics.add(memory.i32, this.address >>> 2, 1) % this.scratchSlots();
    this.scratch = regions[1]!.start + slot * this.scratchSlotSize();
    this.walkKeys = regions[2]!.start + slot * roundUp8(this.spec.keySize) * 2;
    this.bindStorage(regions.slice(3));
  }

  /** Where this thread's user-space calls stage a value (after two keys), for maps that copy values out themselves. */
  protected get scratchValue(): number {
    return this.scratch + roundUp8(this.spec.keySize) * 2;
  }

  protected abstract bindStorage(regions: readonly Region[]): void;

  /**
   * Writes the state of an empty map into its (zeroed) regions: once, by the
   * thread that creates the map, never by one that attaches to it.
   */
  init(): void {}

  /** Address of the value a direct `lddw` reference points into; only single-value arrays have one. */
  directValueAddress(): number {
    throw new MapError(EINVAL, `map '${shownName(this.spec.name)}' (type ${this.spec.type}) has no direct value address`);
  }

  // Program side: addresses in, kernel return conventions out.

  /** Address of the value for the key at `key` on `cpu`, or 0. */
  abstract lookup(key: number, cpu: number): number;
  /** 0 or a negative errno. `cpu` < 0 writes every CPU's slot from consecutive values (user space). */
  abstract update(key: number, value: number, flags: number, cpu: number): number;
  /** 0 or a negative errno. */
  abstract delete(key: number): number;
  /** Writes the key after the one at `key` (or the first when `key` is 0) to `next`; 0 or -ENOENT. */
  abstract nextKey(key: number, next: number): number;
  /** Address of the first CPU's value slot for a user-space read; 0 if absent. */
  protected abstract userValue(key: number): number;

  // User side: bytes in and out, as the bpf() syscall and bpftool see the map.

  lookupElem(key: Uint8Array): MapValue | undefined {
    const k = this.putKey(key);
    const at = this.userValue(k);
    if (at === 0) return undefined;
    const size = this.spec.valueSize;
    if (!this.perCpu) return this.u8.slice(at, at + size);
    const stride = this.perCpuStride();
    return Array.from({ length: this.cpus }, (_, c) => this.u8.slice(at + c * stride, at + c * stride + size));
  }

  /**
   * bpf_map_freeze: from now on user space may not change the map (EPERM);
   * programs keep their access. libbpf freezes `.rodata` once loaded.
   */
  freeze(): void {
    Atomics.store(this.memory.i32, (this.address >>> 2) + FROZEN_WORD, 1);
  }

  /** Frozen in any thread: the mark lives in the map's descriptor, as the kernel keeps it on the map. */
  get isFrozen(): boolean {
    return Atomics.load(this.memory.i32, (this.address >>> 2) + FROZEN_WORD) === 1;
  }

  updateElem(key: Uint8Array, value: MapValue, flags = 0): void {
    if (this.isFrozen) throw new MapError(EPERM, `update ${shownName(this.spec.name)}: map is frozen`);
    const k = this.putKey(key);
    const v = k + roundUp8(this.spec.keySize) * 2;
    if (this.perCpu) {
      const values = Array.isArray(value) ? value : Array.from({ length: this.cpus }, () => value);
      if (values.length !== this.cpus) throw new MapError(EINVAL, `${shownName(this.spec.name)}: expected ${this.cpus} per-CPU values`);
      const stride = roundUp8(this.spec.valueSize);
      values.forEach((val, c) => this.putBytes(val, v + c * stride, this.spec.valueSize, 'value'));
    } else {
      if (Array.isArray(value)) throw new MapError(EINVAL, `${shownName(this.spec.name)}: not a per-CPU map`);
      this.putBytes(value, v, this.spec.valueSize, 'value');
    }
    const err = this.update(k, v, flags, -1);
    if (err < 0) throw new MapError(-err, `update ${shownName(this.spec.name)}`);
  }

  deleteElem(key: Uint8Array): void {
    if (this.isFrozen) throw new MapError(EPERM, `delete ${shownName(this.spec.name)}: map is frozen`);
    const err = this.delete(this.putKey(key));
    if (err < 0) throw new MapError(-err, `delete ${shownName(this.spec.name)}`);
  }

  /** The key after `key`, or the first key; undefined at the end. */
  nextKeyElem(key: Uint8Array | undefined): Uint8Array | undefined {
    const ks = roundUp8(this.spec.keySize);
    const k = key ? this.putKey(key) : 0;
    const next = this.scratch + ks;
    if (this.nextKey(k, next) < 0) return undefined;
    return this.u8.slice(next, next + this.spec.keySize);
  }

  /**
   * Visits each element for bpf_for_each_map_elem: `visit(key, value)` gets a
   * key address (a copy in a region programs may read, as the kernel passes a
   * copy of an array index) and the value's address on `cpu`; returning true stops.
   * Returns how many elements were visited. This walk follows get_next_key,
   * which suits maps whose elements cannot be deleted (arrays: index order);
   * maps that can lose the current key under the callback walk their storage
   * instead.
   */
  forEachElem(cpu: number, visit: (key: number, value: number) => boolean): number {
    const cur = this.walkKeys + roundUp8(this.spec.keySize);
    const next = this.walkKeys;
    let visited = 0;
    for (let err = this.nextKey(0, next); err === 0 && visited <= this.spec.maxEntries; err = this.nextKey(cur, next)) {
      this.u8.copyWithin(cur, next, next + this.spec.keySize);
      const value = this.lookup(cur, cpu);
      if (value === 0) continue;
      visited++;
      if (visit(cur, value)) break;
    }
    return visited;
  }

  /**
   * Every entry in get_next_key order, one at a time: a dump of millions of
   * entries holds one of them at once. Keys without a value (the empty
   * slots of fd arrays) are left out, as bpftool leaves them out.
   */
  *entries(): Generator<[Uint8Array, MapValue]> {
    for (const at of this.walk()) {
      const key = this.u8.slice(at, at + this.spec.keySize);
      const value = this.lookupElem(key);
      if (value !== undefined) yield [key, value];
    }
  }

  /** How many entries `entries()` yields (bpftool's "Found N elements"). */
  entryCount(): number {
    let n = 0;
    for (const _ of this.entries()) n++;
    return n;
  }

  /**
   * Addresses of the keys in get_next_key order, each a copy in the scratch
   * region valid until the next step (the first key slot stays free for
   * lookups); at most max_entries + 1 steps, so a broken chain cannot go on
   * for ever.
   */
  private *walk(): Generator<number> {
    const cur = this.scratch + roundUp8(this.spec.keySize);
    const next = this.scratch;
    let steps = 0;
    for (let err = this.nextKey(0, next); err === 0 && steps <= this.spec.maxEntries; err = this.nextKey(cur, next), steps++) {
      this.u8.copyWithin(cur, next, next + this.spec.keySize);
      yield cur;
    }
  }

  protected perCpuStride(): number {
    return roundUp8(this.spec.valueSize);
  }

  private putKey(key: Uint8Array): number {
    const at = this.scratch;
    this.putBytes(key, at, this.spec.keySize, 'key');
    return at;
  }

  private putBytes(bytes: Uint8Array, at: number, size: number, what: string): void {
    if (bytes.length !== size) throw new MapError(EINVAL, `${shownName(this.spec.name)}: ${what} must be ${size} bytes, got ${bytes.length}`);
    this.u8.set(bytes, at);
  }
}

export const NOT_FOUND = -ENOENT;
