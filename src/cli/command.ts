import { parseArgs, type ParseArgsConfig } from 'node:util';
import { XdpsimError } from '../errors/index.js';

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => Promise<Buffer>;
  /** Resolves once standard output has taken what it was given, so a long output waits for a slow reader instead of piling up. */
  drain: () => Promise<void>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: Io): Promise<number>;
}

/** A usage error: printed with the command's usage, exit status 2. */
export class UsageError extends XdpsimError {
  override readonly code = 'USAGE';
}

/** parseArgs with strict checking, turning its errors into UsageError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    // parseArgs refuses arguments with ERR_PARSE_ARGS_* codes; anything else is a bad option table, ours.
    if (!String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) throw e;
    throw new UsageError((e as Error).message);
  }
}

/** Reads FILE, or standard input for `-`. */
export async function readInput(path: string, io: Io): Promise<Buffer> {
  if (path === '-') return io.stdin();
  const { readFile } = await import('node:fs/promises');
  return readFile(path);
}

/** Parses hex bytes in any common spacing: `b7 00 ...`, `b700...`, `0xb7, 0x00`. */
export function parseHexBytes(text: string): Uint8Array {
  const cleaned = text.replace(/0x/gi, '').replace(/[\s,]+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(cleaned) || cleaned.length % 2 !== 0) {
    throw new UsageError('input is not a sequence of hex bytes');
  }
  return Uint8Array.from(cleaned.match(/../g) ?? [], (b) => parseInt(b, 16));
}
