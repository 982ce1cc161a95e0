// SipHash-2-4 against the reference vectors of the SipHash paper's code
// (key 00..0f, message 00..len-1), which lib/siphash.c's tests use too.
import { describe, expect, it } from 'vitest';
import { siphash, siphashHigh, sipKey } from '../../src/helpers/siphash.js';

const KEY = sipKey(Uint8Array.from({ length: 16 }, (_, i) => i));
const MESSAGE = Uint8Array.from({ length: 64 }, (_, i) => i);

/** Outputs of the reference implementation, by message length. */
const VECTORS: ReadonlyArray<[number, string]> = [
  [0, '726fdb47dd0e0e31'],
  [1, '74f839c593dc67fd'],
  [7, 'ab0200f58b01d137'],
  [8, '93f5f5799a932462'],
  [15, 'a129ca6149be45e5'], // the paper's worked example
  [16, '3f2acc7f57c29bdb'],
  [40, '0e3ea96b5304a7d0'],
  [63, '958a324ceb064572'],
];

const hex64 = (lo: number, hi: number): string => hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');

describe('siphash', () => {
  it.each(VECTORS)('hashes %i bytes as the reference does', (length, expected) => {
    const lo = siphash(KEY, MESSAGE, 0, length);
    expect(hex64(lo, siphashHigh())).toBe(expected);
  });

  it('hashes a message where it lies, reading nothing past its end', () => {
    const shifted = new Uint8Array(80).fill(0xee);
    shifted.set(MESSAGE.subarray(0, 15), 9);
    const lo = siphash(KEY, shifted, 9, 15);
    expect(hex64(lo, siphashHigh())).toBe('a129ca6149be45e5');
  });

  it('takes a key as siphash_key_t lies in memory and no other size', () => {
    expect([...KEY]).toEqual([0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c]);
    expect(() => sipKey(new Uint8Array(15))).toThrow(RangeError);
  });
});
