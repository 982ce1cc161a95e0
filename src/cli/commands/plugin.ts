import { loadBytecode } from '../../engine/bytecode.js';
import { ENGINES } from '../../engine/index.js';
import { HexError, parseHexSpaced } from '../../encoding/hex.js';
import { engineOption, parseCommandArgs, UsageError, type Command } from '../command.js';

export const pluginCommand: Command = {
  name: 'plugin',
  summary: 'run one program for the bpf_conformance runner',
  usage: `usage: xdpsim plugin [MEMORY_HEX] [--engine ${ENGINES.join('|')}]

Speaks the bpf_conformance plugin protocol: the program's bytecode as hex on
standard input, the input memory as hex in the first argument (R1 = its address,
R2 = its length). Prints R0 as hex and exits 0, or prints the error on standard
error and exits 1. Helper 5 is bpf_ktime_get_ns. The runner passes its
--plugin_options as one argument; it is split on spaces here.`,
  async run(args, io) {
    // The runner passes "" for no memory and its options as a single argument.
    const split = args.flatMap((a) => (a.startsWith('--') ? a.split(/\s+/).filter((s) => s !== '') : [a]));
    const { values, positionals } = parseCommandArgs(split, { engine: { type: 'string' } });
    engineOption(values.engine);
    const memory = hexInput(positionals.filter((p) => p.trim() !== '').join(' '));
    const program = hexInput((await io.stdin()).toString('utf8'));
    if (program.length === 0) throw new UsageError('no program on standard input');
    const r0 = loadBytecode(program).run({ memory });
    io.stdout(`${r0.toString(16)}\n`);
    return 0;
  },
};

function hexInput(text: string): Uint8Array {
  try {
    return parseHexSpaced(text);
  } catch (e) {
    if (!(e instanceof HexError)) throw e;
    throw new UsageError('input is not a sequence of hex bytes');
  }
}
