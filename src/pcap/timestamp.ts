/**
 * A pcapng interface's timestamp unit: `base ** -exponent` seconds
 * (if_tsresol; microseconds when the option is absent).
 */
export interface TsResolution {
  base: 2 | 10;
  exponent: number;
}

export const MICROSECONDS: TsResolution = { base: 10, exponent: 6 };

/** Decodes the one-byte if_tsresol value: high bit set means a power of two. */
export function decodeTsResol(value: number): TsResolution {
  return value & 0x80 ? { base: 2, exponent: value & 0x7f } : { base: 10, exponent: value };
}

export interface Timestamp {
  sec: number;
  nsec: number;
}

/**
 * Splits a 64-bit timestamp (two 32-bit halves, in units of `res`) into
 * seconds and nanoseconds, written to `out` so that the common decimal
 * resolutions allocate nothing; fractions finer than 1 ns are truncated.
 */
export function splitTimestamp(high: number, low: number, res: TsResolution, out: Timestamp): void {
  if (res.base === 10 && res.exponent <= 9) {
    // Long division by scale (< 2^30) in a 32-bit and two 16-bit steps: every
    // intermediate stays below 2^46, exact as a double, and each quotient's
    // floor is exact because 1/scale exceeds the rounding error at its size.
    const scale = 10 ** res.exponent;
    const q1 = Math.floor(high / scale);
    const t2 = (high - q1 * scale) * 0x10000 + (low >>> 16);
    const q2 = Math.floor(t2 / scale);
    const t3 = (t2 - q2 * scale) * 0x10000 + (low & 0xffff);
    const q3 = Math.floor(t3 / scale);
    out.sec = q1 * 0x1_0000_0000 + q2 * 0x10000 + q3;
    out.nsec = (t3 - q3 * scale) * 10 ** (9 - res.exponent);
    return;
  }
  // Binary or sub-nanosecond units (rare): exact integer arithmetic, in BigInts.
  const units = (BigInt(high) << 32n) | BigInt(low);
  if (res.base === 10) {
    const scale = 10n ** BigInt(res.exponent);
    out.sec = Number(units / scale);
    out.nsec = Number(((units % scale) * 1_000_000_000n) / scale);
    return;
  }
  const shift = BigInt(res.exponent);
  const frac = units & ((1n << shift) - 1n);
  out.sec = Number(units >> shift);
  out.nsec = Number((frac * 1_000_000_000n) >> shift);
}
