import { readFileSync } from 'node:fs';
import { UsageError, type Command, type Io } from './command.js';

/** Commands load on demand, so `xdpsim --help` does not pay for the VM or loader. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  asm: { summary: 'assemble eBPF assembly into bytecode', load: async () => (await import('./commands/asm.js')).asmCommand },
  disasm: { summary: 'disassemble raw eBPF bytecode or an object', load: async () => (await import('./commands/disasm.js')).disasmCommand },
  run: { summary: 'run every packet of a capture through an XDP program', load: async () => (await import('./commands/run.js')).runCommand },
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

export const processIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  },
};

/** Runs the CLI; returns the exit status. Errors are printed, never thrown. */
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
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr(`xdpsim: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`xdpsim ${name}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
    io.stderr(`xdpsim ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
