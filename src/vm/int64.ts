// Exact 64-bit arithmetic on pairs of int32, the representation the interpreter
// and the JIT share: a register file is an Int32Array with the low half of Rn at
// 2n and the high half at 2n+1. BigInt is 5-30x slower on the hot path, so it
// appears only in the conversions for user space and error messages.

/** High 32 bits of the unsigned 64-bit product of two uint32 values. */
export function mulhiU32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** out[o], out[o+1] = low 64 bits of a * b. */
export function mul64(out: Int32Array, o: number, alo: number, ahi: number, blo: number, bhi: number): void {
  const hi = mulhiU32(alo >>> 0, blo >>> 0) + Math.imul(alo, bhi) + Math.imul(ahi, blo);
  out[o] = Math.imul(alo, blo);
  out[o + 1] = hi;
}

export function toBigUint64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function toBigInt64(lo: number, hi: number): bigint {
  return BigInt.asIntN(64, toBigUint64(lo, hi));
}

export function storeBig(out: Int32Array, o: number, v: bigint): void {
  out[o] = Number(BigInt.asIntN(32, v));
  out[o + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

/** Unsigned 64-bit quotient (`mod` false) or remainder (`mod` true); b must not be zero. */
export function udivmod64(
  out: Int32Array,
  o: number,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
  mod: boolean,
): void {
  const al = alo >>> 0;
  const ah = ahi >>> 0;
  const bl = blo >>> 0;
  const bh = bhi >>> 0;
  if (bh === 0) {
    // A divisor below 2^32: long division in three steps whose dividends stay below 2^48, exact in doubles.
    const r1 = ah % bl;
    const x2 = r1 * 65536 + (al >>> 16);
    const r2 = x2 % bl;
    const x3 = r2 * 65536 + (al & 0xffff);
    const r3 = x3 % bl;
    if (mod) {
      out[o] = r3 | 0;
      out[o + 1] = 0;
    } else {
      out[o] = ((x2 - r2) / bl) * 65536 + (x3 - r3) / bl;
      out[o + 1] = (ah - r1) / bl;
    }
    return;
  }
  // A divisor of 2^32 or more: the quotient fits 32 bits; shift and subtract, one bit of it at a time.
  let rh = 0;
  let rl = ah;
  let q = 0;
  for (let i = 31; i >= 0; i--) {
    const carry = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = ((rl << 1) | ((al >>> i) & 1)) >>> 0;
    if (carry !== 0 || rh > bh || (rh === bh && rl >= bl)) {
      const low = rl - bl;
      rh = (rh - bh - (low < 0 ? 1 : 0)) >>> 0;
      rl = low >>> 0;
      q += 2 ** i;
    }
  }
  out[o] = mod ? rl : q;
  out[o + 1] = mod ? rh : 0;
}

/**
 * Signed 64-bit quotient or remainder; b must not be zero. INT64_MIN / -1
 * wraps to INT64_MIN and INT64_MIN % -1 is 0, as RFC 9669 defines; the
 * remainder takes the sign of the dividend (truncating division).
 */
export function sdivmod64(
  out: Int32Array,
  o: number,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
  mod: boolean,
): void {
  // Divide the magnitudes unsigned (INT64_MIN's is 2^63, which a u64 holds), then give the result its sign.
  const aNeg = ahi < 0;
  const bNeg = bhi < 0;
  const al = aNeg ? (~alo + 1) | 0 : alo;
  const ah = aNeg ? (~ahi + (al === 0 ? 1 : 0)) | 0 : ahi;
  const bl = bNeg ? (~blo + 1) | 0 : blo;
  const bh = bNeg ? (~bhi + (bl === 0 ? 1 : 0)) | 0 : bhi;
  udivmod64(out, o, al, ah, bl, bh, mod);
  if (mod ? aNeg : aNeg !== bNeg) {
    const lo = (~out[o]! + 1) | 0;
    out[o + 1] = (~out[o + 1]! + (lo === 0 ? 1 : 0)) | 0;
    out[o] = lo;
  }
}

/** Signed 32-bit quotient or remainder of int32 values; b must not be zero. Returns an int32. */
export function sdivmod32(a: number, b: number, mod: boolean): number {
  if (b === -1) return mod ? 0 : -a | 0;
  return mod ? a % b | 0 : (a / b) | 0;
}

/** Unsigned 32-bit quotient or remainder; b must not be zero. Returns an int32. */
export function udivmod32(a: number, b: number, mod: boolean): number {
  const ua = a >>> 0;
  const ub = b >>> 0;
  return (mod ? ua % ub : Math.floor(ua / ub)) | 0;
}

/** out = a << n for n in 0..63. */
export function lsh64(out: Int32Array, o: number, lo: number, hi: number, n: number): void {
  if (n === 0) {
    out[o] = lo;
    out[o + 1] = hi;
  } else if (n < 32) {
    out[o + 1] = (hi << n) | (lo >>> (32 - n));
    out[o] = lo << n;
  } else {
    out[o + 1] = lo << (n - 32);
    out[o] = 0;
  }
}

/** out = a >>> n (logical) for n in 0..63. */
export function rsh64(out: Int32Array, o: number, lo: number, hi: number, n: number): void {
  if (n === 0) {
    out[o] = lo;
    out[o + 1] = hi;
  } else if (n < 32) {
    out[o] = (lo >>> n) | (hi << (32 - n));
    out[o + 1] = hi >>> n;
  } else {
    out[o] = hi >>> (n - 32);
    out[o + 1] = 0;
  }
}

/** out = a >> n (arithmetic) for n in 0..63. */
export function arsh64(out: Int32Array, o: number, lo: number, hi: number, n: number): void {
  if (n === 0) {
    out[o] = lo;
    out[o + 1] = hi;
  } else if (n < 32) {
    out[o] = (lo >>> n) | (hi << (32 - n));
    out[o + 1] = hi >> n;
  } else {
    out[o] = hi >> (n - 32);
    out[o + 1] = hi >> 31;
  }
}

/** Reverses the byte order of the low 16 bits; the result is zero-extended. */
export function bswap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

export function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** a < b, unsigned 64-bit. */
export function ult64(alo: number, ahi: number, blo: number, bhi: number): boolean {
  return ahi === bhi ? alo >>> 0 < blo >>> 0 : ahi >>> 0 < bhi >>> 0;
}

/** a < b, signed 64-bit. */
export function slt64(alo: number, ahi: number, blo: number, bhi: number): boolean {
  return ahi === bhi ? alo >>> 0 < blo >>> 0 : ahi < bhi;
}


/** out = a + b, modulo 2^64. */
export function add64(out: Int32Array, o: number, alo: number, ahi: number, blo: number, bhi: number): void {
  const lo = (alo >>> 0) + (blo >>> 0);
  out[o] = lo;
  out[o + 1] = ahi + bhi + (lo > 0xffffffff ? 1 : 0);
}

/** out = a - b, modulo 2^64. */
export function sub64(out: Int32Array, o: number, alo: number, ahi: number, blo: number, bhi: number): void {
  const lo = (alo >>> 0) - (blo >>> 0);
  out[o] = lo;
  out[o + 1] = ahi - bhi - (lo < 0 ? 1 : 0);
}

/** out = n, a safe integer (|n| < 2^53), as a signed 64-bit pair. */
export function fromSafeInteger(out: Int32Array, o: number, n: number): void {
  const hi = Math.floor(n / 0x1_0000_0000);
  out[o] = n - hi * 0x1_0000_0000;
  out[o + 1] = hi;
}

/** The signed 64-bit value of a pair as a number: exact while its magnitude is at most 2^53. */
export function toSafeInteger(lo: number, hi: number): number {
  return hi * 0x1_0000_0000 + (lo >>> 0);
}

const quotient = new Int32Array(2);

/** Decimal digits of the unsigned 64-bit value of a pair. */
export function u64ToString(lo: number, hi: number): string {
  const h = hi >>> 0;
  if (h < 0x200000) return String(h * 0x1_0000_0000 + (lo >>> 0));
  // Past 2^53: the value is q * 10^8 + r, with q below 2^37.
  udivmod64(quotient, 0, lo, hi, 100_000_000, 0, false);
  const r = ((lo >>> 0) - Math.imul(quotient[0]!, 100_000_000)) >>> 0;
  return String(toSafeInteger(quotient[0]!, quotient[1]!)) + String(r).padStart(8, '0');
}

/** Decimal digits of the signed 64-bit value of a pair, with a '-' when negative. */
export function s64ToString(lo: number, hi: number): string {
  if (hi >= 0) return u64ToString(lo, hi);
  // The magnitude of a negative value, INT64_MIN's (2^63) included, is an unsigned 64-bit value.
  const mlo = (~lo + 1) | 0;
  return `-${u64ToString(mlo, ~hi + (mlo === 0 ? 1 : 0))}`;
}

/** Lower-case hexadecimal digits of the unsigned 64-bit value of a pair, without leading zeros. */
export function u64ToHex(lo: number, hi: number): string {
  if (hi === 0) return (lo >>> 0).toString(16);
  return (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0');
}
