// bpf_strtol and bpf_strtoul, as kernel/bpf/helpers.c builds them on the
// parser of lib/kstrtox.c (_parse_integer_fixup_radix, _parse_integer).
// Values are kept as two 32-bit halves so that a call allocates nothing.
import { EINVAL, ERANGE } from '../uapi/errno.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import { ptrArg } from './state.js';

/** The base sits in these bits of the flags; any other bit set is -EINVAL. */
const BPF_STRTOX_BASE_MASK = 0x1f;

/**
 * The kernel copies what follows the blanks and the sign into a 64-byte
 * string before parsing it, so at most this many characters are read (a
 * longer run of digits is cut there, not refused).
 */
const PARSED_MAX = 63;

const TWO_32 = 0x1_0000_0000;
const SIGN_BIT = 0x8000_0000;

/** isspace() of the kernel's ctype table (lib/ctype.c): \t \n \v \f \r, space, and 0xa0 (Latin-1's no-break space). */
function isSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 0x20 || c === 0xa0;
}

/** The digit a byte stands for in bases up to 16, or 16 when it is none. */
function digit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : 16;
}

/** The byte at `i` of the kernel's scratch copy, which ends in a NUL at `stop`: no digit, and no 'x'. */
function scratchByte(u8: Uint8Array, i: number, stop: number): number {
  return i < stop ? u8[i]! : 0;
}

/**
 * __bpf_strtoull over `len` bytes at `buf`: the number of characters
 * consumed (blanks, sign, 0x prefix and digits), or -errno. The magnitude is
 * left in `out` (low half, high half) and whether a '-' preceded it in
 * `out[2]`.
 */
function parse(u8: Uint8Array, buf: number, len: number, flagsLo: number, flagsHi: number, out: Uint32Array): number {
  let base = flagsLo & BPF_STRTOX_BASE_MASK;
  if (base !== 0 && base !== 8 && base !== 10 && base !== 16) return -EINVAL;
  if ((flagsLo & ~BPF_STRTOX_BASE_MASK) !== 0 || flagsHi !== 0) return -EINVAL;

  const end = buf + len;
  let at = buf;
  while (at < end && isSpace(u8[at]!)) at++;
  const negative = at < end && u8[at] === 0x2d;
  if (negative) at++;
  if (at === end) return -EINVAL;

  const stop = at + Math.min(end - at, PARSED_MAX);
  if (base === 0) {
    if (scratchByte(u8, at, stop) !== 0x30) base = 10;
    else base = (scratchByte(u8, at + 1, stop) | 0x20) === 0x78 && digit(scratchByte(u8, at + 2, stop)) < 16 ? 16 : 8;
  }
  if (base === 16 && scratchByte(u8, at, stop) === 0x30 && (scratchByte(u8, at + 1, stop) | 0x20) === 0x78) at += 2;

  let lo = 0;
  let hi = 0;
  let overflow = false;
  let digits = 0;
  for (; at < stop; at++, digits++) {
    const d = digit(u8[at]!);
    if (d >= base) break;
    const low = lo * base + d;
    const high = hi * base + Math.floor(low / TWO_32);
    // The kernel flags the overflow and carries on with the wrapped value; only the flag matters.
    if (high >= TWO_32) overflow = true;
    lo = low % TWO_32;
    hi = high % TWO_32;
  }
  if (overflow) return -ERANGE;
  if (digits === 0) return -EINVAL;
  out[0] = lo;
  out[1] = hi;
  out[2] = negative ? 1 : 0;
  return at - buf;
}

/** Reads R1-R4 and parses; *res is zeroed first, as both helpers do before anything can fail. */
function parseCall(call: HelperCall, out: Uint32Array, r1: number, r2: number, r3: number, r4: number, h1: number, h3: number, h4: number): number {
  const len = r2 >>> 0;
  const buf = ptrArg(call, 1, r1, h1);
  call.memory.check(buf, len, false, call.insn);
  store(call, r4, h4, 0, 0);
  return parse(call.memory.u8, buf, len, r3, h3, out);
}

/** Writes *res (R4, its halves `r4`, `h4`), an aligned s64 / u64. */
function store(call: HelperCall, r4: number, h4: number, lo: number, hi: number): void {
  const res = ptrArg(call, 4, r4, h4);
  call.memory.check(res, 8, true, call.insn);
  call.memory.view.setUint32(res, lo, true);
  call.memory.view.setUint32(res + 4, hi, true);
}

/**
 * bpf_strtol(buf, buf_len, flags, res): a signed integer in base 0 (a 0x or 0
 * prefix picks 16 or 8), 8, 10 or 16, after blanks and an optional '-' (a '+'
 * is not accepted). The string need not end in a NUL; parsing stops at the
 * first byte that is no digit of the base. Returns the characters consumed;
 * -EINVAL for bad flags or no digits, -ERANGE past the s64 range. *res is 0
 * whenever the result is an error.
 */
export function strtol(): Helper {
  const out = new Uint32Array(3);
  return (call, r1, r2, r3, r4, _r5, h1, _h2, h3, h4) => {
    const consumed = parseCall(call, out, r1, r2, r3, r4, h1, h3, h4);
    if (consumed < 0) return consumed;
    let lo = out[0]!;
    let hi = out[1]!;
    if (out[2] === 1) {
      // -2^63 is the one magnitude past 2^63 - 1 that fits.
      if (hi > SIGN_BIT || (hi === SIGN_BIT && lo > 0)) return -ERANGE;
      hi = (TWO_32 - hi - (lo === 0 ? 0 : 1)) % TWO_32;
      lo = (TWO_32 - lo) % TWO_32;
    } else if (hi >= SIGN_BIT) {
      return -ERANGE;
    }
    store(call, r4, h4, lo, hi);
    return consumed;
  };
}

/**
 * bpf_strtoul(buf, buf_len, flags, res): as bpf_strtol for a u64, except that
 * a '-' makes it -EINVAL (once the digits after it have parsed).
 */
export function strtoul(): Helper {
  const out = new Uint32Array(3);
  return (call, r1, r2, r3, r4, _r5, h1, _h2, h3, h4) => {
    const consumed = parseCall(call, out, r1, r2, r3, r4, h1, h3, h4);
    if (consumed < 0) return consumed;
    if (out[2] === 1) return -EINVAL;
    store(call, r4, h4, out[0]!, out[1]!);
    return consumed;
  };
}
