// Random IPv4 prefixes for the LPM trie tests, and the kernel trie's
// get_next_key order computed the slow, obvious way: build the binary trie
// bit by bit and walk it in postorder (child 0, child 1, then the node).
// Also the trie's invariants read from its memory, and bpftool batches.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LPM_NODE_CHILD0,
  LPM_NODE_CHILD1,
  LPM_NODE_DATA,
  LPM_NODE_FLAGS,
  LPM_NODE_PREFIXLEN,
  LPM_NODE_VALUE,
  LPM_TREE_NODE_FLAG_IM,
  LPM_TRIE_FREE_NODES,
  LPM_TRIE_FREE_VALUES,
  LPM_TRIE_FREED,
  LPM_TRIE_N_ENTRIES,
  LPM_TRIE_NODES_USED,
  LPM_TRIE_REUSED,
  LPM_TRIE_ROOT,
  LPM_TRIE_VALUES_USED,
  LPM_TRIE_WORDS,
  lpmNodeCount,
  lpmNodeSize,
} from '../../src/maps/lpm.js';
import type { Memory } from '../../src/vm/memory.js';

/** xorshift32: the same sequence on every run. */
export function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** An LPM key for a 4-byte trie: u32 prefixlen, then the address bytes. */
export function lpmKey(prefixlen: number, addr: number): Uint8Array {
  const k = new Uint8Array(8);
  const v = new DataView(k.buffer);
  v.setUint32(0, prefixlen >>> 0, true);
  v.setUint32(4, addr >>> 0, false);
  return k;
}

const maskOf = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

/** What the trie tells keys apart by: the prefix length and the address bits within it. */
export function prefixOf(key: Uint8Array): string {
  const v = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const len = v.getUint32(0, true);
  return `${((v.getUint32(4, false) & maskOf(len)) >>> 0).toString(16)}/${len}`;
}

/**
 * `n` prefixes that nest and branch: addresses near a few bases, lengths
 * 0..32, and bits beyond the prefix left set (the kernel keeps them).
 */
export function randomPrefixes(next: () => number, n: number): Uint8Array[] {
  const bases = Array.from({ length: 6 }, () => next());
  return Array.from({ length: n }, () => {
    const base = bases[next() % bases.length]!;
    const len = next() % 33;
    const noise = next() & (next() & 0xffff);
    return lpmKey(len, (base ^ noise) >>> 0);
  });
}

interface Node {
  child: [Node | undefined, Node | undefined];
  key?: Uint8Array;
}

/** Keys in the kernel trie's postorder; of two keys with the same masked prefix the later one wins, as an update replaces. */
export function postorder(keys: readonly Uint8Array[]): Uint8Array[] {
  const root: Node = { child: [undefined, undefined] };
  for (const key of keys) {
    const v = new DataView(key.buffer, key.byteOffset, key.byteLength);
    const len = v.getUint32(0, true);
    const addr = v.getUint32(4, false) & maskOf(len);
    let node = root;
    for (let bit = 0; bit < len; bit++) {
      const b = (addr >>> (31 - bit)) & 1;
      node = node.child[b] ??= { child: [undefined, undefined] };
    }
    node.key = key;
  }
  const out: Uint8Array[] = [];
  const walk = (node: Node | undefined): void => {
    if (!node) return;
    walk(node.child[0]);
    walk(node.child[1]);
    if (node.key) out.push(node.key);
  };
  walk(root);
  return out;
}

/**
 * What is wrong with the trie of map `name` in `memory`, read from its
 * regions as any thread would see them: a node reached twice, an
 * intermediate node without two children, a child that does not extend its
 * parent's prefix on the side it hangs, element or node counts that do not
 * add up, or a free slot still in the trie; for value slots, one shared by
 * two elements or also free, or counts that do not add up. Empty when all
 * holds.
 */
export function lpmTrieProblems(memory: Memory, name: string, keySize: number, maxEntries: number): string[] {
  const i32 = memory.i32;
  const u8 = memory.u8;
  const trieRegion = memory.region(`map:${name}:trie`);
  const trie = trieRegion.start >>> 2;
  const nodes = memory.region(`map:${name}:nodes`);
  const nodeCount = lpmNodeCount(maxEntries);
  const nodeWords = lpmNodeSize(keySize - 4) >>> 2;
  const problems: string[] = [];
  const bit = (node: number, index: number): number => (u8[(node << 2) + LPM_NODE_DATA + (index >>> 3)]! >>> (7 - (index & 7))) & 1;
  const seen = new Set<number>();
  /** Value slot -> the node holding it. */
  const slots = new Map<number, number>();
  let real = 0;
  let intermediate = 0;
  const visit = (node: number, parent: number, side: number): void => {
    if (node === 0) return;
    if (seen.has(node)) return void problems.push(`node ${node} reached twice`);
    if (node < nodes.start >>> 2 || node >= nodes.end >>> 2 || (node - (nodes.start >>> 2)) % nodeWords !== 0) return void problems.push(`child ${node} is no node`);
    seen.add(node);
    const prefixlen = i32[node + LPM_NODE_PREFIXLEN]!;
    const im = (i32[node + LPM_NODE_FLAGS]! & LPM_TREE_NODE_FLAG_IM) !== 0;
    if (im) intermediate++;
    else {
      real++;
      const slot = i32[node + LPM_NODE_VALUE]!;
      if (slots.has(slot)) problems.push(`value slot ${slot} held by nodes ${slots.get(slot)} and ${node}`);
      slots.set(slot, node);
    }
    const [left, right] = [i32[node + LPM_NODE_CHILD0]!, i32[node + LPM_NODE_CHILD1]!];
    if (im && (left === 0 || right === 0)) problems.push(`intermediate node ${node} (/${prefixlen}) without two children`);
    if (parent !== 0) {
      const parentLen = i32[parent + LPM_NODE_PREFIXLEN]!;
      if (prefixlen <= parentLen) problems.push(`node ${node} (/${prefixlen}) under /${parentLen}`);
      for (let b = 0; b < parentLen; b++) if (bit(node, b) !== bit(parent, b)) problems.push(`node ${node} leaves its parent's prefix at bit ${b}`);
      if (bit(node, parentLen) !== side) problems.push(`node ${node} hangs on side ${side} with bit ${bit(node, parentLen)}`);
    }
    visit(left, node, 0);
    visit(right, node, 1);
  };
  visit(i32[trie + LPM_TRIE_ROOT]!, 0, 0);
  const entries = i32[trie + LPM_TRIE_N_ENTRIES]!;
  if (real !== entries) problems.push(`${real} elements in the trie, n_entries ${entries}`);
  const freeCount = i32[trie + LPM_TRIE_FREE_NODES + 1]!;
  const freeHead = i32[trie + LPM_TRIE_FREE_NODES]!;
  const inUse = i32[trie + LPM_TRIE_NODES_USED]! - freeCount;
  if (inUse !== real + intermediate) problems.push(`${inUse} nodes in use, ${real} elements + ${intermediate} intermediate nodes in the trie`);
  for (let k = 0; k < freeCount; k++) {
    const free = i32[trie + LPM_TRIE_WORDS + ((freeHead + k) % nodeCount)]!;
    if (seen.has(free)) problems.push(`free node ${free} is in the trie`);
  }
  // The value FIFO's ring follows the nodes', to the end of the trie region.
  const valueSlots = (trieRegion.end - trieRegion.start) / 4 - LPM_TRIE_WORDS - nodeCount;
  const valueRing = trie + LPM_TRIE_WORDS + nodeCount;
  const freeValues = i32[trie + LPM_TRIE_FREE_VALUES + 1]!;
  const freeValuesHead = i32[trie + LPM_TRIE_FREE_VALUES]!;
  const valuesInUse = i32[trie + LPM_TRIE_VALUES_USED]! - freeValues;
  if (valuesInUse !== real) problems.push(`${valuesInUse} value slots in use, ${real} elements`);
  // Every slot in a FIFO was freed once at least; a reuse notes a count of frees there had been.
  const freed = i32[trie + LPM_TRIE_FREED]!;
  if (freed < freeCount + freeValues) problems.push(`${freed} slots ever freed, ${freeCount + freeValues} in the FIFOs`);
  if (((freed - i32[trie + LPM_TRIE_REUSED]!) | 0) < 0) problems.push(`reuse noted at ${i32[trie + LPM_TRIE_REUSED]} frees, past the ${freed} there were`);
  for (const slot of slots.keys()) if (slot < 0 || slot >= valueSlots) problems.push(`value slot ${slot} out of ${valueSlots}`);
  for (let k = 0; k < freeValues; k++) {
    const free = i32[valueRing + ((freeValuesHead + k) % valueSlots)]!;
    if (slots.has(free)) problems.push(`free value slot ${free} is node ${slots.get(free)}'s`);
  }
  return problems;
}

/** Runs bpftool commands in one batch; the outputs of those that ran (a batch stops at the first error). */
export function bpftoolBatch(lines: readonly string[]): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), 'xdpsim-lpm-'));
  try {
    writeFileSync(join(dir, 'batch'), lines.join('\n') + '\n');
    const run = spawnSync('bpftool', ['-j', 'batch', 'file', join(dir, 'batch')], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return (JSON.parse(run.stdout) as Array<{ output: unknown }>).map((r) => r.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes as bpftool's `key hex` wants them. */
export const spaced = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');

/** bpftool's JSON bytes ("0x0a", ...) as one hex string. */
export const bytesOf = (list: string[]): string => list.map((b) => b.slice(2)).join('');
