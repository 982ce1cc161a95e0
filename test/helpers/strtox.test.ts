// bpf_strtol and bpf_strtoul against the kernel: a table of the parser's
// edges, then seeded random strings. Each request is a frame that
// strtox.bpf.c parses; the answer (the result, and *res over a sentinel)
// comes back in the frame, so every frame is compared with the kernel's.
import { describe, expect, it } from 'vitest';
import { prng } from '../../scripts/make-captures.js';
import { strtol, strtoul } from '../../src/helpers/strtol.js';
import { EINVAL, ERANGE } from '../../src/uapi/errno.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';
import { bench } from './direct.js';

const OBJ = fixture('strtox');
const STRTOL = 0;
const STRTOUL = 1;
const STR_AT = 24;
const STR_MAX = 96;

interface Request {
  op: typeof STRTOL | typeof STRTOUL;
  /** The buffer's bytes (Latin-1); what follows them up to STR_MAX is `tail`. */
  text: string;
  flags?: bigint;
  /** buf_len; default the text's length. */
  len?: number;
  tail?: Uint8Array;
}

function frame(r: Request): Uint8Array {
  const f = Buffer.alloc(STR_AT + STR_MAX);
  const bytes = Buffer.from(r.text, 'latin1');
  f[14] = r.op;
  f[15] = r.len ?? bytes.length;
  f.writeBigUInt64LE(r.flags ?? 0n, 16);
  if (r.tail) f.set(r.tail.subarray(0, STR_MAX), STR_AT);
  bytes.copy(f, STR_AT);
  return new Uint8Array(f);
}

/** [result, *res] of each frame the kernel answered. */
function answers(frames: ReadonlyArray<{ out?: string }>): Array<[bigint, bigint]> {
  return frames.map((f) => {
    const out = Buffer.from(f.out!, 'hex');
    return [out.readBigInt64LE(0), out.readBigInt64LE(8)];
  });
}

// [helper, text, flags, buf_len, result, *res]: what the kernel answers.
const TABLE: Array<[Request['op'], string, bigint, number | undefined, bigint, bigint]> = [
  [STRTOL, '123', 0n, undefined, 3n, 123n],
  [STRTOL, '  -42xyz', 0n, undefined, 5n, -42n],
  [STRTOL, '\v\f\r\n\t7', 0n, undefined, 6n, 7n],
  [STRTOL, '\xa05', 0n, undefined, 2n, 5n], // 0xa0 is a blank to the kernel's ctype
  [STRTOL, '   ', 0n, undefined, BigInt(-EINVAL), 0n],
  [STRTOL, '-', 0n, undefined, BigInt(-EINVAL), 0n],
  [STRTOL, '- 5', 0n, undefined, BigInt(-EINVAL), 0n], // no blanks after the sign
  [STRTOL, '+5', 0n, undefined, BigInt(-EINVAL), 0n], // and no '+'
  [STRTOL, '-0', 0n, undefined, 2n, 0n],
  // Base 0: 0x picks 16 only when a hex digit follows, a lone 0 picks 8.
  [STRTOL, '0x1f', 0n, undefined, 4n, 31n],
  [STRTOL, '0x', 0n, undefined, 1n, 0n],
  [STRTOL, '0xg', 0n, undefined, 1n, 0n],
  [STRTOL, '017', 0n, undefined, 3n, 15n],
  [STRTOL, '09', 0n, undefined, 1n, 0n],
  [STRTOL, '-0x10', 0n, undefined, 5n, -16n],
  [STRTOL, '0x-1', 0n, undefined, 1n, 0n],
  // Explicit bases; base 16 skips a 0x even with no digit after it.
  [STRTOL, '0X1F', 16n, undefined, 4n, 31n],
  [STRTOL, '0x', 16n, undefined, BigInt(-EINVAL), 0n],
  [STRTOL, 'ff', 16n, undefined, 2n, 255n],
  [STRTOL, 'ff', 10n, undefined, BigInt(-EINVAL), 0n],
  [STRTOL, '777', 8n, undefined, 3n, 511n],
  [STRTOL, '778', 8n, undefined, 2n, 63n],
  // Flags: only the base bits, and only bases 0, 8, 10, 16.
  [STRTOL, '12', 1n, undefined, BigInt(-EINVAL), 0n],
  [STRTOL, '12', 3n, undefined, BigInt(-EINVAL), 0n],
  [STRTOL, '12', 32n, undefined, BigInt(-EINVAL), 0n],
  [STRTOL, '12', (1n << 33n) | 10n, undefined, BigInt(-EINVAL), 0n],
  // The buffer need not end in a NUL; buf_len bounds it, a NUL inside ends the number.
  [STRTOL, '12', 0n, 1, 1n, 1n],
  [STRTOL, '5\x005', 0n, undefined, 1n, 5n],
  // The edges of s64 and u64.
  [STRTOL, '9223372036854775807', 0n, undefined, 19n, 9223372036854775807n],
  [STRTOL, '9223372036854775808', 0n, undefined, BigInt(-ERANGE), 0n],
  [STRTOL, '-9223372036854775808', 0n, undefined, 20n, -9223372036854775808n],
  [STRTOL, '-9223372036854775809', 0n, undefined, BigInt(-ERANGE), 0n],
  [STRTOUL, '18446744073709551615', 0n, undefined, 20n, -1n],
  [STRTOUL, '18446744073709551616', 0n, undefined, BigInt(-ERANGE), 0n],
  [STRTOUL, '99999999999999999999999', 0n, undefined, BigInt(-ERANGE), 0n],
  [STRTOUL, '0xffffffffffffffff', 0n, undefined, 18n, -1n],
  [STRTOUL, '0x10000000000000000', 0n, undefined, BigInt(-ERANGE), 0n],
  [STRTOUL, '-5', 0n, undefined, BigInt(-EINVAL), 0n],
  [STRTOUL, '-0', 0n, undefined, BigInt(-EINVAL), 0n],
  [STRTOUL, '0x1g', 0n, undefined, 3n, 1n],
  // Only 63 characters after the blanks and sign are parsed.
  [STRTOL, `${'0'.repeat(63)}1234`, 0n, undefined, 63n, 0n],
  [STRTOL, `   ${'0'.repeat(63)}1234`, 0n, undefined, 66n, 0n],
  [STRTOL, `-${'0'.repeat(60)}777`, 0n, undefined, 64n, -0o777n],
  [STRTOL, `-${'0'.repeat(61)}777`, 0n, undefined, 64n, -0o77n],
];

const ALPHABET = '0123456789abcdefABCDEFxXg- +\t\n\v\f\r\xa0\x00\xff';

/** A string built of the parser's ingredients: blanks, a sign, a prefix, digits, junk. */
function randomRequest(next: () => number): Request {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const run = (chars: string, max: number): string => Array.from({ length: Math.floor(next() * (max + 1)) }, () => pick([...chars])).join('');
  const digits = pick(['01234567', '0123456789', '0123456789abcdefABCDEF', '9', 'f']);
  const body = run(digits, pick([3, 12, 22, 70]));
  const text = run(' \t\n\v\f\r\xa0', 3) + pick(['', '', '-', '+']) + pick(['', '', '0', '0x', '0X']) + body + run(ALPHABET, 4);
  const tail = Uint8Array.from({ length: STR_MAX }, () => pick([...ALPHABET]).charCodeAt(0));
  const bytes = Math.min(text.length, STR_MAX);
  const len = pick([bytes, bytes, Math.max(1, Math.floor(next() * bytes)), 1 + Math.floor(next() * STR_MAX)]);
  const flags = next() < 0.85 ? pick([0n, 8n, 10n, 16n]) : pick([2n, 17n, 31n, 0x30n, 1n << 40n, 0xffff_ffffn]);
  return { op: pick([STRTOL, STRTOUL] as const), text: text.slice(0, STR_MAX), flags, len: Math.max(1, Math.min(len, STR_MAX)), tail };
}

describe('bpf_strtol and bpf_strtoul', () => {
  describe('against the kernel', () => {
    skipWithoutKernel();

    it('agree with the kernel on the edges of the parser', () => {
      const requests = TABLE.map(([op, text, flags, len]): Request => ({ op, text, flags, ...(len !== undefined && { len }) }));
      const { kernel } = agree(OBJ, 'xdp_strtox', requests.map(frame));
      expect(answers(kernel.frames as Array<{ out: string }>)).toEqual(TABLE.map(([, , , , result, res]) => [result, res]));
    });

    it('agree with the kernel on random strings', () => {
      const next = prng(0x5742_7401);
      const requests = Array.from({ length: 400 }, () => randomRequest(next));
      const { kernel } = agree(OBJ, 'xdp_strtox', requests.map(frame));
      // The strings reach every outcome: numbers, no digits, bad flags, overflow.
      const results = new Set(answers(kernel.frames as Array<{ out: string }>).map(([r]) => (r > 0n ? 'parsed' : String(r))));
      expect([...results].sort()).toEqual(['-22', '-34', 'parsed']);
    });
  });

  // The kernel's verifier refuses a size that may be 0 (ARG_CONST_SIZE), so
  // only a direct call reaches the helper's own rule for it.
  it('take an empty buffer as no digits: -EINVAL, *res zeroed', () => {
    const b = bench();
    const res = b.scratch + 64;
    for (const helper of [strtol(), strtoul()]) {
      b.memory.view.setBigUint64(res, 0x5a5a5a5a5a5a5a5an, true);
      b.memory.u8.set([0x31, 0x32], b.scratch);
      expect(b.call(helper, b.scratch, 0, 0, res)).toBe(BigInt(-EINVAL));
      expect(b.memory.view.getBigUint64(res, true)).toBe(0n);
    }
  });
});
