import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/isa/asm.js';
import { loadBytecode } from '../../src/engine/bytecode.js';
import { R0_PAIR, type Helper } from '../../src/vm/helper.js';

/** Runs `source` with `helper` as helper 1; returns R0 as an unsigned 64-bit bigint. */
function run(source: string, helper: Helper): bigint {
  return loadBytecode(assemble(source).toBytes(), new Map([[1, helper]])).run();
}

describe('the helper ABI: R1-R5 in as numbers, R0 out as one', () => {
  it('passes the low halves as int32 and the high halves apart', () => {
    const seen: number[] = [];
    const record: Helper = (_call, r1, r2, r3, r4, r5, h1, h2, h3, h4, h5) => {
      seen.push(r1, r2, r3, r4, r5, h1, h2, h3, h4, h5);
      return 0;
    };
    run('lddw %r1, 0x1234567890abcdef\nmov %r2, -1\nmov32 %r3, -1\nmov %r4, 0\nlddw %r5, 0x8000000000000001\ncall 1\nexit', record);
    expect(seen).toEqual([0x90abcdef | 0, -1, -1, 0, 1, 0x12345678, -1, 0, 0, 0x80000000 | 0]);
  });

  it('writes R0 from the number returned: sign-extended below 0, exact up to 2^53', () => {
    expect(run('call 1\nexit', () => -22)).toBe(2n ** 64n - 22n);
    expect(run('call 1\nexit', () => 0xffffffff)).toBe(0xffffffffn);
    expect(run('call 1\nexit', () => 2 ** 40 + 5)).toBe(2n ** 40n + 5n);
    expect(run('call 1\nexit', () => 2 ** 53)).toBe(2n ** 53n);
    expect(run('call 1\nexit', () => -(2 ** 53))).toBe(2n ** 64n - 2n ** 53n);
  });

  it('takes both halves from setR0Pair when R0_PAIR comes back, and leaves R0 as it was without a pair', () => {
    expect(run('call 1\nexit', (call) => call.setR0Pair(-1, 0x7fffffff))).toBe(0x7fffffffffffffffn);
    expect(run('lddw %r0, 0xfedcba9876543210\ncall 1\nexit', () => R0_PAIR)).toBe(0xfedcba9876543210n);
  });
});
