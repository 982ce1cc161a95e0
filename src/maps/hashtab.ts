import { lock, unlock } from '../vm/lock.js';
import type { Memory } from '../vm/memory.js';
import { MAP_LOCK_OWNER } from './map.js';

/**
 * The index of every hashed map, modelled on the kernel's kernel/bpf/hashtab.c
 * and kept wholly in the flat memory, so threads that bind their own map
 * objects over one SharedArrayBuffer share it as CPUs share a kernel map.
 *
 * n_buckets = roundup_pow_of_two(max_entries) chained buckets; preallocated
 * elements, taken from a free list and linked at the head of their bucket's
 * chain, newest first. Updates and deletes take the bucket's lock; lookups
 * take none, as RCU lookups take none: a bucket's sequence count, bumped
 * around every unlink, tells a lookup that missed whether a chain changed
 * under it (the kernel's hlist_nulls markers serve that end). Iteration
 * walks buckets in index order and each chain from its head, so with the
 * same hash seed it gives the kernel's get_next_key order.
 *
 * Memory, one internal region of int32 words (all zero is an empty table, so
 * a map needs no init and an attaching thread finds it as it is):
 *   header   HEADER_WORDS words: count, free list, and for an LRU its global lists;
 *   locals   for an LRU, cpus x LOCAL_WORDS: each CPU's local free and pending lists;
 *   buckets  n_buckets x BUCKET_WORDS: chain head, lock, sequence (16 bytes, as the kernel's struct bucket);
 *   elements capacity x elemWords: chain link, hash, state, free-list link, and for an LRU its list node.
 * Links hold element index + 1, so 0 ends a chain or list. Keys sit apart,
 * in a region programs may read (bpf_for_each_map_elem hands them a key).
 *
 * The LRU is the kernel's common LRU (kernel/bpf/bpf_lru_list.c): elements
 * move between a global free list, active and inactive lists under the LRU
 * lock, and per-CPU local free and pending lists under a lock per CPU. An
 * element leaves the LRU lists only through them, never under a bucket lock,
 * so the lock order is: a CPU's local lock, the LRU lock, a bucket's lock;
 * the plain free-list lock is taken alone.
 */

const COUNT = 0;
const FREE_LOCK = 1;
/** First freed element + 1, 0 when none. */
const FREE_HEAD = 2;
/** Elements from here on were never used: the free list's tail, implicit so that zeroed memory is a full free list. */
const FREE_BUMP = 3;
const LRU_LOCK = 4;
const ACTIVE_HEAD = 5;
const ACTIVE_TAIL = 6;
const INACTIVE_HEAD = 7;
const INACTIVE_TAIL = 8;
const ACTIVE_COUNT = 9;
const INACTIVE_COUNT = 10;
/** The kernel's next_inactive_rotation: element + 1, or 0 for the inactive list's head. */
const NEXT_ROTATION = 11;
const HEADER_WORDS = 16;

const L_LOCK = 0;
/** Local free list, popped and pushed at its head. */
const L_FREE = 1;
const L_PENDING_HEAD = 2;
const L_PENDING_TAIL = 3;
/** (next_steal - cpu) mod cpus, so that zero is the kernel's initial next_steal, the CPU itself. */
const L_STEAL = 4;
const LOCAL_WORDS = 8;

const B_HEAD = 0;
const B_LOCK = 1;
/** Odd while an element is being unlinked from the chain. */
const B_SEQ = 2;
const BUCKET_WORDS = 4;

const E_NEXT = 0;
const E_HASH = 1;
/**
 * Bit 0 set while the element is linked in a chain; the bits above count
 * its links, so a walk tells an element it saw from one reused since.
 */
const E_STATE = 2;
const E_FREE_NEXT = 3;
/** An LRU element's list node: the free lists link by E_LRU_NEXT alone. */
const E_LRU_NEXT = 3;
const E_LRU_PREV = 4;
/** Set by a use of the element (bpf_lru_node_set_ref), cleared when the element moves between lists. */
const E_LRU_REF = 5;
const E_LRU_TYPE = 6;
/** The CPU whose pending list holds the element. */
const E_LRU_CPU = 7;
const ELEM_WORDS = 4;
const LRU_ELEM_WORDS = 8;

/** The list an LRU element is on (enum bpf_lru_list_type); zero is the global free list, where zeroed memory puts every element. */
const T_FREE = 0;
const T_ACTIVE = 1;
const T_INACTIVE = 2;
const T_LOCAL_FREE = 3;
const T_LOCAL_PENDING = 4;

/** LOCAL_FREE_TARGET, the most a CPU takes to its local free list at once, and LOCAL_NR_SCANS, the most a rotation or a shrink looks at. */
const LOCAL_FREE_TARGET = 128;
const LOCAL_NR_SCANS = LOCAL_FREE_TARGET;

/** How a table hashes its keys: the kernel's jhash, or a u32 key as itself (devmap hash, dev_map_index_hash). */
export type KeyHash = 'jhash' | 'index';

export interface HashTableSpec {
  /** Address of the index region, `HashTable.indexBytes` long. */
  index: number;
  /** Address of element 0's key; keys are `keyStride` apart. */
  keyBase: number;
  keySize: number;
  keyStride: number;
  /** Preallocated elements, and so the most the table holds (max_entries). */
  capacity: number;
  lru: boolean;
  hash: KeyHash;
  /** Possible CPUs, each with local LRU lists (an LRU only; 1 if absent). */
  cpus?: number;
}

const rol32 = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** The key's u32 at `at`, little-endian as the kernel's get_unaligned on x86. */
function word(u8: Uint8Array, at: number): number {
  return u8[at]! | (u8[at + 1]! << 8) | (u8[at + 2]! << 16) | (u8[at + 3]! << 24);
}

/**
 * Jenkins' lookup3 hash as include/linux/jhash.h has it (jhash; on a
 * little-endian machine jhash2 over whole words gives the same), as an int32.
 */
export function jhash(u8: Uint8Array, key: number, length: number, initval: number): number {
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let k = key;
  let n = length;
  while (n > 12) {
    a = (a + word(u8, k)) | 0;
    b = (b + word(u8, k + 4)) | 0;
    c = (c + word(u8, k + 8)) | 0;
    a = (a - c) | 0; a ^= rol32(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rol32(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rol32(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rol32(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rol32(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rol32(b, 4); b = (b + a) | 0;
    n -= 12;
    k += 12;
  }
  if (n === 0) return c;
  // The tail's bytes, little-endian into a, b, c; missing bytes count as 0.
  for (let i = n - 1; i >= 0; i--) {
    const byte = u8[k + i]! << ((i & 3) * 8);
    if (i >= 8) c = (c + byte) | 0;
    else if (i >= 4) b = (b + byte) | 0;
    else a = (a + byte) | 0;
  }
  return jhashFinal(a, b, c);
}

/**
 * The same jhash over a key of whole int32 words at int32 index `w`
 * (`length` a positive multiple of 4): the kernel's jhash2, which on a
 * little-endian machine equals jhash over the same bytes. Reading words
 * instead of bytes is what makes a lookup's hash cheap.
 */
export function jhashWords(i32: Int32Array, w: number, length: number, initval: number): number {
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let n = length;
  while (n > 12) {
    a = (a + i32[w]!) | 0;
    b = (b + i32[w + 1]!) | 0;
    c = (c + i32[w + 2]!) | 0;
    a = (a - c) | 0; a ^= rol32(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rol32(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rol32(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rol32(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rol32(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rol32(b, 4); b = (b + a) | 0;
    n -= 12;
    w += 3;
  }
  if (n >= 12) c = (c + i32[w + 2]!) | 0;
  if (n >= 8) b = (b + i32[w + 1]!) | 0;
  a = (a + i32[w]!) | 0;
  return jhashFinal(a, b, c);
}

/** __jhash_final: the last mix of a, b and c, shared by both forms of jhash (V8 inlines it). */
function jhashFinal(a: number, b: number, c: number): number {
  c ^= b; c = (c - rol32(b, 14)) | 0;
  a ^= c; a = (a - rol32(c, 11)) | 0;
  b ^= a; b = (b - rol32(a, 25)) | 0;
  c ^= b; c = (c - rol32(b, 16)) | 0;
  a ^= c; a = (a - rol32(c, 4)) | 0;
  b ^= a; b = (b - rol32(a, 14)) | 0;
  c ^= b; c = (c - rol32(b, 24)) | 0;
  return c;
}

/** roundup_pow_of_two(max_entries): the kernel's bucket count. */
function bucketCount(capacity: number): number {
  let n = 1;
  while (n < capacity) n *= 2;
  return n;
}

/**
 * A walk's snapshot of the bucket it is in: [element, state] pairs. Walks
 * nest (a callback may start another) and each takes its pairs above the
 * ones in use, so one array serves every walk of this thread.
 */
let walkStack = new Int32Array(256);
let walkTop = 0;

export class HashTable {
  readonly nBuckets: number;
  private readonly mask: number;
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  /** Word index of the header, of bucket 0 and of element 0. */
  private readonly header: number;
  private readonly buckets: number;
  private readonly elems: number;
  private readonly elemWords: number;
  private readonly keyBase: number;
  private readonly keySize: number;
  private readonly keyStride: number;
  readonly capacity: number;
  private readonly lru: boolean;
  private readonly identity: boolean;
  /** Int32 words of a key when its size is a multiple of 4 (stored keys are 8-aligned), else 0: keys aligned like it hash and compare by words. */
  private readonly keyWords: number;

  /** Bytes of the index region of a table of `capacity` elements. */
  static indexBytes(capacity: number, lru: boolean, cpus = 1): number {
    const locals = lru ? cpus * LOCAL_WORDS : 0;
    return (HEADER_WORDS + locals + bucketCount(capacity) * BUCKET_WORDS + capacity * (lru ? LRU_ELEM_WORDS : ELEM_WORDS)) * 4;
  }

  /** Word index of CPU 0's local lists. */
  private readonly locals: number;
  private readonly cpus: number;
  /** The kernel's target_free: what a CPU takes to its local free list at once, half its share of the elements. */
  private readonly targetFree: number;
  /** Called with each element the LRU evicts, once it is out of its bucket (its owner frees its fields). */
  onEvict: ((elem: number) => void) | undefined = undefined;

  constructor(memory: Memory, spec: HashTableSpec) {
    this.i32 = memory.i32;
    this.u8 = memory.u8;
    this.capacity = spec.capacity;
    this.nBuckets = bucketCount(spec.capacity);
    this.mask = this.nBuckets - 1;
    this.header = spec.index >>> 2;
    this.cpus = spec.lru ? Math.max(1, spec.cpus ?? 1) : 0;
    this.locals = this.header + HEADER_WORDS;
    this.buckets = this.locals + this.cpus * LOCAL_WORDS;
    this.targetFree = Math.min(LOCAL_FREE_TARGET, Math.max(1, Math.floor(Math.floor(spec.capacity / Math.max(1, this.cpus)) / 2)));
    this.elems = this.buckets + this.nBuckets * BUCKET_WORDS;
    this.lru = spec.lru;
    this.elemWords = spec.lru ? LRU_ELEM_WORDS : ELEM_WORDS;
    this.keyBase = spec.keyBase;
    this.keySize = spec.keySize;
    this.keyStride = spec.keyStride;
    this.identity = spec.hash === 'index';
    this.keyWords = (spec.keySize & 3) === 0 && (spec.keyBase & 3) === 0 && (spec.keyStride & 3) === 0 ? spec.keySize >> 2 : 0;
  }

  /** Elements in the table now. */
  get count(): number {
    return Atomics.load(this.i32, this.header + COUNT);
  }

  keyAddress(elem: number): number {
    return this.keyBase + elem * this.keyStride;
  }

  /** htab_map_hash with seed 0 (the kernel's with BPF_F_ZERO_SEED), or a devmap's u32 key. */
  hash(key: number): number {
    if (this.identity) return word(this.u8, key);
    if (this.keyWords !== 0 && (key & 3) === 0) return jhashWords(this.i32, key >> 2, this.keySize, 0);
    return jhash(this.u8, key, this.keySize, 0);
  }

  private bucketOf(hash: number): number {
    return this.buckets + (hash & this.mask) * BUCKET_WORDS;
  }

  private elemWord(elem: number): number {
    return this.elems + elem * this.elemWords;
  }

  private matches(elem: number, hash: number, key: number): boolean {
    const w = this.elemWord(elem);
    if (this.i32[w + E_HASH] !== hash) return false;
    const at = this.keyBase + elem * this.keyStride;
    const words = this.keyWords;
    if (words !== 0 && (key & 3) === 0) {
      const i32 = this.i32;
      const k = key >> 2;
      const e = at >> 2;
      for (let i = 0; i < words; i++) if (i32[k + i] !== i32[e + i]) return false;
      return true;
    }
    const u8 = this.u8;
    for (let i = 0; i < this.keySize; i++) if (u8[key + i] !== u8[at + i]) return false;
    return true;
  }

  /** Element holding the key at `key`, or -1; takes no lock. */
  find(key: number): number {
    return this.findHashed(key, this.hash(key));
  }

  /** Element holding the u32 `k` in a table of 4-byte keys that hashes them as themselves, or -1 (as findHashed). */
  findIndex(k: number): number {
    const i32 = this.i32;
    const b = this.bucketOf(k);
    for (;;) {
      const seq = i32[b + B_SEQ]!;
      let steps = 0;
      for (let e = i32[b + B_HEAD]! - 1; e >= 0 && steps <= this.capacity; e = i32[this.elemWord(e) + E_NEXT]! - 1, steps++) {
        if (i32[this.elemWord(e) + E_HASH] === k && i32[(this.keyBase + e * this.keyStride) >>> 2] === k) return e;
      }
      if ((seq & 1) === 0 && Atomics.load(i32, b + B_SEQ) === seq) return -1;
    }
  }

  /**
   * A lookup that missed retries while an unlink was under way in its
   * bucket or happened during the walk: it may have followed an element
   * that left the chain (and maybe joined another) past the one it wanted.
   * Only a miss needs the count, so the read before the walk is a plain
   * one (V8 keeps typed-array loads in program order, and x86 does not
   * reorder loads); the read that decides the miss is an Atomics.load, a
   * call that costs as much as the rest of a hit.
   */
  private findHashed(key: number, hash: number): number {
    const i32 = this.i32;
    const b = this.bucketOf(hash);
    for (;;) {
      const seq = i32[b + B_SEQ]!;
      let steps = 0;
      for (let e = i32[b + B_HEAD]! - 1; e >= 0 && steps <= this.capacity; e = i32[this.elemWord(e) + E_NEXT]! - 1, steps++) {
        if (this.matches(e, hash, key)) return e;
      }
      if ((seq & 1) === 0 && Atomics.load(i32, b + B_SEQ) === seq) return -1;
    }
  }

  /** Takes the lock of the bucket of `hash`; returns the bucket, for the calls below and `unlockBucket`. */
  lockBucket(hash: number): number {
    const b = this.bucketOf(hash);
    lock(this.i32, b + B_LOCK, MAP_LOCK_OWNER);
    return b;
  }

  unlockBucket(bucket: number): void {
    unlock(this.i32, bucket + B_LOCK);
  }

  /** Element holding the key in `bucket`, whose lock the caller holds, or -1. */
  findLocked(bucket: number, key: number, hash: number): number {
    const i32 = this.i32;
    for (let e = i32[bucket + B_HEAD]! - 1; e >= 0; e = i32[this.elemWord(e) + E_NEXT]! - 1) {
      if (this.matches(e, hash, key)) return e;
    }
    return -1;
  }

  /** The same for a u32 key hashed as itself. */
  findIndexLocked(bucket: number, k: number): number {
    const i32 = this.i32;
    for (let e = i32[bucket + B_HEAD]! - 1; e >= 0; e = i32[this.elemWord(e) + E_NEXT]! - 1) {
      if (i32[this.elemWord(e) + E_HASH] === k && i32[(this.keyBase + e * this.keyStride) >>> 2] === k) return e;
    }
    return -1;
  }

  /** A free element (not linked anywhere, owned by the caller), or -1 when all are in use. */
  pop(): number {
    const i32 = this.i32;
    const h = this.header;
    lock(i32, h + FREE_LOCK, MAP_LOCK_OWNER);
    let e = i32[h + FREE_HEAD]! - 1;
    if (e >= 0) {
      i32[h + FREE_HEAD] = i32[this.elemWord(e) + E_FREE_NEXT]!;
    } else if (i32[h + FREE_BUMP]! < this.capacity) {
      e = i32[h + FREE_BUMP]!;
      i32[h + FREE_BUMP] = e + 1;
    }
    unlock(i32, h + FREE_LOCK);
    return e;
  }

  /** Gives back an element the caller owns (unlinked, as `remove` leaves it). */
  push(elem: number): void {
    const i32 = this.i32;
    const h = this.header;
    lock(i32, h + FREE_LOCK, MAP_LOCK_OWNER);
    i32[this.elemWord(elem) + E_FREE_NEXT] = i32[h + FREE_HEAD]!;
    i32[h + FREE_HEAD] = elem + 1;
    unlock(i32, h + FREE_LOCK);
  }

  /**
   * Links `elem`, which the caller owns and whose key it has written, at the
   * head of `bucket` (locked by the caller): concurrent lookups find it once
   * the head points at it. An LRU element stays on the list `lruPop` put it on.
   */
  link(bucket: number, elem: number, hash: number): void {
    const i32 = this.i32;
    const w = this.elemWord(elem);
    i32[w + E_HASH] = hash;
    i32[w + E_NEXT] = i32[bucket + B_HEAD]!;
    Atomics.store(i32, w + E_STATE, (((i32[w + E_STATE]! >>> 1) + 1) << 1) | 1);
    Atomics.store(i32, bucket + B_HEAD, elem + 1);
    Atomics.add(i32, this.header + COUNT, 1);
  }

  /** Writes the key at `key` into `elem`'s key slot. */
  setKey(elem: number, key: number): void {
    const at = this.keyAddress(elem);
    const words = this.keyWords;
    if (words !== 0 && (key & 3) === 0) {
      const i32 = this.i32;
      const k = key >> 2;
      const e = at >> 2;
      for (let i = 0; i < words; i++) i32[e + i] = i32[k + i]!;
      return;
    }
    this.u8.copyWithin(at, key, key + this.keySize);
  }

  /** Writes the u32 `k` as `elem`'s key. */
  setIndexKey(elem: number, k: number): void {
    this.i32[this.keyAddress(elem) >>> 2] = k;
  }

  /**
   * Unlinks `elem` from `bucket` (locked by the caller); the caller then owns
   * it, to give back (`push`, or `lruPushFree` once the bucket is unlocked)
   * or reuse. Its own chain link stays, so a lookup standing on it goes on
   * along the chain.
   */
  remove(bucket: number, elem: number): void {
    this.unlinkChain(bucket, elem);
  }

  /**
   * Puts `elem` (in `bucket`, locked by the caller) at the head of its
   * chain, where the kernel links the element that replaces an updated one.
   */
  moveToHead(bucket: number, elem: number): void {
    const i32 = this.i32;
    if (i32[bucket + B_HEAD] === elem + 1) return;
    Atomics.add(i32, bucket + B_SEQ, 1);
    this.cut(bucket, elem);
    i32[this.elemWord(elem) + E_NEXT] = i32[bucket + B_HEAD]!;
    Atomics.store(i32, bucket + B_HEAD, elem + 1);
    Atomics.add(i32, bucket + B_SEQ, 1);
  }

  private unlinkChain(bucket: number, elem: number): void {
    const i32 = this.i32;
    Atomics.add(i32, bucket + B_SEQ, 1);
    this.cut(bucket, elem);
    const w = this.elemWord(elem);
    Atomics.store(i32, w + E_STATE, i32[w + E_STATE]! & ~1);
    Atomics.add(i32, bucket + B_SEQ, 1);
    Atomics.sub(i32, this.header + COUNT, 1);
  }

  /** Points `elem`'s predecessor in `bucket` past it. */
  private cut(bucket: number, elem: number): void {
    const i32 = this.i32;
    const next = i32[this.elemWord(elem) + E_NEXT]!;
    let link = bucket + B_HEAD;
    while (i32[link] !== elem + 1) link = this.elemWord(i32[link]! - 1) + E_NEXT;
    Atomics.store(i32, link, next);
  }

  // LRU: the kernel's common LRU lists (bpf_lru_list.c), and a reference mark per element.

  /**
   * Marks `elem` used (a program's lookup or an update), as the kernel sets
   * the node's ref bit: no lock and no list change, so that a lookup stays
   * as cheap as a plain hash's. Written only when not yet set, so that hot
   * elements do not bounce their cache line between threads. An element
   * that left the table since the caller found it gets a mark nobody reads.
   */
  touch(elem: number): void {
    const w = this.elemWord(elem) + E_LRU_REF;
    if (this.i32[w] === 0) this.i32[w] = 1;
  }

  /**
   * An element for an update to fill and link (bpf_lru_pop_free), put on
   * `cpu`'s pending list with `hash`; the caller holds no bucket lock, for
   * getting one may evict. From the CPU's local free list, refilled from
   * the global lists when empty; failing that, taken from a CPU's local
   * free or pending list, round robin from the last CPU stolen from. -1
   * when there is none.
   */
  lruPop(hash: number, cpu: number): number {
    const i32 = this.i32;
    const n = this.cpus;
    const own = cpu < 0 ? 0 : cpu % n;
    const loc = this.locals + own * LOCAL_WORDS;
    lock(i32, loc + L_LOCK, MAP_LOCK_OWNER);
    let e = this.localPopFree(loc);
    if (e < 0) {
      this.popFreeToLocal(loc);
      e = this.localPopFree(loc);
    }
    if (e >= 0) this.addPending(loc, own, e, hash);
    unlock(i32, loc + L_LOCK);
    if (e >= 0) return e;
    const first = (own + i32[loc + L_STEAL]!) % n;
    let steal = first;
    do {
      const other = this.locals + steal * LOCAL_WORDS;
      lock(i32, other + L_LOCK, MAP_LOCK_OWNER);
      e = this.localPopFree(other);
      if (e < 0) e = this.localPopPending(other);
      unlock(i32, other + L_LOCK);
      steal = (steal + 1) % n;
    } while (e < 0 && steal !== first);
    i32[loc + L_STEAL] = (steal - own + n) % n;
    if (e >= 0) {
      lock(i32, loc + L_LOCK, MAP_LOCK_OWNER);
      this.addPending(loc, own, e, hash);
      unlock(i32, loc + L_LOCK);
    }
    return e;
  }

  /**
   * Gives back an element the caller owns, unlinked from its bucket and the
   * bucket unlocked (bpf_lru_push_free): to its CPU's local free list while
   * it is still pending there, else to the global free list.
   */
  lruPushFree(elem: number): void {
    const i32 = this.i32;
    const w = this.elemWord(elem);
    if (i32[w + E_LRU_TYPE] === T_LOCAL_PENDING) {
      const loc = this.locals + i32[w + E_LRU_CPU]! * LOCAL_WORDS;
      lock(i32, loc + L_LOCK, MAP_LOCK_OWNER);
      if (i32[w + E_LRU_TYPE] === T_LOCAL_PENDING) {
        this.listUnlink(loc + L_PENDING_HEAD, elem);
        this.pushLocalFree(loc, elem);
        unlock(i32, loc + L_LOCK);
        return;
      }
      unlock(i32, loc + L_LOCK);
    }
    const h = this.header;
    lock(i32, h + LRU_LOCK, MAP_LOCK_OWNER);
    this.detach(elem);
    i32[w + E_LRU_TYPE] = T_FREE;
    i32[w + E_LRU_REF] = 0;
    i32[w + E_LRU_NEXT] = i32[h + FREE_HEAD]!;
    i32[h + FREE_HEAD] = elem + 1;
    unlock(i32, h + LRU_LOCK);
  }

  /**
   * htab_lru_map_delete_node: takes `elem` out of its bucket if it is still
   * linked there. The bucket lock is taken under the LRU locks, which no
   * holder of a bucket lock ever waits for.
   */
  private deleteNode(elem: number): boolean {
    const i32 = this.i32;
    const w = this.elemWord(elem);
    const bucket = this.bucketOf(i32[w + E_HASH]!);
    lock(i32, bucket + B_LOCK, MAP_LOCK_OWNER);
    const linked = (i32[w + E_STATE]! & 1) !== 0;
    if (linked) this.unlinkChain(bucket, elem);
    unlock(i32, bucket + B_LOCK);
    if (linked) this.onEvict?.(elem);
    return linked;
  }

  private localPopFree(loc: number): number {
    const i32 = this.i32;
    const e = i32[loc + L_FREE]! - 1;
    if (e >= 0) i32[loc + L_FREE] = i32[this.elemWord(e) + E_LRU_NEXT]!;
    return e;
  }

  private pushLocalFree(loc: number, elem: number): void {
    const i32 = this.i32;
    const w = this.elemWord(elem);
    i32[w + E_LRU_TYPE] = T_LOCAL_FREE;
    i32[w + E_LRU_REF] = 0;
    i32[w + E_LRU_NEXT] = i32[loc + L_FREE]!;
    i32[loc + L_FREE] = elem + 1;
  }

  private addPending(loc: number, cpu: number, elem: number, hash: number): void {
    const i32 = this.i32;
    const w = this.elemWord(elem);
    i32[w + E_HASH] = hash;
    i32[w + E_LRU_CPU] = cpu;
    i32[w + E_LRU_TYPE] = T_LOCAL_PENDING;
    i32[w + E_LRU_REF] = 0;
    this.listPushHead(loc + L_PENDING_HEAD, elem);
  }

  /** The oldest pending element still in its bucket, unmarked ones first, taken out of the table and the list. */
  private localPopPending(loc: number): number {
    const i32 = this.i32;
    for (let force = 0; force < 2; force++) {
      for (let e = i32[loc + L_PENDING_TAIL]! - 1; e >= 0; e = i32[this.elemWord(e) + E_LRU_PREV]! - 1) {
        if ((force === 1 || i32[this.elemWord(e) + E_LRU_REF] === 0) && this.deleteNode(e)) {
          this.listUnlink(loc + L_PENDING_HEAD, e);
          return e;
        }
      }
    }
    return -1;
  }

  /**
   * Refills a CPU's local free list (its lock held) with target_free
   * elements: its pending ones join the global lists first, the lists
   * rotate, and what the global free list lacks is shrunk from them.
   */
  private popFreeToLocal(loc: number): void {
    const i32 = this.i32;
    const h = this.header;
    lock(i32, h + LRU_LOCK, MAP_LOCK_OWNER);
    this.flush(loc);
    if (i32[h + INACTIVE_COUNT]! < i32[h + ACTIVE_COUNT]!) this.rotateActive();
    this.rotateInactive();
    let nfree = 0;
    while (nfree < this.targetFree) {
      let e = i32[h + FREE_HEAD]! - 1;
      if (e >= 0) i32[h + FREE_HEAD] = i32[this.elemWord(e) + E_LRU_NEXT]!;
      else if (i32[h + FREE_BUMP]! < this.capacity) {
        e = i32[h + FREE_BUMP]!;
        i32[h + FREE_BUMP] = e + 1;
      } else break;
      this.pushLocalFree(loc, e);
      nfree++;
    }
    if (nfree < this.targetFree) this.shrink(this.targetFree - nfree, loc);
    unlock(i32, h + LRU_LOCK);
  }

  /** Moves the pending list, oldest first, to the heads of the active list (marked) or the inactive one. */
  private flush(loc: number): void {
    const i32 = this.i32;
    const h = this.header;
    for (let e = i32[loc + L_PENDING_TAIL]! - 1; e >= 0; ) {
      const w = this.elemWord(e);
      const prev = i32[w + E_LRU_PREV]! - 1;
      const type = i32[w + E_LRU_REF] !== 0 ? T_ACTIVE : T_INACTIVE;
      i32[w + E_LRU_TYPE] = type;
      i32[w + E_LRU_REF] = 0;
      i32[h + (type === T_ACTIVE ? ACTIVE_COUNT : INACTIVE_COUNT)]!++;
      this.listPushHead(h + (type === T_ACTIVE ? ACTIVE_HEAD : INACTIVE_HEAD), e);
      e = prev;
    }
    i32[loc + L_PENDING_HEAD] = 0;
    i32[loc + L_PENDING_TAIL] = 0;
  }

  /** Takes `elem` off the active or inactive list it is on, keeping the rotation point on the inactive list. */
  private detach(elem: number): void {
    const i32 = this.i32;
    const h = this.header;
    const w = this.elemWord(elem);
    const type = i32[w + E_LRU_TYPE]!;
    if (type !== T_ACTIVE && type !== T_INACTIVE) return;
    if (i32[h + NEXT_ROTATION] === elem + 1) i32[h + NEXT_ROTATION] = i32[w + E_LRU_PREV]!;
    i32[h + (type === T_ACTIVE ? ACTIVE_COUNT : INACTIVE_COUNT)]!--;
    this.listUnlink(h + (type === T_ACTIVE ? ACTIVE_HEAD : INACTIVE_HEAD), elem);
  }

  /** __bpf_lru_node_move: to the head of the active or inactive list, mark cleared. */
  private move(elem: number, type: number): void {
    const i32 = this.i32;
    const h = this.header;
    const w = this.elemWord(elem);
    this.detach(elem);
    i32[w + E_LRU_TYPE] = type;
    i32[w + E_LRU_REF] = 0;
    i32[h + (type === T_ACTIVE ? ACTIVE_COUNT : INACTIVE_COUNT)]!++;
    this.listPushHead(h + (type === T_ACTIVE ? ACTIVE_HEAD : INACTIVE_HEAD), elem);
  }

  /** From the active list's tail, at most nr_scans elements: marked ones back to its head, the others to the inactive list's. */
  private rotateActive(): void {
    const i32 = this.i32;
    const h = this.header;
    const first = i32[h + ACTIVE_HEAD]! - 1;
    for (let e = i32[h + ACTIVE_TAIL]! - 1, i = 0; e >= 0; ) {
      const w = this.elemWord(e);
      const prev = i32[w + E_LRU_PREV]! - 1;
      this.move(e, i32[w + E_LRU_REF] !== 0 ? T_ACTIVE : T_INACTIVE);
      if (++i === LOCAL_NR_SCANS || e === first) break;
      e = prev;
    }
  }

  /**
   * From the rotation point backwards round the inactive list, at most
   * nr_scans elements: marked ones go to the active list, the others stay;
   * the rotation point is left where the scan stopped.
   */
  private rotateInactive(): void {
    const i32 = this.i32;
    const h = this.header;
    if (i32[h + INACTIVE_HEAD] === 0) return;
    const at = i32[h + NEXT_ROTATION]!;
    let last = at === 0 ? i32[h + INACTIVE_HEAD]! : i32[this.elemWord(at - 1) + E_LRU_NEXT]!;
    if (last === 0) last = i32[h + INACTIVE_HEAD]!;
    let cur = at;
    let next = 0;
    for (let i = 0, heads = 0; i < LOCAL_NR_SCANS; ) {
      if (cur === 0) {
        // Past the list's head to its tail; twice only if the list emptied under the scan.
        if (++heads > 2) break;
        cur = i32[h + INACTIVE_TAIL]!;
        continue;
      }
      const e = cur - 1;
      const w = this.elemWord(e);
      next = i32[w + E_LRU_PREV]!;
      if (i32[w + E_LRU_REF] !== 0) this.move(e, T_ACTIVE);
      if (cur === last) break;
      cur = next;
      i++;
    }
    i32[h + NEXT_ROTATION] = next;
  }

  /**
   * Frees up to `want` elements to the local free list at `loc`: unmarked
   * ones from the inactive list's tail (marked ones go to the active list),
   * at most nr_scans looked at; if none, one taken whatever its mark from
   * the tail of the inactive list, or of the active one when that is empty.
   */
  private shrink(want: number, loc: number): void {
    const i32 = this.i32;
    const h = this.header;
    let shrunk = 0;
    for (let e = i32[h + INACTIVE_TAIL]! - 1, i = 0; e >= 0; ) {
      const w = this.elemWord(e);
      const prev = i32[w + E_LRU_PREV]! - 1;
      if (i32[w + E_LRU_REF] !== 0) this.move(e, T_ACTIVE);
      else if (this.deleteNode(e)) {
        this.detach(e);
        this.pushLocalFree(loc, e);
        if (++shrunk === want) break;
      }
      if (++i === LOCAL_NR_SCANS) break;
      e = prev;
    }
    if (shrunk > 0) return;
    const tail = i32[h + INACTIVE_HEAD] !== 0 ? INACTIVE_TAIL : ACTIVE_TAIL;
    for (let e = i32[h + tail]! - 1; e >= 0; e = i32[this.elemWord(e) + E_LRU_PREV]! - 1) {
      if (this.deleteNode(e)) {
        this.detach(e);
        this.pushLocalFree(loc, e);
        return;
      }
    }
  }

  /** Links `elem` at the head of the list whose head word is `head` (its tail word next to it). */
  private listPushHead(head: number, elem: number): void {
    const i32 = this.i32;
    const w = this.elemWord(elem);
    const first = i32[head]!;
    i32[w + E_LRU_PREV] = 0;
    i32[w + E_LRU_NEXT] = first;
    if (first !== 0) i32[this.elemWord(first - 1) + E_LRU_PREV] = elem + 1;
    else i32[head + 1] = elem + 1;
    i32[head] = elem + 1;
  }

  private listUnlink(head: number, elem: number): void {
    const i32 = this.i32;
    const w = this.elemWord(elem);
    const prev = i32[w + E_LRU_PREV]!;
    const next = i32[w + E_LRU_NEXT]!;
    if (prev !== 0) i32[this.elemWord(prev - 1) + E_LRU_NEXT] = next;
    else i32[head] = next;
    if (next !== 0) i32[this.elemWord(next - 1) + E_LRU_PREV] = prev;
    else i32[head + 1] = prev;
  }

  // Iteration.

  /**
   * Element after the one holding `key` (the first when key is 0 or absent,
   * as htab_map_get_next_key restarts): the next in its chain, else the
   * head of the next non-empty bucket; -1 at the end.
   */
  next(key: number): number {
    const i32 = this.i32;
    let i = 0;
    if (key !== 0) {
      const hash = this.hash(key);
      const e = this.findHashed(key, hash);
      if (e >= 0) {
        const next = i32[this.elemWord(e) + E_NEXT]! - 1;
        if (next >= 0) return next;
        i = (hash & this.mask) + 1;
      }
    }
    for (; i < this.nBuckets; i++) {
      const head = Atomics.load(i32, this.buckets + i * BUCKET_WORDS + B_HEAD);
      if (head !== 0) return head - 1;
    }
    return -1;
  }

  /**
   * Calls `visit(elem)` for each element, bucket by bucket, as
   * bpf_for_each_hash_elem walks; `visit` returning true stops. The
   * callback may delete, update and insert: each bucket's chain is taken
   * before its elements are visited, and an element is visited only if it
   * is still the same link then, so an element present at the start is
   * visited once unless deleted first, and one linked meanwhile is visited
   * only if it went into a bucket not yet reached (as in the kernel, where
   * it goes to the head of a chain). Returns how many were visited.
   */
  walk(visit: (elem: number) => boolean): number {
    const i32 = this.i32;
    let visited = 0;
    const base = walkTop;
    try {
      for (let i = 0; i < this.nBuckets; i++) {
        const b = this.buckets + i * BUCKET_WORDS;
        if (Atomics.load(i32, b + B_HEAD) === 0) continue;
        const end = this.snapshot(b, base);
        walkTop = end;
        for (let at = base; at < end; at += 2) {
          const e = walkStack[at]!;
          if (Atomics.load(i32, this.elemWord(e) + E_STATE) !== walkStack[at + 1]) continue;
          visited++;
          if (visit(e)) return visited;
        }
      }
    } finally {
      walkTop = base;
    }
    return visited;
  }

  /** Copies bucket `b`'s chain as [element, state] pairs to walkStack from `at`; returns the end. */
  private snapshot(b: number, at: number): number {
    const i32 = this.i32;
    for (;;) {
      const seq = Atomics.load(i32, b + B_SEQ);
      let end = at;
      let steps = 0;
      for (let e = i32[b + B_HEAD]! - 1; e >= 0 && steps <= this.capacity; e = i32[this.elemWord(e) + E_NEXT]! - 1, steps++) {
        if (end + 2 > walkStack.length) {
          const grown = new Int32Array(walkStack.length * 2);
          grown.set(walkStack);
          walkStack = grown;
        }
        walkStack[end] = e;
        walkStack[end + 1] = Atomics.load(i32, this.elemWord(e) + E_STATE);
        end += 2;
      }
      if ((seq & 1) === 0 && Atomics.load(i32, b + B_SEQ) === seq) return end;
    }
  }

  // For tests and diagnostics: what the free list holds, and the LRU order.

  /** Elements on the free lists (an LRU's local ones too), the never-used ones included. */
  freeCount(): number {
    const i32 = this.i32;
    const h = this.header;
    const link = this.lru ? E_LRU_NEXT : E_FREE_NEXT;
    let n = this.capacity - i32[h + FREE_BUMP]!;
    const heads = [h + FREE_HEAD];
    for (let c = 0; c < this.cpus; c++) heads.push(this.locals + c * LOCAL_WORDS + L_FREE);
    for (const head of heads) {
      for (let e = i32[head]! - 1; e >= 0 && n <= this.capacity; e = i32[this.elemWord(e) + link]! - 1) n++;
    }
    return n;
  }

  /**
   * An LRU's elements in use, those eviction takes last first: each CPU's
   * pending list, then the active list, then the inactive one, each from
   * its head (the tail of the inactive list goes first).
   */
  lruOrder(): number[] {
    const out: number[] = [];
    const i32 = this.i32;
    const heads: number[] = [];
    for (let c = 0; c < this.cpus; c++) heads.push(this.locals + c * LOCAL_WORDS + L_PENDING_HEAD);
    heads.push(this.header + ACTIVE_HEAD, this.header + INACTIVE_HEAD);
    for (const head of heads) {
      for (let e = i32[head]! - 1; e >= 0 && out.length <= this.capacity; e = i32[this.elemWord(e) + E_LRU_NEXT]! - 1) out.push(e);
    }
    return out;
  }
}
