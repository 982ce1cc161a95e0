import { loadBytecode } from '../../vm/bytecode.js';
import { parseCommandArgs, parseHexBytes, UsageError, type Command } from '../command.js';

export const pluginCommand: Command = {
  name: 'plugin',
  summary: 'run one program for the bpf_conformance runner',
  usage: `usage: xdpsim plugin [MEMORY_HEX] [--engine interp|jit]

Speaks the bpf_conformance plugin protocol: the program's bytecode as hex on
standard input, the input memory as hex in the first argument (R1 = its address,
R2 = its length). Prints R0 as hex and exits 0, or prints the error on standard
error and exits 1. Helper 5 is bpf_ktime_get_ns. The runner passes its
--plugin_options as one argument; it is split on spaces here.`,
  async run(args, io) {
    // The runner passes "" for no memory and its options as a single argument.
    const split = args.flatMap((a) => (a.startsWith('--') ? a.split(/\s+/).filter((s) => s !== '') : [a]));
    const { values, positionals } = parseCommandArgs(split, { engine: { type: 'string' } });
    const engine = values.engine ?? 'interp';
    if (engine === 'jit') {
      io.stderr('JIT not available: the eBPF-to-JavaScript compiler has not landed yet\n');
      return 1;
    }
    if (engine !== 'interp') throw new UsageError(`unknown engine ${String(engine)}`);
    const memory = parseHexBytes(positionals.filter((p) => p.trim() !== '').join(' '));
    const program = parseHexBytes((await io.stdin()).toString('utf8'));
    if (program.length === 0) throw new UsageError('no program on standard input');
    const r0 = loadBytecode(program).run({ memory });
    io.stdout(`${r0.toString(16)}\n`);
    return 0;
  },
};
