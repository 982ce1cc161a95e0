// Random IPv4 prefixes for the LPM trie tests, and the kernel trie's
// get_next_key order computed the slow, obvious way: build the binary trie
// bit by bit and walk it in postorder (child 0, child 1, then the node).

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
