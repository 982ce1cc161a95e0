import { threadId } from 'node:worker_threads';
import { lock, unlock } from '../vm/lock.js';
import type { Region, RegionSpec } from '../vm/memory.js';
import { BpfMap } from './map.js';
import { BPF_EXIST, BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG, BPF_NOEXIST } from '../uapi/bpf.js';
import { EEXIST, EINVAL, ENOENT, ENOSPC } from '../uapi/errno.js';
import { roundUp8 } from './types.js';

/** The owner id this thread writes into the trie lock. */
const LOCK_OWNER = threadId + 1;

/** lpm_trie_node flag: an intermediate node, which parts two subtries and has no value. */
export const LPM_TREE_NODE_FLAG_IM = 1;

// struct lpm_trie_node, in int32 words, then the data bytes.
export const LPM_NODE_CHILD0 = 0;
export const LPM_NODE_CHILD1 = 1;
export const LPM_NODE_PREFIXLEN = 2;
export const LPM_NODE_FLAGS = 3;
/** The node's slot in the values region; meaningless while the node is intermediate. */
export const LPM_NODE_VALUE = 4;
/**
 * The first 4 data bytes as one big-endian number (missing bytes 0), a copy
 * that lets a lookup compare prefixes of up to 31 bits in one step.
 */
export const LPM_NODE_WORD0 = 5;
/** Byte offset of the data in a node, as the caller gave it. */
export const LPM_NODE_DATA = 24;

// struct lpm_trie: the header of the trie region, in int32 words. Two FIFOs of
// freed slots follow it, nodes' then values'.
const LPM_TRIE_LOCK = 0;
export const LPM_TRIE_ROOT = 1;
export const LPM_TRIE_N_ENTRIES = 2;
/** Node slots ever used; slots past it are still zero. */
export const LPM_TRIE_NODES_USED = 3;
/** Head and length of the FIFO of freed nodes. */
export const LPM_TRIE_FREE_NODES = 4;
/** Value slots ever used; then head and length of the FIFO of freed value slots, after the nodes' ring. */
export const LPM_TRIE_VALUES_USED = 6;
export const LPM_TRIE_FREE_VALUES = 7;
/**
 * How many nodes and value slots have ever been freed (an int32 count that
 * wraps), and what that count was when a freed one was last taken back.
 * A lock-free walk that read FREED = f before it began can hold only slots
 * freed since, and none of those has been reused while REUSED <= f. See
 * `lookup`.
 */
export const LPM_TRIE_FREED = 9;
export const LPM_TRIE_REUSED = 10;
/** Words of the header; the FIFO of freed nodes follows. */
export const LPM_TRIE_WORDS = 16;

/**
 * BPF_MAP_TYPE_LPM_TRIE, the kernel's trie (kernel/bpf/lpm_trie.c) laid out
 * in the flat memory. Keys are `struct bpf_lpm_trie_key_u8 { u32 prefixlen;
 * u8 data[]; }`, data big-endian. Each `lpm_trie_node` has two children, a
 * prefix length, flags and the data bytes as the caller gave them (dumps show
 * them so); LPM_TREE_NODE_FLAG_IM marks the intermediate nodes an insert adds
 * where two prefixes part, which carry no value. A lookup walks from the root
 * while the node's prefix matches the key, remembering the last real node: one
 * step per node on the path, whatever the prefix lengths in use.
 *
 * Where ours differs, and why:
 * - Nodes are preallocated (max_entries real nodes can need max_entries - 1
 *   intermediate ones, since each intermediate node has two children) and
 *   values live in a pool of slots beside them, in a region programs may
 *   access; the kernel allocates both per update. The pool has spare slots
 *   beyond max_entries (lpmValueSlots): a full trie can still replace a
 *   value, below, and a freed slot always waits behind others.
 * - Replacing a present key's value fills a fresh value slot and then
 *   switches the node to it with one Atomics.store, where the kernel swaps
 *   in a new node under RCU: a concurrent reader gets the old value or the
 *   new one, whole, never a mix of their bytes; a program that holds the old
 *   value's address keeps writing there, as into the kernel's old node.
 *   Giving an intermediate node a value, and taking a node's value while it
 *   keeps two children, flip its flag in place after its value slot is
 *   written (the kernel does the latter in place too).
 * - RCU's grace period becomes, for a walk, a check. Freed nodes and value
 *   slots go to the back of a FIFO, never-used ones are taken first, and
 *   the header counts the slots ever freed and notes that count at each
 *   reuse. A lock-free reader (lookup, get_next_key, the user-space copy of
 *   a value) reads the count before it starts; slots freed before then it
 *   cannot reach. If a slot was reused after some were freed since, it may
 *   have walked through a node or value filled anew under it, and it walks
 *   again. So a walk answers as over the trie before or after each
 *   concurrent update, as under RCU, and never waits: no lock, no write.
 *   A second walk needs a free and then a reuse within one walk, so it is
 *   rare. A program keeps the value address a lookup gave it past the walk,
 *   which the map cannot see the end of (the kernel's read-side section is
 *   the whole program run): a slot freed under it stays unchanged until the
 *   FIFO ahead of it, at least the spare slots, has been reused. A walk that
 *   meets a reused node stays in bounds (child links are node numbers) and
 *   stops after max_prefixlen + 1 steps.
 *
 * Updates and deletes take the trie's lock (the kernel's trie->lock) in the
 * memory, so threads sharing the buffer exclude each other; lookups and
 * get_next_key take none, as under rcu_read_lock, and write nothing. A
 * writer fills a node before one Atomics.store links it in, notes a reuse
 * (an Atomics.store) before it writes into the slot, and unlinks a node or
 * value before it counts it freed.
 */
export class LpmTrieMap extends BpfMap {
  private readonly dataSize = this.spec.keySize - 4;
  private readonly maxPrefixlen = this.dataSize * 8;
  /** Bytes of one lpm_trie_node. */
  private readonly nodeSize = lpmNodeSize(this.dataSize);
  private readonly nodeWords = this.nodeSize >>> 2;
  private readonly nodeCount = lpmNodeCount(this.spec.maxEntries);
  private readonly valueSize = roundUp8(this.spec.valueSize);
  /** Value slots: one per element and spares (lpmValueSlots). */
  private readonly valueSlots = lpmValueSlots(this.spec.maxEntries, this.spec.valueSize);
  private i32!: Int32Array;
  private view!: DataView;
  /** int32 index of the trie header (struct lpm_trie). */
  private trie = 0;
  /**
   * int32 index of the first node. A node is named by the int32 index of its
   * first word, a pointer in all but units, so a walk does no arithmetic to
   * follow a child; the guard page keeps every index above 0, which is NULL.
   */
  private nodes = 0;
  private values = 0;

  storage(): RegionSpec[] {
    const { name, flags } = this.spec;
    return [
      { name: `map:${name}:trie`, size: (LPM_TRIE_WORDS + this.nodeCount + this.valueSlots) * 4, writable: false, readable: false },
      { name: `map:${name}:nodes`, size: this.nodeCount * this.nodeSize, writable: false, readable: false },
      {
        name: `map:${name}:values`,
        size: this.valueSlots * this.valueSize,
        writable: (flags & BPF_F_RDONLY_PROG) === 0,
        readable: (flags & BPF_F_WRONLY_PROG) === 0,
      },
    ];
  }

  /** All-zero memory is the empty trie (no root, no nodes used, empty free lists), so there is no init(). */
  protected bindStorage(regions: readonly Region[]): void {
    this.i32 = this.memory.i32;
    this.view = this.memory.view;
    this.trie = regions[0]!.start >>> 2;
    this.nodes = regions[1]!.start >>> 2;
    this.values = regions[2]!.start;
  }

  /**
   * trie_lookup_elem, for programs and user space alike (the syscall's
   * lookup is a longest-prefix match too). A prefixlen beyond the trie's
   * width matches nothing.
   *
   * Takes no lock: it notes how many nodes and value slots had been freed,
   * walks, and walks again if one was reused after others had been freed
   * since (`stillValid`). The count is read before the first walk with a
   * plain load (V8 keeps typed-array loads in program order, and x86 does
   * not reorder loads), the reuse mark after it with Atomics.load, which no
   * compiler folds into an earlier read, and the count again with
   * Atomics.load for another walk, so that no compiler reuses a stale one.
   */
  lookup(key: number): number {
    const want = this.view.getUint32(key, true);
    if (want > this.maxPrefixlen) return 0;
    const i32 = this.i32;
    const h = this.trie;
    const word0 = this.word0(key + 4);
    let freed = i32[h + LPM_TRIE_FREED]!;
    for (;;) {
      let node = i32[h + LPM_TRIE_ROOT]!;
      let found = -1;
      for (let steps = this.maxPrefixlen; node !== 0 && steps >= 0; steps--) {
        const w = node;
        const prefixlen = i32[w + LPM_NODE_PREFIXLEN]!;
        if (prefixlen > want) break;
        if (prefixlen < 32) {
          // The bits past the prefix masked off; -1 >>> 0 keeps none.
          if (((i32[w + LPM_NODE_WORD0]! ^ word0) & ~(-1 >>> prefixlen)) !== 0) break;
        } else if (i32[w + LPM_NODE_WORD0] !== word0 || !this.prefixMatches((w << 2) + LPM_NODE_DATA + 4, key + 8, prefixlen - 32, this.dataSize - 4)) {
          break;
        }
        if ((i32[w + LPM_NODE_FLAGS]! & LPM_TREE_NODE_FLAG_IM) === 0) found = w;
        // Every node below is longer than the key: none can match.
        if (prefixlen === want) break;
        node = i32[w + this.keyBit(key, prefixlen, word0)]!;
      }
      // The slot is read before the check: a slot freed and reused since the walk began is caught by it.
      const slot = found < 0 ? -1 : i32[found + LPM_NODE_VALUE]!;
      if (this.stillValid(freed)) return slot < 0 ? 0 : this.values + slot * this.valueSize;
      freed = Atomics.load(i32, h + LPM_TRIE_FREED);
    }
  }

  /**
   * Whether no node or value slot freed since `freed` slots had been freed
   * has been reused: then everything a lock-free walk that began after
   * reading that count went through is as it was when the walk reached it
   * (freeing writes nothing into a node or slot), or as an update published
   * it. A reuse counts as one such when anything was freed between the
   * walk's start and it, so a walk concurrent with a delete and an insert
   * may be repeated for nothing: one load decides, where telling the
   * reused slot's own place in the FIFO would take two (one per FIFO) or a
   * stamp beside every slot.
   */
  private stillValid(freed: number): boolean {
    return ((Atomics.load(this.i32, this.trie + LPM_TRIE_REUSED) - freed) | 0) <= 0;
  }

  /** The first 4 data bytes at `data` as one big-endian number, missing bytes 0, as LPM_NODE_WORD0 keeps them. */
  private word0(data: number): number {
    if (this.dataSize >= 4) return this.view.getInt32(data);
    const u8 = this.u8;
    let word = 0;
    for (let i = 0; i < 4; i++) word = (word << 8) | (i < this.dataSize ? u8[data + i]! : 0);
    return word;
  }

  /**
   * The value copied out as the syscall copies it under rcu_read_lock: into
   * this thread's scratch, again if its slot was freed and reused during the
   * copy, so a delete and a reuse that race it cannot hand back another
   * element's bytes.
   */
  protected userValue(key: number): number {
    const i32 = this.i32;
    const h = this.trie;
    const to = this.scratchValue;
    for (;;) {
      const freed = Atomics.load(i32, h + LPM_TRIE_FREED);
      const at = this.lookup(key);
      if (at === 0) return 0;
      copySmall(this.u8, to, at, this.spec.valueSize);
      if (this.stillValid(freed)) return to;
    }
  }

  /** trie_update_elem. */
  update(key: number, value: number, flags: number): number {
    if (flags > BPF_EXIST) return -EINVAL;
    const prefixlen = this.view.getUint32(key, true);
    if (prefixlen > this.maxPrefixlen) return -EINVAL;
    lock(this.i32, this.trie + LPM_TRIE_LOCK, LOCK_OWNER);
    try {
      return this.insert(key, value, flags, prefixlen);
    } finally {
      unlock(this.i32, this.trie + LPM_TRIE_LOCK);
    }
  }

  private insert(key: number, value: number, flags: number, prefixlen: number): number {
    const i32 = this.i32;
    const word0 = this.word0(key + 4);
    let slot = this.trie + LPM_TRIE_ROOT;
    let node = 0;
    let matchlen = 0;
    for (;;) {
      node = i32[slot]!;
      if (node === 0) break;
      const w = node;
      const nodeLen = i32[w + LPM_NODE_PREFIXLEN]!;
      matchlen = this.longestPrefixMatch(node, key, prefixlen, word0);
      if (nodeLen !== matchlen || nodeLen === prefixlen) break;
      slot = w + this.keyBit(key, nodeLen, word0);
    }

    if (node === 0) {
      const err = this.checkAddElem(flags);
      if (err < 0) return err;
      Atomics.store(i32, slot, this.newNode(key, value, prefixlen));
      return 0;
    }

    const w = node;
    if (i32[w + LPM_NODE_PREFIXLEN] === matchlen) {
      if ((i32[w + LPM_NODE_FLAGS]! & LPM_TREE_NODE_FLAG_IM) === 0) {
        if (flags === BPF_NOEXIST) return -EEXIST;
        // The new value goes into a slot of its own, switched to whole: the kernel's new node.
        const old = i32[w + LPM_NODE_VALUE]!;
        const slotOfValue = this.allocValue();
        this.fill(node, key, value, slotOfValue);
        Atomics.store(i32, w + LPM_NODE_VALUE, slotOfValue);
        this.freeValue(old);
        return 0;
      }
      const err = this.checkAddElem(flags);
      if (err < 0) return err;
      const slotOfValue = this.allocValue();
      this.fill(node, key, value, slotOfValue);
      // The slot before the flag: a reader that sees the node real reads this slot.
      Atomics.store(i32, w + LPM_NODE_VALUE, slotOfValue);
      Atomics.store(i32, w + LPM_NODE_FLAGS, 0);
      return 0;
    }

    const err = this.checkAddElem(flags);
    if (err < 0) return err;

    // The new prefix contains the node's: it goes between the node and its slot.
    if (matchlen === prefixlen) {
      const added = this.newNode(key, value, prefixlen);
      i32[added + this.dataBit(node, matchlen)] = node;
      Atomics.store(i32, slot, added);
      return 0;
    }

    const added = this.newNode(key, value, prefixlen);
    const im = this.allocNode();
    const iw = im;
    const keyBit = this.keyBit(key, matchlen, word0);
    i32[iw + keyBit] = added;
    i32[iw + (keyBit ^ 1)] = node;
    i32[iw + LPM_NODE_PREFIXLEN] = matchlen;
    i32[iw + LPM_NODE_FLAGS] = LPM_TREE_NODE_FLAG_IM;
    i32[iw + LPM_NODE_WORD0] = i32[node + LPM_NODE_WORD0]!;
    const data = this.dataAddress(node);
    this.u8.copyWithin(this.dataAddress(im), data, data + this.dataSize);
    Atomics.store(i32, slot, im);
    return 0;
  }

  /** trie_check_add_elem: counts one more element, or says why not. */
  private checkAddElem(flags: number): number {
    if (flags === BPF_EXIST) return -ENOENT;
    const count = this.trie + LPM_TRIE_N_ENTRIES;
    if (this.i32[count] === this.spec.maxEntries) return -ENOSPC;
    this.i32[count]!++;
    return 0;
  }

  /** A real node for the key and value, not yet linked in. */
  private newNode(key: number, value: number, prefixlen: number): number {
    const node = this.allocNode();
    const w = node;
    const slot = this.allocValue();
    this.i32[w + LPM_NODE_CHILD0] = 0;
    this.i32[w + LPM_NODE_CHILD1] = 0;
    this.i32[w + LPM_NODE_PREFIXLEN] = prefixlen;
    this.i32[w + LPM_NODE_FLAGS] = 0;
    this.i32[w + LPM_NODE_VALUE] = slot;
    this.fill(node, key, value, slot);
    return node;
  }

  /**
   * Writes the key's data bytes, as given, into the node and the value into
   * its slot. On a node in the trie only bits past its prefix change, which
   * no walk reads.
   */
  private fill(node: number, key: number, value: number, slot: number): void {
    copySmall(this.u8, this.dataAddress(node), key + 4, this.dataSize);
    this.i32[node + LPM_NODE_WORD0] = this.word0(key + 4);
    copySmall(this.u8, this.values + slot * this.valueSize, value, this.spec.valueSize);
  }

  /** trie_delete_elem. */
  delete(key: number): number {
    const prefixlen = this.view.getUint32(key, true);
    if (prefixlen > this.maxPrefixlen) return -EINVAL;
    lock(this.i32, this.trie + LPM_TRIE_LOCK, LOCK_OWNER);
    try {
      return this.remove(key, prefixlen);
    } finally {
      unlock(this.i32, this.trie + LPM_TRIE_LOCK);
    }
  }

  private remove(key: number, prefixlen: number): number {
    const i32 = this.i32;
    const word0 = this.word0(key + 4);
    // trim: the slot that points at the node; trim2: the slot that points at its parent.
    let trim = this.trie + LPM_TRIE_ROOT;
    let trim2 = trim;
    let parent = 0;
    let node = 0;
    let matchlen = 0;
    for (;;) {
      node = i32[trim]!;
      if (node === 0) break;
      const w = node;
      const nodeLen = i32[w + LPM_NODE_PREFIXLEN]!;
      matchlen = this.longestPrefixMatch(node, key, prefixlen, word0);
      if (nodeLen !== matchlen || nodeLen === prefixlen) break;
      parent = node;
      trim2 = trim;
      trim = w + this.keyBit(key, nodeLen, word0);
    }
    if (node === 0) return -ENOENT;
    const w = node;
    const nodeLen = i32[w + LPM_NODE_PREFIXLEN]!;
    if (nodeLen !== prefixlen || nodeLen !== matchlen || (i32[w + LPM_NODE_FLAGS]! & LPM_TREE_NODE_FLAG_IM) !== 0) return -ENOENT;

    i32[this.trie + LPM_TRIE_N_ENTRIES]!--;
    const slot = i32[w + LPM_NODE_VALUE]!;
    const left = i32[w + LPM_NODE_CHILD0]!;
    const right = i32[w + LPM_NODE_CHILD1]!;

    // With two children the node still parts them: it only loses its value.
    if (left !== 0 && right !== 0) {
      Atomics.store(i32, w + LPM_NODE_FLAGS, LPM_TREE_NODE_FLAG_IM);
      this.freeValue(slot);
      return 0;
    }

    // A leaf under an intermediate node: the sibling takes the parent's place,
    // so every intermediate node keeps exactly two children.
    const pw = parent === 0 ? 0 : parent;
    if (parent !== 0 && (i32[pw + LPM_NODE_FLAGS]! & LPM_TREE_NODE_FLAG_IM) !== 0 && left === 0 && right === 0) {
      const sibling = i32[pw + LPM_NODE_CHILD0] === node ? i32[pw + LPM_NODE_CHILD1]! : i32[pw + LPM_NODE_CHILD0]!;
      Atomics.store(i32, trim2, sibling);
      this.freeNode(parent);
      this.freeNode(node);
      this.freeValue(slot);
      return 0;
    }

    Atomics.store(i32, trim, left !== 0 ? left : right);
    this.freeNode(node);
    this.freeValue(slot);
    return 0;
  }

  /**
   * trie_get_next_key: the key after `key` in postorder (more specific
   * prefixes before the ones containing them, the 0 side before the 1
   * side). No key, a prefixlen beyond the trie's width, or a key that is
   * not an element (data bits past the prefix do not count) gives the
   * leftmost element; the last element gives -ENOENT.
   *
   * The kernel keeps the path in a stack to climb back from the key's
   * node; instead the walk down remembers the deepest ancestor that decides
   * the successor (the right sibling subtree of a left turn, or a real
   * ancestor), which is where that climb would stop.
   */
  nextKey(key: number, next: number): number {
    const i32 = this.i32;
    const h = this.trie;
    for (;;) {
      // As lookup does: walk again if a node or slot freed since the walk began was reused under it.
      const freed = Atomics.load(i32, h + LPM_TRIE_FREED);
      const err = this.nextKeyOnce(key, next);
      if (this.stillValid(freed)) return err;
    }
  }

  private nextKeyOnce(key: number, next: number): number {
    const i32 = this.i32;
    let searchRoot = i32[this.trie + LPM_TRIE_ROOT]!;
    if (searchRoot === 0) return -ENOENT;
    const prefixlen = key === 0 ? 0 : this.view.getUint32(key, true);
    if (key !== 0 && prefixlen <= this.maxPrefixlen) {
      const word0 = this.word0(key + 4);
      let node = searchRoot;
      let nodeLen = 0;
      let matchlen = 0;
      let after = 0;
      let afterIsSubtree = false;
      for (let steps = this.maxPrefixlen; node !== 0 && steps >= 0; steps--) {
        const w = node;
        nodeLen = i32[w + LPM_NODE_PREFIXLEN]!;
        matchlen = this.longestPrefixMatch(node, key, prefixlen, word0);
        if (nodeLen !== matchlen || nodeLen === prefixlen) break;
        const bit = this.keyBit(key, nodeLen, word0);
        const right = i32[w + LPM_NODE_CHILD1]!;
        if (bit === 0 && right !== 0) {
          after = right;
          afterIsSubtree = true;
        } else if ((i32[w + LPM_NODE_FLAGS]! & LPM_TREE_NODE_FLAG_IM) === 0) {
          after = node;
          afterIsSubtree = false;
        }
        node = i32[w + bit]!;
      }
      if (node !== 0 && nodeLen === matchlen && (i32[node + LPM_NODE_FLAGS]! & LPM_TREE_NODE_FLAG_IM) === 0) {
        if (after === 0) return -ENOENT;
        if (!afterIsSubtree) return this.copyKey(after, next);
        searchRoot = after;
      }
    }
    // The leftmost real node: intermediate nodes have two children, so the walk ends at one.
    let found = 0;
    for (let node = searchRoot, steps = this.maxPrefixlen; node !== 0 && steps >= 0; steps--) {
      const w = node;
      if ((i32[w + LPM_NODE_FLAGS]! & LPM_TREE_NODE_FLAG_IM) === 0) {
        found = node;
        node = i32[w + LPM_NODE_CHILD0] || i32[w + LPM_NODE_CHILD1]!;
      } else {
        node = i32[w + LPM_NODE_CHILD0]!;
      }
    }
    // Only a concurrent delete can leave the walk without a real node.
    return found === 0 ? -ENOENT : this.copyKey(found, next);
  }

  private copyKey(node: number, to: number): number {
    this.view.setUint32(to, this.i32[node + LPM_NODE_PREFIXLEN]!, true);
    const data = this.dataAddress(node);
    this.u8.copyWithin(to + 4, data, data + this.dataSize);
    return 0;
  }

  /**
   * Whether the first `bits` bits of the data at `a` and `b` agree, both
   * `ahead` bytes short of the data's end: whole 32-bit words, then one
   * masked word if the data reaches that far, then bytes.
   */
  private prefixMatches(a: number, b: number, bits: number, ahead: number): boolean {
    const view = this.view;
    let i = 0;
    for (; bits >= 32; bits -= 32, i += 4) if (view.getInt32(a + i) !== view.getInt32(b + i)) return false;
    if (bits === 0) return true;
    if (i + 4 <= ahead) return (view.getInt32(a + i) ^ view.getInt32(b + i)) >>> (32 - bits) === 0;
    const u8 = this.u8;
    for (; bits >= 8; bits -= 8, i++) if (u8[a + i] !== u8[b + i]) return false;
    return bits === 0 || (u8[a + i]! ^ u8[b + i]!) >>> (8 - bits) === 0;
  }

  /**
   * longest_prefix_match: how many leading bits of the node's data and the
   * key's agree, at most the shorter of the two prefix lengths. The first 32
   * bits compare as one word (`word0` is the key's, as word0() gives it),
   * the rest byte by byte.
   */
  private longestPrefixMatch(node: number, key: number, keyLen: number, word0: number): number {
    const limit = Math.min(this.i32[node + LPM_NODE_PREFIXLEN]!, keyLen);
    const diff0 = this.i32[node + LPM_NODE_WORD0]! ^ word0;
    if (diff0 !== 0 || limit <= 32) return Math.min(Math.clz32(diff0), limit);
    const a = this.dataAddress(node);
    const b = key + 4;
    const u8 = this.u8;
    let len = 32;
    for (let i = 4; len < limit; i++) {
      const diff = u8[a + i]! ^ u8[b + i]!;
      len += Math.clz32(diff) - 24;
      if (diff !== 0) break;
    }
    return Math.min(len, limit);
  }

  /** extract_bit of the key's data; the first 32 bits come from `word0`, the key's as word0() gives it. */
  private keyBit(key: number, index: number, word0: number): number {
    if (index < 32) return (word0 >>> (31 - index)) & 1;
    return (this.u8[key + 4 + (index >>> 3)]! >>> (7 - (index & 7))) & 1;
  }

  /** extract_bit of a node's data. */
  private dataBit(node: number, index: number): number {
    return (this.u8[this.dataAddress(node) + (index >>> 3)]! >>> (7 - (index & 7))) & 1;
  }

  private dataAddress(node: number): number {
    return (node << 2) + LPM_NODE_DATA;
  }

  private allocNode(): number {
    const used = this.trie + LPM_TRIE_NODES_USED;
    if (this.i32[used]! < this.nodeCount) return this.nodes + this.i32[used]!++ * this.nodeWords;
    return this.alloc(LPM_TRIE_FREE_NODES, LPM_TRIE_WORDS, this.nodeCount);
  }

  private freeNode(node: number): void {
    this.free(LPM_TRIE_FREE_NODES, LPM_TRIE_WORDS, this.nodeCount, node);
  }

  private allocValue(): number {
    const used = this.trie + LPM_TRIE_VALUES_USED;
    if (this.i32[used]! < this.valueSlots) return this.i32[used]!++;
    return this.alloc(LPM_TRIE_FREE_VALUES, LPM_TRIE_WORDS + this.nodeCount, this.valueSlots);
  }

  private freeValue(slot: number): void {
    this.free(LPM_TRIE_FREE_VALUES, LPM_TRIE_WORDS + this.nodeCount, this.valueSlots, slot);
  }

  /**
   * Takes the slot freed longest ago from the FIFO at `ring` (header words
   * `queue`: head, length), and notes the reuse before the caller writes
   * into it, so that a lock-free walk that may still be in it learns so
   * (`stillValid`). Callers take never-used slots first and count elements
   * before they allocate, so a slot is always there.
   */
  private alloc(queue: number, ring: number, size: number): number {
    const i32 = this.i32;
    const h = this.trie;
    const head = i32[h + queue]!;
    i32[h + queue] = (head + 1) % size;
    i32[h + queue + 1]!--;
    Atomics.store(i32, h + LPM_TRIE_REUSED, i32[h + LPM_TRIE_FREED]!);
    return i32[h + ring + head]!;
  }

  /**
   * Puts a slot at the back of the FIFO and counts it freed, after whatever
   * unlinked it: a walk that reads the count after that store can no longer
   * reach the slot.
   */
  private free(queue: number, ring: number, size: number, slot: number): void {
    const i32 = this.i32;
    const h = this.trie;
    i32[h + ring + ((i32[h + queue]! + i32[h + queue + 1]!) % size)] = slot;
    i32[h + queue + 1]!++;
    Atomics.store(i32, h + LPM_TRIE_FREED, (i32[h + LPM_TRIE_FREED]! + 1) | 0);
  }
}

/** Copies up to this many bytes one by one: a builtin's call costs more. */
const SMALL_COPY = 16;

/** memmove of `n` bytes within `u8`, by hand when few and not overlapping from below. */
function copySmall(u8: Uint8Array, dst: number, src: number, n: number): void {
  if (n > SMALL_COPY || (src < dst && src + n > dst)) {
    u8.copyWithin(dst, src, src + n);
    return;
  }
  for (let i = 0; i < n; i++) u8[dst + i] = u8[src + i]!;
}

/** Bytes of one lpm_trie_node with `dataSize` bytes of data. */
export function lpmNodeSize(dataSize: number): number {
  return roundUp8(LPM_NODE_DATA + dataSize);
}

/** Nodes a trie of `maxEntries` elements can need at once: the elements and the intermediate nodes between them. */
export function lpmNodeCount(maxEntries: number): number {
  return 2 * maxEntries - 1;
}

/** Bytes of value slots a trie keeps spare, beyond one slot per element, at most (but always one slot). */
const SPARE_VALUE_BYTES = 64 * 1024;

/**
 * Value slots of a trie of `maxEntries` elements of `valueSize` bytes: one
 * each, and spares, so that a full trie can still replace a value and a
 * freed slot waits behind at least as many others in the FIFO before it is
 * reused: up to max_entries of them, as many as fit in SPARE_VALUE_BYTES.
 */
export function lpmValueSlots(maxEntries: number, valueSize: number): number {
  return maxEntries + Math.max(1, Math.min(maxEntries, Math.floor(SPARE_VALUE_BYTES / roundUp8(valueSize))));
}

/** Bytes an LPM trie's three regions take as laid out, each rounded up to the memory's 64-byte region alignment: for create.ts's footprint. */
export function lpmTrieBytes(keySize: number, valueSize: number, maxEntries: number): number {
  const nodes = lpmNodeCount(maxEntries);
  const slots = lpmValueSlots(maxEntries, valueSize);
  const laid = (bytes: number): number => Math.ceil(Math.max(bytes, 1) / 64) * 64;
  return laid((LPM_TRIE_WORDS + nodes + slots) * 4) + laid(nodes * lpmNodeSize(keySize - 4)) + laid(slots * roundUp8(valueSize));
}
