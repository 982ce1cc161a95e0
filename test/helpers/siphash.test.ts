// SipHash-2-4 against the reference vectors of the SipHash paper's code
// (key 00..0f, message 00..len-1), which lib/siphash.c's tests use too.
import { describe, expect, it } from 'vitest';
import { siphash, sipKey } from '../../src/helpers/siphash.js';

const KEY = sipKey(Uint8Array.from({ length: 16 }, (_, i) => i));
const MESSAGE = Uint8Array.from({ length: 64 }, (_, i) => i);

/** Outputs of the reference implementation, by message length; siphash() gives their low 32 bits, all SYN cookies use. */
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

const low32 = (hex64: string): string => hex64.slice(8);
const hex32 = (n: number): string => n.toString(16).padStart(8, '0');

describe('siphash', () => {
  it.each(VECTORS)('hashes %i bytes as the reference does', (length, expected) => {
    expect(hex32(siphash(KEY, MESSAGE, 0, length))).toBe(low32(expected));
  });

  it('hashes a message where it lies, reading nothing past its end', () => {
    const shifted = new Uint8Array(80).fill(0xee);
    shifted.set(MESSAGE.subarray(0, 15), 9);
    expect(hex32(siphash(KEY, shifted, 9, 15))).toBe(low32('a129ca6149be45e5'));
  });

  it('takes a key as siphash_key_t lies in memory and no other size', () => {
    expect([...KEY]).toEqual([0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c]);
    expect(() => sipKey(new Uint8Array(15))).toThrow(RangeError);
  });
});
