/**
 * Open addressing over preallocated entries, the storage of every hashed map.
 * Keys live in the flat memory (programs may be handed key pointers, e.g. by
 * bpf_for_each_map_elem); the slot table and free list are typed arrays beside
 * it. Nothing allocates after construction, like the kernel's preallocated
 * hash maps. Iteration follows slot order, which is deterministic.
 */
export class HashTable {
  /** Entry index + 1 per slot; 0 empty, -1 deleted (tombstone). */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Free entry indices, used as a stack. */
  private readonly free: Int32Array;
  private freeTop: number;
  count = 0;

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
    this.free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = capacity - 1 - i;
    this.freeTop = capacity;
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

  /** Entry index holding the key at address `key`, or -1. */
  find(key: number): number {
    const slots = this.slots;
    for (let s = this.hash(key), probes = 0; probes <= this.mask; s = (s + 1) & this.mask, probes++) {
      const v = slots[s]!;
      if (v === 0) return -1;
      if (v > 0 && this.equal(key, v - 1)) return v - 1;
    }
    return -1;
  }

  /** Inserts a key known to be absent; returns its entry index, or -1 when no entry is free. */
  insert(key: number): number {
    if (this.freeTop === 0) return -1;
    const entry = this.free[--this.freeTop]!;
    this.u8.copyWithin(this.keyBase + entry * this.keyStride, key, key + this.keySize);
    let s = this.hash(key);
    while (this.slots[s]! > 0) s = (s + 1) & this.mask;
    this.slots[s] = entry + 1;
    this.count++;
    return entry;
  }

  /** Removes the key at `key`; returns its former entry index or -1. */
  remove(key: number): number {
    const slots = this.slots;
    for (let s = this.hash(key), probes = 0; probes <= this.mask; s = (s + 1) & this.mask, probes++) {
      const v = slots[s]!;
      if (v === 0) return -1;
      if (v > 0 && this.equal(key, v - 1)) {
        slots[s] = -1;
        this.free[this.freeTop++] = v - 1;
        this.count--;
        if (this.count === 0) slots.fill(0);
        return v - 1;
      }
    }
    return -1;
  }

  /** Entry after the one holding `key` in slot order (the first when key is 0 or absent); -1 at the end. */
  next(key: number): number {
    let s = 0;
    if (key !== 0) {
      const entry = this.find(key);
      if (entry >= 0) s = this.slots.indexOf(entry + 1) + 1;
    }
    for (; s <= this.mask; s++) if (this.slots[s]! > 0) return this.slots[s]! - 1;
    return -1;
  }
}
