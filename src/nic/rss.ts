import { ETH_P_8021AD, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6 } from '../uapi/if-ether.js';
import { IPPROTO_DSTOPTS, IPPROTO_FRAGMENT, IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_TCP, IPPROTO_UDP } from '../uapi/in.js';
import { NicConfigError } from './errors.js';

/**
 * Receive-side scaling as a NIC does it in hardware: a Toeplitz hash over the
 * flow's addresses (and ports, for TCP and UDP) picks an entry of an
 * indirection table, and the entry names the RX queue. Frames that are not
 * IP, and IP frames too short to hold the fields, go to queue 0, as a NIC
 * files them when it computes no hash.
 */

/**
 * The 40-byte key of Microsoft's RSS verification suite, which drivers and
 * DPDK ship as their default and the published hash vectors are made with.
 */
export const DEFAULT_RSS_KEY: Uint8Array = Uint8Array.of(
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
  0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
);

/** Entries in the indirection table unless told: 128, as ixgbe and virtio_net have it. */
export const DEFAULT_INDIR_SIZE = 128;

/** The longest hash input: IPv6 source and destination, then two ports. */
const MAX_INPUT = 36;

/**
 * The Toeplitz hash of `input` under `key`: for every set bit of the input,
 * from the first byte's top bit on, XOR in the 32 key bits starting at that
 * bit. The key must be at least 4 bytes longer than the input.
 */
export function toeplitz(key: Uint8Array, input: Uint8Array): number {
  let hash = 0;
  for (let bit = 0; bit < input.length * 8; bit++) {
    if ((input[bit >>> 3]! & (0x80 >>> (bit & 7))) !== 0) hash ^= keyWindow(key, bit);
  }
  return hash >>> 0;
}

/** The 32 bits of `key` starting at bit `bit`. */
function keyWindow(key: Uint8Array, bit: number): number {
  const byte = bit >>> 3;
  const shift = bit & 7;
  const hi = ((key[byte]! << 24) | (key[byte + 1]! << 16) | (key[byte + 2]! << 8) | key[byte + 3]!) >>> 0;
  if (shift === 0) return hi;
  return ((hi << shift) | (key[byte + 4]! >>> (8 - shift))) >>> 0;
}

/**
 * One NIC's RSS state: its key, turned into one 256-entry table per input
 * byte so that hashing a frame takes one lookup per byte, and its
 * indirection table (entry i = i mod queues by default, as ethtool's
 * `ethtool_rxfh_indir_default`). Hashing reads the frame where it lies and
 * allocates nothing.
 */
export class Rss {
  readonly key: Uint8Array;
  /** Queue per hash bucket: entry `hash mod size` (a power of two). */
  readonly indir: Uint16Array;
  /** XOR contribution of byte value v at input position p: tables[p * 256 + v]. */
  private readonly tables: Int32Array;

  constructor(queues: number, key: Uint8Array = DEFAULT_RSS_KEY, indirSize = DEFAULT_INDIR_SIZE) {
    if (!Number.isInteger(queues) || queues < 1 || queues > 0xffff) throw new NicConfigError(`RSS needs 1..65535 queues, not ${queues}`);
    if (key.length < MAX_INPUT + 4) throw new NicConfigError(`an RSS key needs at least ${MAX_INPUT + 4} bytes, not ${key.length}`);
    // Hardware tables come in powers of two, which also lets the hash pick an entry with a mask.
    if (!Number.isInteger(indirSize) || indirSize < 1 || indirSize > 0x10000 || (indirSize & (indirSize - 1)) !== 0) {
      throw new NicConfigError(`an indirection table needs a power of two entries, 1 to 65536, not ${indirSize}`);
    }
    this.key = key.slice();
    this.indir = new Uint16Array(indirSize);
    for (let i = 0; i < indirSize; i++) this.indir[i] = i % queues;
    this.tables = new Int32Array(MAX_INPUT * 256);
    for (let p = 0; p < MAX_INPUT; p++) {
      for (let b = 0; b < 8; b++) {
        const window = keyWindow(this.key, p * 8 + b) | 0;
        const mask = 0x80 >>> b;
        for (let v = mask; v < 256; v = (v + 1) | mask) this.tables[p * 256 + v]! ^= window;
      }
    }
  }

  /** The queue the frame in `bytes[start, end)` is received on. */
  queue(bytes: Uint8Array, start: number, end: number): number {
    return this.indir[this.hash32(bytes, start, end) & (this.indir.length - 1)]!;
  }

  /**
   * The RSS hash of the Ethernet frame in `bytes[start, end)` (through up to
   * two VLAN tags): over source and destination address, then source and
   * destination port for unfragmented TCP and UDP; over the addresses for
   * other IP (fragments included); 0 for anything else.
   */
  hash(bytes: Uint8Array, start: number, end: number): number {
    return this.hash32(bytes, start, end) >>> 0;
  }

  /** The hash as an int32: a uint32 past 2^31 would be a heap number on every return. */
  private hash32(bytes: Uint8Array, start: number, end: number): number {
    let at = start + 12;
    if (at + 2 > end) return 0;
    let type = (bytes[at]! << 8) | bytes[at + 1]!;
    for (let tags = 0; tags < 2 && (type === ETH_P_8021Q || type === ETH_P_8021AD); tags++) {
      at += 4;
      if (at + 2 > end) return 0;
      type = (bytes[at]! << 8) | bytes[at + 1]!;
    }
    const l3 = at + 2;
    if (type === ETH_P_IP) return this.ipv4(bytes, l3, end);
    if (type === ETH_P_IPV6) return this.ipv6(bytes, l3, end);
    return 0;
  }

  private ipv4(bytes: Uint8Array, l3: number, end: number): number {
    if (l3 + 20 > end || bytes[l3]! >>> 4 !== 4) return 0;
    const ihl = (bytes[l3]! & 0x0f) * 4;
    if (ihl < 20) return 0;
    const addresses = this.over(bytes, l3 + 12, 8, 0);
    const fragmented = (((bytes[l3 + 6]! << 8) | bytes[l3 + 7]!) & 0x3fff) !== 0;
    const proto = bytes[l3 + 9]!;
    const l4 = l3 + ihl;
    if (fragmented || (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) || l4 + 4 > end) return addresses;
    return addresses ^ this.over(bytes, l4, 4, 8);
  }

  private ipv6(bytes: Uint8Array, l3: number, end: number): number {
    if (l3 + 40 > end || bytes[l3]! >>> 4 !== 6) return 0;
    const addresses = this.over(bytes, l3 + 8, 32, 0);
    let next = bytes[l3 + 6]!;
    let at = l3 + 40;
    // A NIC's parser steps over these extension headers to reach TCP or UDP; behind a fragment header it hashes only the addresses.
    while (next === IPPROTO_HOPOPTS || next === IPPROTO_ROUTING || next === IPPROTO_DSTOPTS) {
      if (at + 8 > end) return addresses;
      next = bytes[at]!;
      at += (bytes[at + 1]! + 1) * 8;
    }
    if (next === IPPROTO_FRAGMENT || (next !== IPPROTO_TCP && next !== IPPROTO_UDP) || at + 4 > end) return addresses;
    return addresses ^ this.over(bytes, at, 4, 32);
  }

  /** The hash contribution of `length` frame bytes at `from`, placed at input position `position`. */
  private over(bytes: Uint8Array, from: number, length: number, position: number): number {
    const tables = this.tables;
    let hash = 0;
    for (let i = 0; i < length; i++) hash ^= tables[(position + i) * 256 + bytes[from + i]!]!;
    return hash;
  }
}
