import { ENGINES, type EngineName } from '../engine/index.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { XdpsimError } from '../errors/index.js';

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => Promise<Buffer>;
  /** Resolves once standard output has taken what it was given, so a long output waits for a slow reader instead of piling up. */
  drain: () => Promise<void>;
  /** Standard error is a terminal a person watches (progress bars go there); false or absent otherwise. */
  stderrIsTTY?: boolean;
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

/** The engine named by --engine: one of ENGINES (the interpreter until the JIT lands). */
export function engineOption(value: string | boolean | undefined): EngineName {
  const engine = value ?? 'interp';
  const known = ENGINES.find((e) => e === engine);
  if (known === undefined) throw new UsageError(`unknown engine ${String(engine)} (engines: ${ENGINES.join(', ')})`);
  return known;
}
