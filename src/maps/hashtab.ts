/** Slot marks: a slot holds entry index + 1, or one of these. */
const EMPTY = 0;
const TOMBSTONE = -1;

/**
 * Open addressing over preallocated entries, the storage of every hashed map.
 * Keys live in the flat memory (programs may be handed key pointers, e.g. by
 * bpf_for_each_map_elem); the slot table and free list are typed arrays beside
 * it. Nothing allocates after construction, like the kernel's preallocated
 * hash maps. Iteration follows slot order, which is deterministic: the same
 * operations always give the same order.
 *
 * A delete leaves a tombstone (probe chains must stay intact) unless the next
 * slot is empty. Tombstones are reclaimed by rebuilding the slot table on an
 * insert once live entries and tombstones fill 3/4 of the slots; at most half
 * the slots are ever live, so a rebuild clears at least a quarter of them and
 * its cost is amortised over the deletes that made them. Deletes never
 * rebuild, and nor does anything during a `walk`, so a walk sees every
 * element that stays in place exactly once.
 */
export class HashTable {
  /** Entry index + 1 per slot, EMPTY or TOMBSTONE. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Live + tombstone slots above which an insert rebuilds first. */
  private readonly rebuildAt: number;
  /** Free entry indices, used as a stack. */
  private readonly free: Int32Array;
  private freeTop: number;
  /** Live slot contents in slot order, gathered by a rebuild. */
  private readonly gathered: Int32Array;
  private tombstones = 0;
  /** Walks in progress (a callback may start another). */
  private walking = 0;
  count = 0;
  /**
   * Slots examined by lookups, inserts, removals and iteration since
   * construction: what the table costs, counted rather than timed.
   */
  probes = 0;

  constructor(
    private readonly u8: Uint8Array,
    /** Address of entry 0's key; entries are `keyStride` apart. */
    private readonly keyBase: number,
    private readonly keySize: number,
    private readonly keyStride: number,
    readonly capacity: number,
  ) {
    let size = 8;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.rebuildAt = (size >>> 2) * 3;
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeTop = capacity;
    this.gathered = new Int32Array(capacity);
  }

  /** Slots in the table: what a full walk scans. */
  get size(): number {
    return this.mask + 1;
  }

  keyAddress(entry: number): number {
    return this.keyBase + entry * this.keyStride;
  }

  /** FNV-1a over the key bytes at `key`. */
  private hash(key: number): number {
    let h = 0x811c9dc5;
    const u8 = this.u8;
    for (let i = 0; i < this.keySize; i++) h = Math.imul(h ^ u8[key + i]!, 0x01000193);
    return (h ^ (h >>> 15)) & this.mask;
  }

  private equal(key: number, entry: number): boolean {
    const u8 = this.u8;
    const at = this.keyBase + entry * this.keyStride;
    for (let i = 0; i < this.keySize; i++) if (u8[key + i] !== u8[at + i]) return false;
    return true;
  }

  /** Slot holding the key at address `key`, or -1. */
  findSlot(key: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let s = this.hash(key);
    for (let probes = 1; probes <= mask + 1; s = (s + 1) & mask, probes++) {
      const v = slots[s]!;
      if (v === EMPTY || (v > 0 && this.equal(key, v - 1))) {
        this.probes += probes;
        return v === EMPTY ? -1 : s;
      }
    }
    this.probes += mask + 1;
    return -1;
  }

  /** Entry index holding the key at address `key`, or -1. */
  find(key: number): number {
    const s = this.findSlot(key);
    return s < 0 ? -1 : this.slots[s]! - 1;
  }

  /** Inserts a key known to be absent; returns its entry index, or -1 when no entry is free. */
  insert(key: number): number {
    if (this.freeTop === 0) return -1;
    if (this.walking === 0 && this.count + this.tombstones >= this.rebuildAt) this.rebuild();
    const entry = this.free[--this.freeTop]!;
    this.u8.copyWithin(this.keyAddress(entry), key, key + this.keySize);
    this.place(entry, key);
    this.count++;
    return entry;
  }

  /** Puts `entry` (whose key is at `key`) in the first free or tombstone slot of its chain. */
  private place(entry: number, key: number): void {
    const slots = this.slots;
    let s = this.hash(key);
    let probes = 1;
    while (slots[s]! > 0) {
      s = (s + 1) & this.mask;
      probes++;
    }
    if (slots[s] === TOMBSTONE) this.tombstones--;
    slots[s] = entry + 1;
    this.probes += probes;
  }

  /** Removes the key at `key`; returns its former entry index or -1. */
  remove(key: number): number {
    const s = this.findSlot(key);
    if (s < 0) return -1;
    const entry = this.slots[s]! - 1;
    this.clearSlot(s);
    this.free[this.freeTop++] = entry;
    this.count--;
    return entry;
  }

  /**
   * Empties slot `s`. A chain never runs through an empty slot, so when the
   * next slot is empty this one and the tombstones just before it can be
   * empty too; otherwise it becomes a tombstone.
   */
  private clearSlot(s: number): void {
    const slots = this.slots;
    const mask = this.mask;
    if (slots[(s + 1) & mask] !== EMPTY) {
      slots[s] = TOMBSTONE;
      this.tombstones++;
      return;
    }
    slots[s] = EMPTY;
    for (let p = (s - 1) & mask; slots[p] === TOMBSTONE; p = (p - 1) & mask) {
      slots[p] = EMPTY;
      this.tombstones--;
    }
  }

  /** Re-places every live entry in a table without tombstones, in the old slot order. */
  private rebuild(): void {
    const slots = this.slots;
    let n = 0;
    for (let s = 0; s <= this.mask; s++) if (slots[s]! > 0) this.gathered[n++] = slots[s]! - 1;
    slots.fill(EMPTY);
    this.tombstones = 0;
    for (let i = 0; i < n; i++) {
      const entry = this.gathered[i]!;
      this.place(entry, this.keyAddress(entry));
    }
    this.probes += this.mask + 1;
  }

  /** First slot at or after `s` holding an entry, or -1. */
  private liveFrom(s: number): number {
    const slots = this.slots;
    const start = s;
    for (; s <= this.mask; s++) {
      if (slots[s]! > 0) {
        this.probes += s - start + 1;
        return s;
      }
    }
    this.probes += s - start;
    return -1;
  }

  /**
   * Entry after the one holding `key` in slot order (the first when key is 0
   * or absent, as the kernel's htab_map_get_next_key restarts); -1 at the end.
   */
  next(key: number): number {
    const at = key === 0 ? -1 : this.findSlot(key);
    const s = this.liveFrom(at + 1);
    return s < 0 ? -1 : this.slots[s]! - 1;
  }

  /**
   * Calls `visit(entry)` for each entry in slot order, as the kernel's
   * bpf_for_each_hash_elem walks its buckets; `visit` returning true stops.
   * The callback may delete and insert: the table is not rebuilt meanwhile,
   * so an entry is visited once, and one inserted into a slot not yet
   * reached is visited too (in the kernel, one hashed into a later bucket).
   * Returns how many entries were visited.
   */
  walk(visit: (entry: number) => boolean): number {
    let visited = 0;
    this.walking++;
    try {
      for (let s = this.liveFrom(0); s >= 0; s = this.liveFrom(s + 1)) {
        visited++;
        if (visit(this.slots[s]! - 1)) break;
      }
    } finally {
      this.walking--;
    }
    return visited;
  }
}
