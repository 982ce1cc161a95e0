/**
 * 64-bit words as the verifier's scalar domain computes with them: the
 * kernel's u64 and s64, which are the same bits read two ways. A Word is
 * immutable and holds two 32-bit halves as signed int32 numbers (small
 * integers to V8, so creating and copying one allocates nothing else);
 * whether it is signed or unsigned is the reader's choice, made by the
 * function that compares it (ltU or ltS), as a C cast makes it.
 *
 * Not BigInt: the verifier does a few hundred of these operations per
 * instruction (reg_bounds_sync alone is three rounds of deductions), and
 * every BigInt result is a heap allocation through a runtime call; bounds
 * deduction on Words is about 20 times faster, and most of it (min, max,
 * comparisons, halves) allocates nothing.
 *
 * Words are compared with eq, never with ===.
 */
export class Word {
  /** Use word(): it makes the halves int32. */
  constructor(
    /** Bits 63..32. */
    readonly hi: number,
    /** Bits 31..0. */
    readonly lo: number,
  ) {}
}

const TWO32 = 0x1_0000_0000;

export function word(hi: number, lo: number): Word {
  return new Word(hi | 0, lo | 0);
}

export const ZERO = word(0, 0);
export const U64_MAX = word(-1, -1);
export const S64_MIN = word(0x80000000, 0);
export const S64_MAX = word(0x7fffffff, -1);
export const U32_MAX_WORD = word(0, -1);

/** word(hi, lo), or `w` itself when it is that already: for results that mostly equal what they replace. */
export function wordLike(w: Word, hi: number, lo: number): Word {
  return w.hi === (hi | 0) && w.lo === (lo | 0) ? w : word(hi, lo);
}

/** Words of -256 to 1023, made once: most immediates and bounds are such numbers. */
const SMALL = Array.from({ length: 1280 }, (_, i) => word((i - 256) >> 31, i - 256));

/** A 32-bit value, zero-extended (`(u64)(u32)x`). */
export function fromU32(x: number): Word {
  return x >= 0 && x < 1024 ? SMALL[x + 256]! : word(0, x);
}

/** A 32-bit value, sign-extended (`(s64)(s32)x`). */
export function fromS32(x: number): Word {
  return x >= -256 && x < 1024 ? SMALL[x + 256]! : word(x >> 31, x);
}

/** A safe integer (as instruction offsets and sizes are), in two's complement. */
export function fromNumber(x: number): Word {
  return word(Math.floor(x / TWO32), x);
}

export function fromBigInt(x: bigint): Word {
  return word(Number(BigInt.asIntN(32, x >> 32n)), Number(BigInt.asIntN(32, x)));
}

/**
 * As an unsigned number: exact below 2^53, otherwise rounded as
 * Number(bigint) rounds. Rounding keeps order, so comparing the result with
 * a number such as 2^29 answers as the exact value would.
 */
export function toNumberU(w: Word): number {
  return (w.hi >>> 0) * TWO32 + (w.lo >>> 0);
}

/** As a signed number: exact within ±2^53, otherwise rounded (and ordered) as toNumberU says. */
export function toNumberS(w: Word): number {
  return w.hi * TWO32 + (w.lo >>> 0);
}

export function toBigU(w: Word): bigint {
  return (BigInt(w.hi >>> 0) << 32n) | BigInt(w.lo >>> 0);
}

export function toBigS(w: Word): bigint {
  return (BigInt(w.hi) << 32n) | BigInt(w.lo >>> 0);
}

/** Two hex digits of each byte value; Number.prototype.toString(16) is several times slower, and the log prints many. */
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

const hex32 = (x: number): string => HEX_BYTES[x >>> 24]! + HEX_BYTES[(x >>> 16) & 0xff]! + HEX_BYTES[(x >>> 8) & 0xff]! + HEX_BYTES[x & 0xff]!;

/** Lowercase hex of the unsigned value, without a prefix, as the kernel's %llx. */
export function hex(w: Word): string {
  const digits = w.hi === 0 ? hex32(w.lo) : hex32(w.hi) + hex32(w.lo);
  let zeros = 0;
  while (zeros < digits.length - 1 && digits.charCodeAt(zeros) === 0x30) zeros++;
  return digits.slice(zeros);
}

// ---------------------------------------------------------------------------
// Comparisons

export function eq(a: Word, b: Word): boolean {
  return a.hi === b.hi && a.lo === b.lo;
}

export function isZero(w: Word): boolean {
  return w.hi === 0 && w.lo === 0;
}

/** Whether the value fits in 32 bits unsigned (upper half zero). */
export function isU32(w: Word): boolean {
  return w.hi === 0;
}

/** Bit 63, the sign of an s64. */
export function isNeg(w: Word): boolean {
  return w.hi < 0;
}

/** a < b as u64. */
export function ltU(a: Word, b: Word): boolean {
  return a.hi !== b.hi ? a.hi >>> 0 < b.hi >>> 0 : a.lo >>> 0 < b.lo >>> 0;
}

/** a < b as s64. */
export function ltS(a: Word, b: Word): boolean {
  return a.hi !== b.hi ? a.hi < b.hi : a.lo >>> 0 < b.lo >>> 0;
}

export function leU(a: Word, b: Word): boolean {
  return !ltU(b, a);
}

export function leS(a: Word, b: Word): boolean {
  return !ltS(b, a);
}

/** max_t(u64, a, b) and its kin: one of the two, never a new Word. */
export function maxU(a: Word, b: Word): Word {
  return ltU(a, b) ? b : a;
}

export function minU(a: Word, b: Word): Word {
  return ltU(b, a) ? b : a;
}

export function maxS(a: Word, b: Word): Word {
  return ltS(a, b) ? b : a;
}

export function minS(a: Word, b: Word): Word {
  return ltS(b, a) ? b : a;
}

/**
 * maxU(a, word(hi, lo)) and its kin, for bounds tightened by a value built
 * from halves: the new Word is made only when it is the answer, which in a
 * bounds deduction that changes nothing is never.
 */
export function maxUOf(a: Word, hi: number, lo: number): Word {
  return a.hi !== (hi | 0) ? (a.hi >>> 0 < hi >>> 0 ? word(hi, lo) : a) : a.lo >>> 0 < lo >>> 0 ? word(hi, lo) : a;
}

export function minUOf(a: Word, hi: number, lo: number): Word {
  return a.hi !== (hi | 0) ? (a.hi >>> 0 > hi >>> 0 ? word(hi, lo) : a) : a.lo >>> 0 > lo >>> 0 ? word(hi, lo) : a;
}

export function maxSOf(a: Word, hi: number, lo: number): Word {
  return a.hi !== (hi | 0) ? (a.hi < (hi | 0) ? word(hi, lo) : a) : a.lo >>> 0 < lo >>> 0 ? word(hi, lo) : a;
}

export function minSOf(a: Word, hi: number, lo: number): Word {
  return a.hi !== (hi | 0) ? (a.hi > (hi | 0) ? word(hi, lo) : a) : a.lo >>> 0 > lo >>> 0 ? word(hi, lo) : a;
}

// ---------------------------------------------------------------------------
// Arithmetic, modulo 2^64

/** The carry out of the low halves of a + b, and the borrow of a - b. */
const carry = (a: Word, b: Word): number => ((a.lo >>> 0) + (b.lo >>> 0) > 0xffffffff ? 1 : 0);
const borrow = (a: Word, b: Word): number => (a.lo >>> 0 < b.lo >>> 0 ? 1 : 0);

export function add(a: Word, b: Word): Word {
  return word(a.hi + b.hi + carry(a, b), a.lo + b.lo);
}

export function sub(a: Word, b: Word): Word {
  return word(a.hi - b.hi - borrow(a, b), a.lo - b.lo);
}

export function neg(a: Word): Word {
  return sub(ZERO, a);
}

/** check_add_overflow for u64: whether a + b carries out of 64 bits. */
export function addOverflowsU(a: Word, b: Word): boolean {
  return (a.hi >>> 0) + (b.hi >>> 0) + carry(a, b) > 0xffffffff;
}

/** check_add_overflow for s64: operands of one sign, a sum of the other. */
export function addOverflowsS(a: Word, b: Word): boolean {
  const hi = (a.hi + b.hi + carry(a, b)) | 0;
  return ((a.hi ^ hi) & (b.hi ^ hi)) < 0;
}

/** check_sub_overflow for u64: whether a - b borrows. */
export function subOverflowsU(a: Word, b: Word): boolean {
  return ltU(a, b);
}

/** check_sub_overflow for s64: operands of opposite signs, a difference of the subtrahend's. */
export function subOverflowsS(a: Word, b: Word): boolean {
  const hi = (a.hi - b.hi - borrow(a, b)) | 0;
  return ((a.hi ^ b.hi) & (a.hi ^ hi)) < 0;
}

export function and(a: Word, b: Word): Word {
  return word(a.hi & b.hi, a.lo & b.lo);
}

export function or(a: Word, b: Word): Word {
  return word(a.hi | b.hi, a.lo | b.lo);
}

export function xor(a: Word, b: Word): Word {
  return word(a.hi ^ b.hi, a.lo ^ b.lo);
}

/** a & ~b. */
export function andNot(a: Word, b: Word): Word {
  return word(a.hi & ~b.hi, a.lo & ~b.lo);
}

export function not(a: Word): Word {
  return word(~a.hi, ~a.lo);
}

/** a << n, for n in [0, 63]. */
export function shl(a: Word, n: number): Word {
  if (n === 0) return a;
  if (n >= 32) return word(a.lo << (n - 32), 0);
  return word((a.hi << n) | (a.lo >>> (32 - n)), a.lo << n);
}

/** a >> n as u64, for n in [0, 63]. */
export function shr(a: Word, n: number): Word {
  if (n === 0) return a;
  if (n >= 32) return word(0, a.hi >>> (n - 32));
  return word(a.hi >>> n, (a.lo >>> n) | (a.hi << (32 - n)));
}

/** a >> n as s64, for n in [0, 63]. */
export function sar(a: Word, n: number): Word {
  if (n === 0) return a;
  if (n >= 32) return word(a.hi >> 31, a.hi >> (n - 32));
  return word(a.hi >> n, (a.lo >>> n) | (a.hi << (32 - n)));
}

/** The low `bits` bits (1 to 64), the rest zero. */
export function truncate(a: Word, bits: number): Word {
  if (bits >= 64) return a;
  if (bits > 32) return word(a.hi & lowBits(bits - 32), a.lo);
  return word(0, a.lo & lowBits(bits));
}

/** A 32-bit half with its low n bits set, n in [0, 32] (all of them from 32 up). */
export function lowBits(n: number): number {
  return n >= 32 ? -1 : ~(-1 << n);
}

/** The low `bits` bits (1 to 64) sign-extended to 64 (`(s64)(sN)a`). */
export function signExtend(a: Word, bits: number): Word {
  if (bits >= 64) return a;
  if (bits > 32) {
    const up = 64 - bits;
    return word((a.hi << up) >> up, a.lo);
  }
  const lo = (a.lo << (32 - bits)) >> (32 - bits);
  return word(lo >> 31, lo);
}

/** Number of the highest set bit, 1-based; 0 for 0 (fls64). */
export function fls64(a: Word): number {
  if (a.hi !== 0) return 64 - Math.clz32(a.hi);
  return 32 - Math.clz32(a.lo);
}
