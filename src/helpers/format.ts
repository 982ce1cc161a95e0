import { s64ToString, u64ToHex, u64ToString } from '../vm/int64.js';
import type { HelperCall } from '../vm/helper.js';
import type { Memory } from '../vm/memory.js';

/** Reads a NUL-terminated string of at most `max` bytes at `addr`; undefined when no NUL is found. */
export function readCString(memory: Memory, addr: number, max: number, insn: number): string | undefined {
  memory.check(addr, max, false, insn);
  const end = memory.u8.indexOf(0, addr);
  if (end < 0 || end >= addr + max) return undefined;
  return Buffer.from(memory.u8.subarray(addr, end)).toString('latin1');
}

/** One argument: a 64-bit value in its int32 halves, and readers for what `%s` and `%pI4` print (the memory at that address). */
export interface FormatArg {
  lo: number;
  hi: number;
  string: () => string;
  /** `n` bytes at the address, or undefined when they are not all readable. */
  bytes: (n: number) => Uint8Array | undefined;
}

/**
 * The conversions bpf_bprintf_prepare accepts: flags, width, precision, the
 * h/l/ll/z modifiers, and %p with its IP-address forms (%pI4 %pi4 %pI6 %pi6 %pI6c).
 */
export const CONVERSION = /%([-+ #0]*)(\d+)?(?:\.(\d+))?(hh|h|ll|l|z)?(?:([diuxXcs%])|p(?:([iI])(4|6)c?)?)/g;

/**
 * An argument read from the flat memory. A string or bytes that cannot be
 * read print as nothing, as the kernel's copy into its argument buffer leaves
 * an empty string when the copy faults.
 */
export function memoryArg(memory: Memory, lo: number, hi: number): FormatArg {
  const readable = (n: number): number => {
    if (hi !== 0 || lo < 0) return -1;
    return memory.find(lo, n) >= 0 ? lo : -1;
  };
  return {
    lo,
    hi,
    string: () => {
      const at = readable(1);
      if (at < 0) return '';
      const end = memory.u8.indexOf(0, at);
      const region = memory.regions[memory.find(at, 1)]!;
      return end < 0 || end >= region.end ? '' : Buffer.from(memory.u8.subarray(at, end)).toString('latin1');
    },
    bytes: (n) => {
      const at = readable(n);
      return at < 0 ? undefined : memory.u8.slice(at, at + n);
    },
  };
}

/** The little-endian u64 at `addr` (checked readable by the caller) as an argument. */
export function u64Arg(call: HelperCall, addr: number): FormatArg {
  const view = call.memory.view;
  return memoryArg(call.memory, view.getInt32(addr, true), view.getInt32(addr + 4, true));
}

/**
 * An IP address as bpf_trace_printk prints %pI4 (1.2.3.4), %pi4 (001.002.003.004),
 * %pI6 (eight 4-digit groups) and %pi6 (32 digits). The kernel accepts %pI6c
 * too but prints it in full, not compressed (checked against its trace buffer).
 */
function ipAddress(bytes: Uint8Array, upper: boolean): string {
  if (bytes.length === 4) return Array.from(bytes, (b) => (upper ? String(b) : String(b).padStart(3, '0'))).join('.');
  if (!upper) return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16).padStart(4, '0')).join(':');
}

/** The low `bits` (8, 16, 32 or 64) of an argument as a signed or unsigned integer, in decimal or hex. */
function integer(a: FormatArg, bits: number, signed: boolean, hex: boolean): string {
  if (bits === 64) return hex ? u64ToHex(a.lo, a.hi) : signed ? s64ToString(a.lo, a.hi) : u64ToString(a.lo, a.hi);
  const shift = 32 - bits;
  const v = signed ? (a.lo << shift) >> shift : (a.lo << shift) >>> shift;
  return hex ? v.toString(16) : String(v);
}

/**
 * printf as the kernel's bstr_printf does it for BPF formats (bpf_bprintf_prepare):
 * %d %i %u %x %X %c %s %p with flags, width, precision and the h/l/ll/z modifiers.
 * Anything else in a conversion is refused, as the verifier refuses it.
 */
export function formatPrintf(fmt: string, args: readonly FormatArg[]): string {
  let used = 0;
  const out = fmt.replace(
    CONVERSION,
    (_m, flags: string, width?: string, precision?: string, mod?: string, plain?: string, ip?: string, family?: string) => {
    const conv = plain ?? 'p';
    if (conv === '%') return '%';
    const a = args[used++];
    if (!a) throw new Error(`format needs more than ${args.length} arguments`);
    let body: string;
    if (ip !== undefined) {
      const bytes = a.bytes(family === '4' ? 4 : 16);
      return bytes ? ipAddress(bytes, ip === 'I') : '';
    }
    const bits = mod === 'll' || mod === 'l' || mod === 'z' ? 64 : mod === 'h' ? 16 : mod === 'hh' ? 8 : 32;
    switch (conv) {
      case 'd':
      case 'i':
        body = integer(a, bits, true, false);
        break;
      case 'u':
        body = integer(a, bits, false, false);
        break;
      case 'x':
      case 'X':
        body = integer(a, bits, false, true);
        if (flags.includes('#') && (a.lo | a.hi) !== 0) body = `0x${body}`;
        if (conv === 'X') body = body.toUpperCase();
        break;
      case 'c':
        body = String.fromCharCode(a.lo & 0xff);
        break;
      case 'p':
        body = `0x${u64ToHex(a.lo, a.hi)}`;
        break;
      default:
        body = a.string();
        if (precision !== undefined) body = body.slice(0, Number(precision));
    }
    if (precision !== undefined && conv !== 's' && conv !== 'c') {
      const neg = body.startsWith('-');
      const digits = neg ? body.slice(1) : body;
      body = (neg ? '-' : '') + digits.padStart(Number(precision), '0');
    }
    if (flags.includes('+') && /^[di]$/.test(conv!) && !body.startsWith('-')) body = `+${body}`;
    else if (flags.includes(' ') && /^[di]$/.test(conv!) && !body.startsWith('-')) body = ` ${body}`;
    const w = width ? Number(width) : 0;
    if (body.length >= w) return body;
    if (flags.includes('-')) return body.padEnd(w);
    if (flags.includes('0') && precision === undefined && conv !== 's' && conv !== 'c') {
      const sign = /^[-+ ]/.test(body) ? body[0]! : '';
      return sign + body.slice(sign.length).padStart(w - sign.length, '0');
    }
    return body.padStart(w);
  },
  );
  return out;
}

/** Number of conversions consuming an argument. */
export function countConversions(fmt: string): number {
  let n = 0;
  for (const m of fmt.matchAll(CONVERSION)) if (m[5] !== '%') n++;
  return n;
}

