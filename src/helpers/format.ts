import { RuntimeError } from '../vm/errors.js';
import type { Memory } from '../vm/memory.js';

/** Reads a NUL-terminated string of at most `max` bytes at `addr`; undefined when no NUL is found. */
export function readCString(memory: Memory, addr: number, max: number, insn: number): string | undefined {
  memory.check(addr, max, false, insn);
  const end = memory.u8.indexOf(0, addr);
  if (end < 0 || end >= addr + max) return undefined;
  return Buffer.from(memory.u8.subarray(addr, end)).toString('latin1');
}

/** One argument: a 64-bit value, and a reader for `%s` (string at that address). */
export interface FormatArg {
  value: bigint;
  string: () => string;
}

const SPEC = /%([-+ #0]*)(\d+)?(?:\.(\d+))?(hh|h|ll|l|z)?([diuxXcsp%])/g;

/**
 * printf as the kernel's bstr_printf does it for BPF formats (bpf_bprintf_prepare):
 * %d %i %u %x %X %c %s %p with flags, width, precision and the h/l/ll/z modifiers.
 * Anything else in a conversion is refused, as the verifier refuses it.
 */
export function formatPrintf(fmt: string, args: readonly FormatArg[]): string {
  let used = 0;
  const out = fmt.replace(SPEC, (_m, flags: string, width?: string, precision?: string, mod?: string, conv?: string) => {
    if (conv === '%') return '%';
    const a = args[used++];
    if (!a) throw new Error(`format needs more than ${args.length} arguments`);
    let body: string;
    const bits = mod === 'll' || mod === 'l' || mod === 'z' ? 64 : mod === 'h' ? 16 : mod === 'hh' ? 8 : 32;
    switch (conv) {
      case 'd':
      case 'i':
        body = BigInt.asIntN(bits, a.value).toString();
        break;
      case 'u':
        body = BigInt.asUintN(bits, a.value).toString();
        break;
      case 'x':
      case 'X':
        body = BigInt.asUintN(bits, a.value).toString(16);
        if (flags.includes('#') && a.value !== 0n) body = `0x${body}`;
        if (conv === 'X') body = body.toUpperCase();
        break;
      case 'c':
        body = String.fromCharCode(Number(a.value & 0xffn));
        break;
      case 'p':
        body = `0x${BigInt.asUintN(64, a.value).toString(16)}`;
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
  });
  return out;
}

/** Number of conversions consuming an argument. */
export function countConversions(fmt: string): number {
  let n = 0;
  for (const m of fmt.matchAll(SPEC)) if (m[5] !== '%') n++;
  return n;
}

/** A fault for helpers refusing a format: -EINVAL in the kernel, a clear reason here. */
export function badFormat(insn: number, why: string): RuntimeError {
  return new RuntimeError(insn, `bad format string: ${why}`);
}
