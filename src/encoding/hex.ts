/**
 * Hex text to bytes, the one parser of it: setup files, pinned-map files,
 * command-line operands and the conformance plugin's input all come here.
 * Callers wrap a HexError in the error of their own layer, naming the file,
 * line or operand.
 *
 * Imports only errors, so every folder under src/ may import it.
 */
import { XdpsimError } from '../errors/index.js';

/** Text that is not the hex bytes it should be; callers say where it came from. */
export class HexError extends XdpsimError {
  override readonly code = 'LOAD';

  constructor(message: string) {
    super(message);
    this.name = 'HexError';
  }
}

/** Value of each ASCII hex digit, -1 for any other byte. */
const DIGIT = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  DIGIT['0123456789abcdef'.charCodeAt(i)] = i;
  DIGIT['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/**
 * ASCII hex digits, read as bytes (a pinned map's lines), to the bytes they
 * spell. The digits come from input files and may be megabytes long, so this
 * is one loop, no regular expression (a repeated group recurses once per
 * pair), and an error says where the digits go wrong without quoting them.
 */
export function parseHexDigits(digits: Uint8Array): Uint8Array {
  const out = new Uint8Array(digits.length >> 1);
  for (let i = 0; i < digits.length; i++) {
    const d = DIGIT[digits[i]!]!;
    if (d < 0) throw new HexError(`not hex: character ${i + 1} of ${digits.length} is not a hex digit`);
    if (i & 1) out[i >> 1] |= d;
    else out[i >> 1] = d << 4;
  }
  if (digits.length & 1) throw new HexError(`not hex bytes: ${digits.length} hex digits is an odd number`);
  return out;
}

/** Hex digits without separators (an optional 0x prefix) to bytes; anything else is an error. */
export function parseHexStrict(text: string): Uint8Array {
  const t = /^0x/i.test(text) ? text.slice(2) : text;
  // Only ASCII turns into the same bytes as latin1; anything past it is no digit.
  const wide = t.search(/[^\x00-\x7f]/);
  if (wide >= 0) throw new HexError(`not hex: character ${wide + 1} of ${t.length} is not a hex digit`);
  return parseHexDigits(Buffer.from(t, 'latin1'));
}

/**
 * Hex bytes in any common spacing: `b7 00 ...`, `b700...`, `0xb7, 0x00`
 * (what a person pastes, and the conformance runner's format).
 */
export function parseHexSpaced(text: string): Uint8Array {
  return parseHexStrict(text.replace(/0x/gi, '').replace(/[\s,]+/g, ''));
}
