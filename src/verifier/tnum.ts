/**
 * Tracked numbers: what the verifier knows about each bit of a 64-bit value.
 * A bit is known 0, known 1 (set in `value`), or unknown (set in `mask`). Every
 * operation returns a tnum that contains every concrete result of the operation
 * on members of its operands, as kernel/bpf/tnum.c does; the function names are
 * the kernel's in camelCase, so each can be compared with its original.
 *
 * Values are unsigned 64-bit bigints; `value & mask` is always 0.
 */

export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

const U64 = (1n << 64n) - 1n;
const U32 = 0xffffffffn;

const tnum = (value: bigint, mask: bigint): Tnum => ({ value, mask });

/** Nothing known about any bit (tnum_unknown). */
export const TNUM_UNKNOWN: Tnum = tnum(0n, U64);

export function tnumConst(value: bigint): Tnum {
  return tnum(BigInt.asUintN(64, value), 0n);
}

/** Number of the highest set bit, 1-based; 0 for 0 (fls64). */
function fls64(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** The smallest tnum holding every value of [min, max] (tnum_range): the common high bits known, the rest unknown. */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const bits = fls64(min ^ max);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return tnum(min & ~delta, delta);
}

export function tnumLshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return tnum((a.value << s) & U64, (a.mask << s) & U64);
}

export function tnumRshift(a: Tnum, shift: number): Tnum {
  const s = BigInt(shift);
  return tnum(a.value >> s, a.mask >> s);
}

/**
 * Arithmetic right shift (tnum_arshift). A 32-bit instruction shifts the sign
 * of bit 31 and leaves the upper half zero.
 */
export function tnumArshift(a: Tnum, shift: number, insnBitness: 32 | 64): Tnum {
  const s = BigInt(shift);
  const w = insnBitness;
  return tnum(
    BigInt.asUintN(w, BigInt.asIntN(w, a.value) >> s),
    BigInt.asUintN(w, BigInt.asIntN(w, a.mask) >> s),
  );
}

/** Addition with carries through unknown bits made unknown (tnum_add). */
export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = (a.mask + b.mask) & U64;
  const sv = (a.value + b.value) & U64;
  const sigma = (sm + sv) & U64;
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return tnum(sv & ~mu, mu);
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = (a.value - b.value) & U64;
  const alpha = (dv + a.mask) & U64;
  const beta = (dv - b.mask) & U64;
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return tnum(dv & ~mu, mu);
}

export function tnumNeg(a: Tnum): Tnum {
  return tnumSub(tnum(0n, 0n), a);
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return tnum(v, alpha & beta & ~v);
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return tnum(v, mu & ~v);
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return tnum(v & ~mu, mu);
}

/**
 * Long multiplication over a's bits (tnum_mul as in the running kernel): a
 * known 1 adds b, an unknown bit joins "added" and "not added" with
 * tnumUnion. Checked on 6.18: (0x1; 0x2) * 3 gives (0x1; 0xa), where the
 * older half-multiply-add algorithm gave (0x1; 0xe).
 */
export function tnumMul(a: Tnum, b: Tnum): Tnum {
  let acc = tnum(0n, 0n);
  let av = a.value;
  let am = a.mask;
  let bv = b.value;
  let bm = b.mask;
  while (av !== 0n || am !== 0n) {
    const bt = tnum(bv, bm);
    if (av & 1n) acc = tnumAdd(acc, bt);
    else if (am & 1n) acc = tnumUnion(acc, tnumAdd(acc, bt));
    av >>= 1n;
    am >>= 1n;
    bv = (bv << 1n) & U64;
    bm = (bm << 1n) & U64;
  }
  return acc;
}

/** Whether some value is a member of both (tnum_overlap): the bits known in both agree. */
export function tnumOverlap(a: Tnum, b: Tnum): boolean {
  const mu = ~a.mask & ~b.mask & U64;
  return (a.value & mu) === (b.value & mu);
}

/**
 * What both a and b say (tnum_intersect). Where they contradict each other
 * the result says 1, as the kernel's does.
 */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return tnum(v & ~mu, mu);
}

/** The smallest tnum holding every member of a and of b (tnum_union). */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return tnum(v & ~mu, mu);
}

/** Truncation to the low `size` bytes (tnum_cast). */
export function tnumCast(a: Tnum, sizeBytes: number): Tnum {
  if (sizeBytes >= 8) return a;
  const m = (1n << BigInt(sizeBytes * 8)) - 1n;
  return tnum(a.value & m, a.mask & m);
}

export function tnumIsConst(a: Tnum): boolean {
  return a.mask === 0n;
}

export function tnumIsUnknown(a: Tnum): boolean {
  return a.mask === U64;
}

/** Whether every member is a multiple of `size`, a power of two (tnum_is_aligned). */
export function tnumIsAligned(a: Tnum, size: number): boolean {
  if (size === 0) return true;
  return ((a.value | a.mask) & BigInt(size - 1)) === 0n;
}

/** Whether every member of b is a member of a (tnum_in). */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  if (b.mask & ~a.mask) return false;
  return a.value === (b.value & ~a.mask);
}

export function tnumEquals(a: Tnum, b: Tnum): boolean {
  return a.value === b.value && a.mask === b.mask;
}

/** The low 32 bits, the upper half known zero (tnum_subreg). */
export function tnumSubreg(a: Tnum): Tnum {
  return tnumCast(a, 4);
}

/** The upper 32 bits, the lower half known zero (tnum_clear_subreg). */
export function tnumClearSubreg(a: Tnum): Tnum {
  return tnumLshift(tnumRshift(a, 32), 32);
}

/** reg's upper half with subreg's lower half (tnum_with_subreg). */
export function tnumWithSubreg(reg: Tnum, subreg: Tnum): Tnum {
  return tnumOr(tnumClearSubreg(reg), tnumSubreg(subreg));
}

/** a with its lower half replaced by the constant `value` (tnum_const_subreg). */
export function tnumConstSubreg(a: Tnum, value: number): Tnum {
  return tnumWithSubreg(a, tnumConst(BigInt(value >>> 0)));
}

export function tnumSubregIsConst(a: Tnum): boolean {
  return (a.mask & U32) === 0n;
}

function swab(x: bigint, bytes: number): bigint {
  let r = 0n;
  for (let i = 0; i < bytes; i++) r = (r << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
  return r;
}

/** Byte swap of the low 16, 32 or 64 bits, higher bits dropped (tnum_bswap16/32/64). */
export function tnumBswap(a: Tnum, bits: 16 | 32 | 64): Tnum {
  const bytes = bits / 8;
  const t = tnumCast(a, bytes);
  return tnum(swab(t.value, bytes), swab(t.mask, bytes));
}

/** var_off as the kernel's log prints it (tnum_strn): `(0x0; 0xff)`. */
export function tnumStr(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}
