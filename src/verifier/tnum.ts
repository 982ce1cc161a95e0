/**
 * Tracked numbers: what the verifier knows about each bit of a 64-bit value.
 * A bit is known 0, known 1 (set in `value`), or unknown (set in `mask`). Every
 * operation returns a tnum that contains every concrete result of the operation
 * on members of its operands, as kernel/bpf/tnum.c does; the function names are
 * the kernel's in camelCase, so each can be compared with its original.
 *
 * Values and masks are 64-bit Words (word.ts); `value & mask` is always 0.
 */
import { type Word, U64_MAX, ZERO, add, andNot, eq, fls64, fromU32, hex, isZero, lowBits, or, sar, shl, shr, sub, truncate, word, xor } from './word.js';

export interface Tnum {
  readonly value: Word;
  readonly mask: Word;
}

const tnum = (value: Word, mask: Word): Tnum => ({ value, mask });

/**
 * The tnum (vh:vl; mh:ml) of 32-bit halves: `a` itself when it is that
 * already, so that an operation that changes nothing (most steps of
 * reg_bounds_sync, `x & 0xff` on a byte) makes nothing.
 */
function tnumOf(a: Tnum, vh: number, vl: number, mh: number, ml: number): Tnum {
  const { value, mask } = a;
  if (value.hi === (vh | 0) && value.lo === (vl | 0) && mask.hi === (mh | 0) && mask.lo === (ml | 0)) return a;
  return tnum(word(vh, vl), word(mh, ml));
}

/** Nothing known about any bit (tnum_unknown). */
export const TNUM_UNKNOWN: Tnum = tnum(ZERO, U64_MAX);

const TNUM_ZERO: Tnum = tnum(ZERO, ZERO);

export function tnumConst(value: Word): Tnum {
  return tnum(value, ZERO);
}

/** The smallest tnum holding every value of [min, max] (tnum_range): the common high bits known, the rest unknown. */
export function tnumRange(min: Word, max: Word): Tnum {
  const bits = fls64(xor(min, max));
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = truncate(U64_MAX, bits);
  return tnum(andNot(min, delta), delta);
}

export function tnumLshift(a: Tnum, shift: number): Tnum {
  return tnum(shl(a.value, shift), shl(a.mask, shift));
}

export function tnumRshift(a: Tnum, shift: number): Tnum {
  return tnum(shr(a.value, shift), shr(a.mask, shift));
}

/**
 * Arithmetic right shift (tnum_arshift). A 32-bit instruction shifts the sign
 * of bit 31 and leaves the upper half zero.
 */
export function tnumArshift(a: Tnum, shift: number, insnBitness: 32 | 64): Tnum {
  if (insnBitness === 64) return tnum(sar(a.value, shift), sar(a.mask, shift));
  return tnum(word(0, a.value.lo >> shift), word(0, a.mask.lo >> shift));
}

/** Addition with carries through unknown bits made unknown (tnum_add). */
export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = add(a.mask, b.mask);
  const sv = add(a.value, b.value);
  const sigma = add(sm, sv);
  const chi = xor(sigma, sv);
  const mu = or(or(chi, a.mask), b.mask);
  return tnum(andNot(sv, mu), mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = sub(a.value, b.value);
  const alpha = add(dv, a.mask);
  const beta = sub(dv, b.mask);
  const chi = xor(alpha, beta);
  const mu = or(or(chi, a.mask), b.mask);
  return tnum(andNot(dv, mu), mu);
}

export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(TNUM_ZERO, a);
}

// The bitwise operations below work on each 32-bit half alike; each says its
// formula on whole values first.

/** v = a.value & b.value; mask = (a.value | a.mask) & (b.value | b.mask) & ~v. */
export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const vh = a.value.hi & b.value.hi;
  const vl = a.value.lo & b.value.lo;
  const mh = (a.value.hi | a.mask.hi) & (b.value.hi | b.mask.hi) & ~vh;
  const ml = (a.value.lo | a.mask.lo) & (b.value.lo | b.mask.lo) & ~vl;
  return tnumOf(a, vh, vl, mh, ml);
}

/** v = a.value | b.value; mask = (a.mask | b.mask) & ~v. */
export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const vh = a.value.hi | b.value.hi;
  const vl = a.value.lo | b.value.lo;
  return tnumOf(a, vh, vl, (a.mask.hi | b.mask.hi) & ~vh, (a.mask.lo | b.mask.lo) & ~vl);
}

/** mask = a.mask | b.mask; v = (a.value ^ b.value) & ~mask. */
export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const mh = a.mask.hi | b.mask.hi;
  const ml = a.mask.lo | b.mask.lo;
  return tnumOf(a, (a.value.hi ^ b.value.hi) & ~mh, (a.value.lo ^ b.value.lo) & ~ml, mh, ml);
}

/**
 * Long multiplication over a's bits (tnum_mul as in the running kernel): a
 * known 1 adds b, an unknown bit joins "added" and "not added" with
 * tnumUnion. Checked on 6.18: (0x1; 0x2) * 3 gives (0x1; 0xa), where the
 * older half-multiply-add algorithm gave (0x1; 0xe).
 *
 * Up to 64 rounds of tnumAdd and tnumUnion: done here on the 32-bit halves
 * (the `h`/`l` locals), line for line as those two functions, so that a
 * multiplication allocates no Word until its result.
 */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  // acc, the sum so far.
  let vh = 0;
  let vl = 0;
  let mh = 0;
  let ml = 0;
  // a's bits still to go, lowest first.
  let avh = a.value.hi;
  let avl = a.value.lo;
  let amh = a.mask.hi;
  let aml = a.mask.lo;
  // b, shifted left one bit a round.
  let bvh = b.value.hi;
  let bvl = b.value.lo;
  let bmh = b.mask.hi;
  let bml = b.mask.lo;
  while ((avh | avl | amh | aml) !== 0) {
    if ((avl | aml) & 1) {
      // sum = tnumAdd(acc, b)
      const smL = (ml >>> 0) + (bml >>> 0);
      const smH = mh + bmh + (smL > 0xffffffff ? 1 : 0);
      const svL = (vl >>> 0) + (bvl >>> 0);
      const svH = vh + bvh + (svL > 0xffffffff ? 1 : 0);
      const sigmaL = (smL >>> 0) + (svL >>> 0);
      const sigmaH = smH + svH + (sigmaL > 0xffffffff ? 1 : 0);
      const muH = (sigmaH ^ svH) | mh | bmh;
      const muL = (sigmaL ^ svL) | ml | bml;
      const sumVh = svH & ~muH;
      const sumVl = svL & ~muL;
      if (avl & 1) {
        vh = sumVh;
        vl = sumVl;
        mh = muH;
        ml = muL;
      } else {
        // acc = tnumUnion(acc, sum)
        const uh = (vh ^ sumVh) | mh | muH;
        const ul = (vl ^ sumVl) | ml | muL;
        vh = vh & sumVh & ~uh;
        vl = vl & sumVl & ~ul;
        mh = uh;
        ml = ul;
      }
    }
    avl = (avl >>> 1) | (avh << 31);
    avh >>>= 1;
    aml = (aml >>> 1) | (amh << 31);
    amh >>>= 1;
    bvh = (bvh << 1) | (bvl >>> 31);
    bvl <<= 1;
    bmh = (bmh << 1) | (bml >>> 31);
    bml <<= 1;
  }
  return tnum(word(vh, vl), word(mh, ml));
}

/** Whether some value is a member of both (tnum_overlap): the bits known in both agree. */
export function tnumOverlap(a: Tnum, b: Tnum): boolean {
  const hi = (a.value.hi ^ b.value.hi) & ~a.mask.hi & ~b.mask.hi;
  const lo = (a.value.lo ^ b.value.lo) & ~a.mask.lo & ~b.mask.lo;
  return (hi | lo) === 0;
}

/**
 * What both a and b say (tnum_intersect). Where they contradict each other
 * the result says 1, as the kernel's does.
 */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const mh = a.mask.hi & b.mask.hi;
  const ml = a.mask.lo & b.mask.lo;
  return tnumOf(a, (a.value.hi | b.value.hi) & ~mh, (a.value.lo | b.value.lo) & ~ml, mh, ml);
}

/**
 * tnumIntersect(a, tnumRange(min, max)), the step __reg_bound_offset takes
 * at each width, without making the range; min and max come as halves, so
 * that the 32-bit bounds need no Words either.
 */
export function tnumIntersectRange(a: Tnum, minHi: number, minLo: number, maxHi: number, maxLo: number): Tnum {
  const differ = minHi ^ maxHi;
  const bits = differ !== 0 ? 64 - Math.clz32(differ) : 32 - Math.clz32(minLo ^ maxLo);
  if (bits > 63) return tnumIntersect(a, TNUM_UNKNOWN);
  // The range: min's bits above `bits` known, the rest (delta) unknown.
  const dh = bits > 32 ? lowBits(bits - 32) : 0;
  const dl = bits >= 32 ? -1 : lowBits(bits);
  const mh = a.mask.hi & dh;
  const ml = a.mask.lo & dl;
  return tnumOf(a, (a.value.hi | (minHi & ~dh)) & ~mh, (a.value.lo | (minLo & ~dl)) & ~ml, mh, ml);
}

/** Truncation to the low `size` bytes (tnum_cast). */
export function tnumCast(a: Tnum, sizeBytes: number): Tnum {
  if (sizeBytes >= 8) return a;
  const bits = sizeBytes * 8;
  const mh = bits > 32 ? lowBits(bits - 32) : 0;
  const ml = lowBits(bits);
  return tnumOf(a, a.value.hi & mh, a.value.lo & ml, a.mask.hi & mh, a.mask.lo & ml);
}

export function tnumIsConst(a: Tnum): boolean {
  return isZero(a.mask);
}

export function tnumIsUnknown(a: Tnum): boolean {
  return eq(a.mask, U64_MAX);
}

/** Whether every member is a multiple of `size`, a power of two up to 2^31 (tnum_is_aligned). */
export function tnumIsAligned(a: Tnum, size: number): boolean {
  if (size === 0) return true;
  return ((a.value.lo | a.mask.lo) & (size - 1)) === 0;
}

/** Whether every member of b is a member of a (tnum_in). */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if ((b.mask.hi & ~a.mask.hi) | (b.mask.lo & ~a.mask.lo)) return false;
  return eq(a.value, andNot(b.value, a.mask));
}

export function tnumEquals(a: Tnum, b: Tnum): boolean {
  return eq(a.value, b.value) && eq(a.mask, b.mask);
}

/** The low 32 bits, the upper half known zero (tnum_subreg). */
export function tnumSubreg(a: Tnum): Tnum {
  return tnumCast(a, 4);
}

/** reg's upper half with subreg's lower half (tnum_with_subreg). */
export function tnumWithSubreg(reg: Tnum, subreg: Tnum): Tnum {
  const vh = reg.value.hi;
  const vl = subreg.value.lo;
  return tnumOf(reg, vh, vl, reg.mask.hi & ~vh, subreg.mask.lo & ~vl);
}

/** a with its lower half replaced by the constant `value` (tnum_const_subreg). */
export function tnumConstSubreg(a: Tnum, value: number): Tnum {
  return tnumWithSubreg(a, tnumConst(fromU32(value)));
}

export function tnumSubregIsConst(a: Tnum): boolean {
  return a.mask.lo === 0;
}

/** The bytes of a 32-bit number in the opposite order. */
function swab32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

function swab(x: Word, bits: 16 | 32 | 64): Word {
  if (bits === 64) return word(swab32(x.lo), swab32(x.hi));
  return word(0, swab32(x.lo) >>> (32 - bits));
}

/** Byte swap of the low 16, 32 or 64 bits, higher bits dropped (tnum_bswap16/32/64). */
export function tnumBswap(a: Tnum, bits: 16 | 32 | 64): Tnum {
  const t = tnumCast(a, bits / 8);
  return tnum(swab(t.value, bits), swab(t.mask, bits));
}

/** var_off as the kernel's log prints it (tnum_strn): `(0x0; 0xff)`. */
export function tnumStr(a: Tnum): string {
  return `(0x${hex(a.value)}; 0x${hex(a.mask)})`;
}
