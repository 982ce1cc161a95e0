// The DESIGN.md benchmark workload, shared by the benchmarks: the programs,
// the packet, and the maps that make a program's path realistic.
import type { BpfMap } from '../src/maps/map.js';

/** One 64-byte IPv4/TCP packet, 10.0.0.1:12345 -> 10.0.0.2:80 (the kernel figures in BENCHMARKS.md use it too). */
export const PACKET = Uint8Array.from(
  Buffer.from('02000000000202000000000108004500002800010000400600000a0000010a000002303900500000000000000000500220000000000000000000000000000000', 'hex'),
);

export const WORKLOAD = ['xdp_drop', 'xdp_parse', 'xdp_firewall', 'xdp_lb', 'xdp_redirect'] as const;

/** The six prefix lengths of the loaded firewall's blocked_sources. */
const LENGTHS = [8, 12, 16, 20, 24, 32];

/**
 * Fills the firewall's LPM trie with `count` IPv4 prefixes spread over six
 * lengths, none of which covers the benchmark packet's source (10.0.0.1),
 * so every lookup walks the trie and misses, the firewall's common case.
 */
export function blockPrefixes(trie: BpfMap, count: number): void {
  let s = 1;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const prefixlen = LENGTHS[i % LENGTHS.length]!;
    // First octet 11..250: never 10.x.
    const addr = ((11 + (s % 240)) << 24) | (Math.imul(s, 2654435761) >>> 8);
    const key = new Uint8Array(8);
    const view = new DataView(key.buffer);
    view.setUint32(0, prefixlen, true);
    view.setUint32(4, prefixlen === 32 ? addr : addr & ~((1 << (32 - prefixlen)) - 1), false);
    trie.updateElem(key, new Uint8Array(8));
  }
}
