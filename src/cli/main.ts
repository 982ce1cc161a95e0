import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { XdpsimError } from '../errors/index.js';
import { UsageError, type Command, type Io } from './command.js';

/** Commands load on demand, so `xdpsim --help` does not pay for the VM or loader. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  asm: { summary: 'assemble eBPF assembly into bytecode', load: async () => (await import('./commands/asm.js')).asmCommand },
  disasm: { summary: 'disassemble raw eBPF bytecode or an object', load: async () => (await import('./commands/disasm.js')).disasmCommand },
  run: { summary: 'run every packet of a capture through an XDP program', load: async () => (await import('./commands/run.js')).runCommand },
  replay: {
    summary: 'replay captures through an XDP program on a virtual multi-queue NIC',
    load: async () => (await import('./commands/replay.js')).replayCommand,
  },
  verify: { summary: "check a program as the kernel's verifier does", load: async () => (await import('./commands/verify.js')).verifyCommand },
  map: { summary: 'show, dump, look up and change maps (bpftool map grammar)', load: async () => (await import('./commands/map.js')).mapCommand },
  plugin: {
    summary: 'run one program for the bpf_conformance runner',
    load: async () => (await import('./commands/plugin.js')).pluginCommand,
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: xdpsim COMMAND [ARGS...]

xdpsim simulates XDP: it loads eBPF programs, checks them like the kernel's
verifier, and runs them in an interpreter.

Commands:
${lines.join('\n')}

Run 'xdpsim COMMAND --help' for a command's options.
Options: --help, --version`;
}

/** Set once the reader of standard output has gone away (see standardOutputClosed). */
let stdoutClosed = false;

/**
 * The reader of standard output went away (`xdpsim run ... --jsonl - | head`):
 * the rest of the output is dropped, but the command still finishes its work,
 * so maps it was asked to pin are pinned as if the output had been read.
 */
export function standardOutputClosed(): void {
  stdoutClosed = true;
}

export const processIo: Io = {
  stdout: (t) => {
    if (!stdoutClosed) process.stdout.write(t);
  },
  stderr: (t) => process.stderr.write(t),
  stderrIsTTY: process.stderr.isTTY === true,
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
  drain: async () => {
    if (stdoutClosed || process.stdout.destroyed || !process.stdout.writableNeedDrain) return;
    // A pipe whose reader left never drains: its error or 'close' ends the wait too (the error itself is standardOutputClosed's).
    await Promise.race([once(process.stdout, 'drain'), once(process.stdout, 'close')]).catch(() => undefined);
  },
};

/** Exit status for a bug in xdpsim (EX_SOFTWARE of sysexits.h). */
export const EXIT_INTERNAL = 70;

/**
 * An error the operating system raised for the files we were given (ENOENT,
 * EACCES, EISDIR, ...): the user's to fix, like a refused input.
 */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * Runs the CLI; returns the exit status. Errors are printed, never thrown: a
 * refused input (XdpsimError, or the system refusing a file) as one line and
 * status 1, a usage error with the usage and status 2, and anything else as
 * the bug it is, with its stack and status 70.
 */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage() + '\n');
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`xdpsim ${version()}\n`);
    return 0;
  }
  // Own names only: `xdpsim __proto__` or `xdpsim constructor` is no command.
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.stderr(`xdpsim: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(command.usage + '\n');
      return 0;
    }
    try {
      return await command.run(rest, io);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      io.stderr(`xdpsim ${name}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
  } catch (e) {
    if (e instanceof XdpsimError || isSystemError(e)) {
      io.stderr(`xdpsim ${name}: ${e.message}\n`);
      return 1;
    }
    const report = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    io.stderr(`xdpsim ${name}: internal error: ${report}\n`);
    return EXIT_INTERNAL;
  }
}
