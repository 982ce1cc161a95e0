/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012), the PRF the kernel's SYN
 * cookies are made with (lib/siphash.c). Node's crypto has no SipHash, and
 * BigInt would cost microseconds per cookie on a per-packet path, so the
 * 64-bit lanes are pairs of uint32 in one preallocated array: nothing here
 * allocates.
 */

/** A 128-bit key as the kernel's siphash_key_t holds it: key[0] then key[1], each a little-endian u64, as [lo0, hi0, lo1, hi1]. */
export type SipKey = Uint32Array;

/** v0..v3 as (lo, hi) pairs. */
const v = new Uint32Array(8);

/** Adds lane b to lane a (indexes of their low halves). */
function add(a: number, b: number): void {
  const lo = (v[a]! + v[b]!) >>> 0;
  v[a + 1] = (v[a + 1]! + v[b + 1]! + (lo < v[a]! ? 1 : 0)) >>> 0;
  v[a] = lo;
}

/** Rotates lane a left by n bits, 0 < n < 32. */
function rotl(a: number, n: number): void {
  const lo = v[a]!;
  const hi = v[a + 1]!;
  v[a] = ((lo << n) | (hi >>> (32 - n))) >>> 0;
  v[a + 1] = ((hi << n) | (lo >>> (32 - n))) >>> 0;
}

/** Rotating by 32 swaps the halves. */
function swap(a: number): void {
  const lo = v[a]!;
  v[a] = v[a + 1]!;
  v[a + 1] = lo;
}

function xor(a: number, b: number): void {
  v[a] = (v[a]! ^ v[b]!) >>> 0;
  v[a + 1] = (v[a + 1]! ^ v[b + 1]!) >>> 0;
}

const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

function sipRound(): void {
  add(V0, V1);
  rotl(V1, 13);
  xor(V1, V0);
  swap(V0);
  add(V2, V3);
  rotl(V3, 16);
  xor(V3, V2);
  add(V0, V3);
  rotl(V3, 21);
  xor(V3, V0);
  add(V2, V1);
  rotl(V1, 17);
  xor(V1, V2);
  swap(V2);
}

/** Absorbs one message word m = (lo, hi): two compression rounds. */
function compress(lo: number, hi: number): void {
  v[V3] = (v[V3]! ^ lo) >>> 0;
  v[V3 + 1] = (v[V3 + 1]! ^ hi) >>> 0;
  sipRound();
  sipRound();
  v[V0] = (v[V0]! ^ lo) >>> 0;
  v[V0 + 1] = (v[V0 + 1]! ^ hi) >>> 0;
}

/** Little-endian u32 at data[at], reading only bytes before `end` (zero past it). */
function le32(data: Uint8Array, at: number, end: number): number {
  let w = 0;
  for (let i = 3; i >= 0; i--) w = (w << 8) | (at + i < end ? data[at + i]! : 0);
  return w >>> 0;
}

/**
 * SipHash-2-4 of `length` bytes of `data` from `offset` under `key`: the low
 * 32 bits of the 64-bit result, all SYN cookies take of it.
 */
export function siphash(key: SipKey, data: Uint8Array, offset: number, length: number): number {
  // "somepseudorandomlygeneratedbytes", the constants of the paper.
  v[V0] = 0x70736575 ^ key[0]!;
  v[V0 + 1] = 0x736f6d65 ^ key[1]!;
  v[V1] = 0x6e646f6d ^ key[2]!;
  v[V1 + 1] = 0x646f7261 ^ key[3]!;
  v[V2] = 0x6e657261 ^ key[0]!;
  v[V2 + 1] = 0x6c796765 ^ key[1]!;
  v[V3] = 0x79746573 ^ key[2]!;
  v[V3 + 1] = 0x74656462 ^ key[3]!;
  const end = offset + length;
  const whole = offset + length - (length & 7);
  for (let at = offset; at < whole; at += 8) compress(le32(data, at, end), le32(data, at + 4, end));
  // The last word: the remaining bytes, with the length's low byte on top.
  compress(le32(data, whole, end), (le32(data, whole + 4, end) & 0x00ffffff) | ((length & 0xff) << 24));
  v[V2] = (v[V2]! ^ 0xff) >>> 0;
  sipRound();
  sipRound();
  sipRound();
  sipRound();
  return (v[V0]! ^ v[V1]! ^ v[V2]! ^ v[V3]!) >>> 0;
}

/** A key from 16 bytes, as siphash_key_t lies in memory (two little-endian u64). */
export function sipKey(bytes: Uint8Array): SipKey {
  if (bytes.length !== 16) throw new RangeError(`a SipHash key is 16 bytes, not ${bytes.length}`);
  return Uint32Array.from({ length: 4 }, (_, i) => le32(bytes, 4 * i, 16));
}
