// Operand parsing shared by both assembler dialects: registers, immediates,
// offsets and jump targets, each with a range check and a message that names
// what was wrong.
import { XdpsimError } from '../errors/index.js';

/** An assembly error; `line` is 1-based in the source text. */
export class AsmError extends XdpsimError {
  override readonly code = 'ASM';

  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'AsmError';
  }
}

/** Thrown by operand parsers; the assembler adds the line number. */
export class OperandError extends XdpsimError {
  override readonly code = 'ASM';
}

/** A jump or call target: a relative slot offset, or a label resolved later. */
export type Target = { rel: number } | { label: string };

const NUMBER = /^([+-]?)(0x[0-9a-f]+|\d+)$/i;

/** Parses a decimal or 0x-hex integer with optional sign, exactly (BigInt, no float rounding). */
export function parseInteger(text: string): bigint {
  const m = NUMBER.exec(text.trim());
  if (!m) throw new OperandError(`invalid number ${JSON.stringify(text)}`);
  const magnitude = BigInt(m[2]!);
  return m[1] === '-' ? -magnitude : magnitude;
}

function isHex(text: string): boolean {
  return /^[+-]?0x/i.test(text.trim());
}

/**
 * A 32-bit immediate as an int32. Decimal must be a signed 32-bit value;
 * hexadecimal may also spell the unsigned range (0x80000000 .. 0xffffffff),
 * which is how both llvm-objdump and the conformance suite write bit patterns.
 */
export function parseImm32(text: string): number {
  const v = parseInteger(text);
  const max = isHex(text) ? 0xffffffffn : 0x7fffffffn;
  if (v < -0x80000000n || v > max) throw new OperandError(`immediate ${text.trim()} is out of 32-bit range`);
  return Number(BigInt.asIntN(32, v));
}

/** A 64-bit immediate (lddw) as [low int32, high int32]. */
export function parseImm64(text: string): [number, number] {
  const v = parseInteger(text);
  if (v < -(1n << 63n) || v > (1n << 64n) - 1n) throw new OperandError(`immediate ${text.trim()} is out of 64-bit range`);
  return [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];
}

/** A 16-bit signed offset; hexadecimal may spell the unsigned range as a bit pattern. */
export function parseOffset(text: string): number {
  const v = parseInteger(text);
  const max = isHex(text) && !text.trim().startsWith('+') ? 0xffffn : 0x7fffn;
  if (v < -0x8000n || v > max) throw new OperandError(`offset ${text.trim()} is out of 16-bit range`);
  return Number(BigInt.asIntN(16, v));
}

/** `%r0`..`%r10` (conformance) or `r0`..`r10` / `w0`..`w10` (LLVM). */
export function parseRegister(text: string, prefix: '%r' | 'r' | 'w'): number {
  const t = text.trim();
  const m = /^(%r|r|w)(\d+)$/.exec(t);
  if (!m || m[1] !== prefix) throw new OperandError(`invalid register ${JSON.stringify(t)}`);
  const n = Number(m[2]);
  if (n > 10) throw new OperandError(`invalid register ${t}`);
  return n;
}

export function isRegister(text: string, prefix: '%r' | 'r' | 'w'): boolean {
  return new RegExp(`^${prefix === '%r' ? '%r' : prefix}\\d+$`).test(text.trim());
}

const LABEL = /^[A-Za-z_.$][\w.$]*$/;

/** `+N`, `-N` (slot-relative) or a label name. */
export function parseTarget(text: string): Target {
  const t = text.trim();
  if (/^[+-]/.test(t)) return { rel: Number(parseInteger(t)) };
  if (LABEL.test(t)) return { label: t };
  throw new OperandError(`invalid jump target ${JSON.stringify(t)}`);
}

export function isLabelName(text: string): boolean {
  return LABEL.test(text);
}
