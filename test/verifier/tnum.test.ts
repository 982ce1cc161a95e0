import { describe, expect, it } from 'vitest';
import {
  TNUM_UNKNOWN,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumBswap,
  tnumCast,
  tnumConst,
  tnumConstSubreg,
  tnumEquals,
  tnumIn,
  tnumIntersect,
  tnumIsAligned,
  tnumIsConst,
  tnumLshift,
  tnumMul,
  tnumNeg,
  tnumOr,
  tnumOverlap,
  tnumRange,
  tnumRshift,
  tnumStr,
  tnumSub,
  tnumSubreg,
  tnumWithSubreg,
  tnumXor,
  type Tnum,
} from '../../src/verifier/tnum.js';
import { fromBigInt as W, toBigU } from '../../src/verifier/word.js';

const M64 = (1n << 64n) - 1n;
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const T = (value: bigint, mask: bigint): Tnum => ({ value: W(value), mask: W(mask) });
/** A tnum's bits as bigints. */
const big = (t: Tnum): { value: bigint; mask: bigint } => ({ value: toBigU(t.value), mask: toBigU(t.mask) });

/** xorshift64*: deterministic. */
function prng(seed: bigint): () => bigint {
  let x = seed;
  return () => {
    x ^= x >> 12n;
    x ^= (x << 25n) & M64;
    x ^= x >> 27n;
    return u64(x * 0x2545f4914f6cdd1dn);
  };
}
const rnd = prng(0x7e57n);

/** A tnum with a member: few, many or all bits unknown. */
function sample(): [Tnum, bigint] {
  const x = rnd();
  const r = rnd();
  const mask = [0n, r & 0xffn, r & 0xffffffffn, r & rnd() & rnd(), r, M64][Number(r % 6n)]!;
  return [T(x & ~mask, mask), x];
}

/** Another member of t. */
function other(t: Tnum): bigint {
  return big(t).value | (rnd() & big(t).mask);
}

const member = (t: Tnum, x: bigint): boolean => (x & ~big(t).mask) === big(t).value;
const N = 3000;

describe('tnum soundness', () => {
  const binary: [string, (a: Tnum, b: Tnum) => Tnum, (x: bigint, y: bigint) => bigint][] = [
    ['add', tnumAdd, (x, y) => u64(x + y)],
    ['sub', tnumSub, (x, y) => u64(x - y)],
    ['and', tnumAnd, (x, y) => x & y],
    ['or', tnumOr, (x, y) => x | y],
    ['xor', tnumXor, (x, y) => x ^ y],
    ['mul', tnumMul, (x, y) => u64(x * y)],
  ];
  for (const [name, f, g] of binary) {
    it(`${name} contains every concrete result`, () => {
      for (let i = 0; i < N; i++) {
        const [a, x] = sample();
        const [b, y] = sample();
        const r = f(a, b);
        expect(big(r).value & big(r).mask).toBe(0n);
        expect(member(r, g(x, y)), `${tnumStr(a)} ${name} ${tnumStr(b)}`).toBe(true);
        expect(member(r, g(other(a), other(b)))).toBe(true);
      }
    });
  }

  it('shifts, negation, casts and byte swaps contain every concrete result', () => {
    for (let i = 0; i < N; i++) {
      const [a, x] = sample();
      const k = Number(rnd() % 64n);
      expect(member(tnumLshift(a, k), u64(x << BigInt(k)))).toBe(true);
      expect(member(tnumRshift(a, k), x >> BigInt(k))).toBe(true);
      expect(member(tnumArshift(a, k, 64), u64(BigInt.asIntN(64, x) >> BigInt(k)))).toBe(true);
      const k32 = k & 31;
      expect(member(tnumArshift(tnumSubreg(a), k32, 32), BigInt.asUintN(32, BigInt.asIntN(32, x) >> BigInt(k32)))).toBe(true);
      expect(member(tnumNeg(a), u64(-x))).toBe(true);
      expect(member(tnumCast(a, 2), x & 0xffffn)).toBe(true);
      const swapped = BigInt(`0x${(x & 0xffffffffn).toString(16).padStart(8, '0').match(/../g)!.reverse().join('')}`);
      expect(member(tnumBswap(a, 32), swapped)).toBe(true);
    }
  });

  it('intersection and overlap agree with common members', () => {
    for (let i = 0; i < N; i++) {
      const [a, x] = sample();
      const [b, y] = sample();
      // x is in both a and t, so overlap must say yes and the intersection must hold x.
      const t = T(x & ~big(b).mask, big(b).mask);
      expect(tnumOverlap(a, t)).toBe(true);
      expect(member(tnumIntersect(a, t), x)).toBe(true);
      if (!tnumOverlap(a, b)) expect(member(b, x)).toBe(false);
      if (tnumIn(a, b)) expect(member(a, y)).toBe(true);
    }
  });

  it('tnumRange holds every value of the range', () => {
    for (let i = 0; i < N; i++) {
      const a = rnd() >> BigInt(Number(rnd() % 64n));
      const b = a + (rnd() >> BigInt(Number(rnd() % 64n)));
      if (b > M64) continue;
      const t = tnumRange(W(a), W(b));
      expect(member(t, a) && member(t, b) && member(t, (a + b) / 2n)).toBe(true);
    }
  });
});

describe('tnum exactness', () => {
  it('is exact on constants', () => {
    expect(tnumAdd(tnumConst(W(3n)), tnumConst(W(4n)))).toEqual(tnumConst(W(7n)));
    expect(tnumMul(tnumConst(W(6n)), tnumConst(W(7n)))).toEqual(tnumConst(W(42n)));
    expect(tnumSub(tnumConst(W(0n)), tnumConst(W(1n)))).toEqual(tnumConst(W(M64)));
    expect(tnumIsConst(tnumAnd(TNUM_UNKNOWN, tnumConst(W(0n))))).toBe(true);
  });

  it('knows the bits an AND mask clears and an OR sets', () => {
    expect(tnumAnd(TNUM_UNKNOWN, tnumConst(W(0xffn)))).toEqual(T(0n, 0xffn));
    expect(tnumOr(T(0n, 0xf0n), tnumConst(W(1n)))).toEqual(T(1n, 0xf0n));
  });

  it('multiplies as the union-based tnum_mul does', () => {
    expect(tnumMul(T(1n, 2n), tnumConst(W(3n)))).toEqual(T(1n, 0xan));
    expect(tnumMul(T(0n, 0xffn), tnumConst(W(3n)))).toEqual(T(0n, 0x3ffn));
  });

  it('builds ranges and subregisters as the kernel does', () => {
    expect(tnumRange(W(0n), W(255n))).toEqual(T(0n, 0xffn));
    expect(tnumRange(W(0x10n), W(0x1fn))).toEqual(T(0x10n, 0xfn));
    expect(tnumRange(W(5n), W(5n))).toEqual(tnumConst(W(5n)));
    expect(tnumRange(W(0n), W(M64))).toEqual(TNUM_UNKNOWN);
    expect(tnumSubreg(TNUM_UNKNOWN)).toEqual(T(0n, 0xffffffffn));
    expect(tnumWithSubreg(tnumConst(W(0x1_0000_0000n)), tnumConst(W(7n)))).toEqual(tnumConst(W(0x1_0000_0007n)));
    expect(tnumConstSubreg(TNUM_UNKNOWN, 0xffffffff)).toEqual(T(0xffffffffn, 0xffffffff00000000n));
    expect(tnumArshift(T(0x80000000n, 0n), 4, 32)).toEqual(tnumConst(W(0xf8000000n)));
    expect(tnumBswap(T(0n, 0xffn), 16)).toEqual(T(0n, 0xff00n));
  });

  it('answers alignment, containment and equality', () => {
    expect(tnumIsAligned(T(8n, 0xf0n), 8)).toBe(true);
    expect(tnumIsAligned(T(8n, 0xf1n), 2)).toBe(false);
    expect(tnumIn(TNUM_UNKNOWN, tnumConst(W(9n)))).toBe(true);
    expect(tnumIn(tnumConst(W(9n)), TNUM_UNKNOWN)).toBe(false);
    expect(tnumEquals(tnumConst(W(1n)), T(1n, 0n))).toBe(true);
  });

  it('prints var_off as the kernel log does', () => {
    expect(tnumStr(T(0n, 0xffn))).toBe('(0x0; 0xff)');
    expect(tnumStr(T(0x8000000000000000n, 0x7fffffffffffffffn))).toBe('(0x8000000000000000; 0x7fffffffffffffff)');
  });
});
