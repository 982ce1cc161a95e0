import { constants as bufferConstants } from 'node:buffer';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { UsageError } from './command.js';

/** The largest --sockets file: some 700,000 sockets, whose parse takes many times the text's size. */
export const MAX_SOCKETS_FILE = 64 * 1024 * 1024;
/** The largest --setup file: one string of text, as long as the runtime's strings may be (a large map's updates are long). */
export const MAX_SETUP_FILE = bufferConstants.MAX_STRING_LENGTH;

/**
 * The text of the file at `path`, refused as `what` with an `Err` naming it
 * and its size when it is over `limit` bytes: read whole, a file past the
 * runtime's longest string fails inside the read, as no input error.
 */
export async function readTextFile(path: string, limit: number, what: string, Err: new (message: string) => Error): Promise<string> {
  // Non-blocking, so that a FIFO or a device is refused below instead of waiting forever for a writer.
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new Err(`${path}: ${what} must be a regular file`);
    const { size } = stat;
    if (size > limit) throw new Err(`${path}: ${size} bytes is too big for ${what} (at most ${limit})`);
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}

export function integerOption(text: string | boolean | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || n > 0xffffffff) throw new UsageError(`--${name} takes an unsigned 32-bit integer`);
  return n;
}

export function parseGlobals(sets: string[] | undefined): Record<string, bigint> {
  // No prototype: `--set __proto__=1` names a variable like any other.
  const globals = Object.create(null) as Record<string, bigint>;
  for (const s of sets ?? []) {
    const m = /^([A-Za-z_]\w*)=(-?(?:0x[0-9a-fA-F]+|\d+))$/.exec(s);
    if (!m) throw new UsageError(`--set takes VAR=INTEGER, got ${JSON.stringify(s)}`);
    globals[m[1]!] = m[2]!.startsWith('-') ? -BigInt(m[2]!.slice(1)) : BigInt(m[2]!);
  }
  return globals;
}

