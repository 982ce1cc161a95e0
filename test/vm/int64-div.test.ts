// 64-bit division on int32 pairs against BigInt, on random and edge operands.
import { describe, expect, it } from 'vitest';
import { sdivmod64, udivmod64 } from '../../src/vm/int64.js';

const EDGES = [0n, 1n, 2n, 3n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen, 0x123456789abcdefn];

function pair(v: bigint): [number, number] {
  return [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];
}

function random64(seed: { s: number }): bigint {
  const word = (): bigint => {
    seed.s = (Math.imul(seed.s, 1103515245) + 12345) >>> 0;
    return BigInt(seed.s);
  };
  // Mix magnitudes: small divisors, 32-bit, 33..64-bit.
  const shift = BigInt(Number(word() % 64n));
  return ((word() << 32n) | word()) >> shift;
}

function operands(): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [];
  for (const a of EDGES) for (const b of EDGES) if (b !== 0n) out.push([a, b]);
  const seed = { s: 7 };
  for (let i = 0; i < 20000; i++) {
    const a = random64(seed);
    const b = random64(seed);
    if (b !== 0n) out.push([a, b]);
  }
  return out;
}

describe('64-bit division without BigInt', () => {
  const cases = operands();
  it('udivmod64 equals BigInt division and remainder', () => {
    const out = new Int32Array(2);
    for (const [a, b] of cases) {
      const [al, ah] = pair(a);
      const [bl, bh] = pair(b);
      udivmod64(out, 0, al, ah, bl, bh, false);
      expect([out[0], out[1]], `${a} / ${b}`).toEqual(pair(a / b));
      udivmod64(out, 0, al, ah, bl, bh, true);
      expect([out[0], out[1]], `${a} % ${b}`).toEqual(pair(a % b));
    }
  });

  it('sdivmod64 truncates, and INT64_MIN / -1 wraps (RFC 9669)', () => {
    const out = new Int32Array(2);
    for (const [ua, ub] of cases) {
      const a = BigInt.asIntN(64, ua);
      const b = BigInt.asIntN(64, ub);
      const [al, ah] = pair(a);
      const [bl, bh] = pair(b);
      sdivmod64(out, 0, al, ah, bl, bh, false);
      const q = b === -1n ? -a : a / b;
      expect([out[0], out[1]], `${a} / ${b}`).toEqual(pair(BigInt.asIntN(64, q)));
      sdivmod64(out, 0, al, ah, bl, bh, true);
      expect([out[0], out[1]], `${a} % ${b}`).toEqual(pair(b === -1n ? 0n : a % b));
    }
  });
});
