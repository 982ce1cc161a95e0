// Addition, subtraction, conversions and decimal/hex digits on int32 pairs against BigInt, on random and edge operands.
import { describe, expect, it } from 'vitest';
import { add64, fromSafeInteger, mul64, s64ToString, sub64, toSafeInteger, u64ToHex, u64ToString } from '../../src/vm/int64.js';

const EDGES = [
  0n, 1n, 999_999_999n, 1_000_000_000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x1fffffffffffffn, 0x20000000000000n,
  0x20000000000001n, 1_700_000_000_000_000_000n, 9_999_999_999_999_999_999n, 10_000_000_000_000_000_000n, 0x7fffffffffffffffn,
  0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen,
];

function pair(v: bigint): [number, number] {
  return [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];
}

const u64 = (out: Int32Array): bigint => (BigInt(out[1]! >>> 0) << 32n) | BigInt(out[0]! >>> 0);

function values(): bigint[] {
  const out = [...EDGES];
  let s = 11;
  const word = (): bigint => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return BigInt(s);
  };
  // Every magnitude, from a few bits to 64.
  for (let i = 0; i < 20000; i++) out.push(((word() << 32n) | word()) >> BigInt(Number(word() % 64n)));
  return out;
}

describe('64-bit pair arithmetic without BigInt', () => {
  const vs = values();
  const pairs = vs.map((a, i) => [a, vs[(i * 7919 + 1) % vs.length]!] as const);

  it('add64 and sub64 equal BigInt modulo 2^64', () => {
    const out = new Int32Array(2);
    for (const [a, b] of pairs) {
      const [al, ah] = pair(a);
      const [bl, bh] = pair(b);
      add64(out, 0, al, ah, bl, bh);
      expect(u64(out)).toBe(BigInt.asUintN(64, a + b));
      sub64(out, 0, al, ah, bl, bh);
      expect(u64(out)).toBe(BigInt.asUintN(64, a - b));
    }
  });

  it('mul64 by a small constant and add64 make seconds and nanoseconds into nanoseconds', () => {
    const out = new Int32Array(2);
    for (const v of vs) {
      const secs = v >> 30n;
      const nsecs = v & 0x3fffffffn;
      const [sl, sh] = pair(secs);
      mul64(out, 0, sl, sh, 1_000_000_000, 0);
      add64(out, 0, out[0]!, out[1]!, Number(nsecs), 0);
      expect(u64(out)).toBe(BigInt.asUintN(64, secs * 1_000_000_000n + nsecs));
    }
  });

  it('fromSafeInteger and toSafeInteger convert every safe integer, negative ones included', () => {
    const out = new Int32Array(2);
    for (const v of vs) {
      const n = BigInt.asIntN(54, v);
      if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) continue;
      fromSafeInteger(out, 0, Number(n));
      expect(u64(out)).toBe(BigInt.asUintN(64, n));
      expect(toSafeInteger(out[0]!, out[1]!)).toBe(Number(n));
    }
  });

  it('u64ToString, s64ToString and u64ToHex print as BigInt prints', () => {
    for (const v of vs) {
      const [lo, hi] = pair(v);
      expect(u64ToString(lo, hi)).toBe(BigInt.asUintN(64, v).toString());
      expect(s64ToString(lo, hi)).toBe(BigInt.asIntN(64, v).toString());
      expect(u64ToHex(lo, hi)).toBe(BigInt.asUintN(64, v).toString(16));
    }
  });
});
