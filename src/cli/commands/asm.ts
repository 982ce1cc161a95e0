import { writeFile } from 'node:fs/promises';
import { assemble } from '../../isa/asm.js';
import { parseCommandArgs, readInput, UsageError, type Command } from '../command.js';

export const asmCommand: Command = {
  name: 'asm',
  summary: 'assemble eBPF assembly (conformance or LLVM dialect) into bytecode',
  usage: `usage: xdpsim asm FILE|- [-o OUT] [--hex]

Assembles FILE (or standard input for -). Both dialects are accepted, line by line:
the uBPF/bpf_conformance one (mov %r0, 1) and LLVM's, as llvm-objdump -d prints it
(r0 = 0x1), so a listing pasted from objdump assembles back.

  -o, --output OUT   write raw bytecode to OUT
      --hex          print the bytecode as hex, one instruction slot per line`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      output: { type: 'string', short: 'o' },
      hex: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('expected one input FILE or -');
    if (!values.output && !values.hex) throw new UsageError('give -o OUT, --hex, or both');
    const source = (await readInput(positionals[0]!, io)).toString('utf8');
    const bytes = assemble(source).toBytes();
    if (typeof values.output === 'string') await writeFile(values.output, bytes);
    if (values.hex) {
      const lines: string[] = [];
      for (let i = 0; i < bytes.length; i += 8) {
        lines.push(Array.from(bytes.subarray(i, i + 8), (b) => b.toString(16).padStart(2, '0')).join(' '));
      }
      io.stdout(lines.join('\n') + '\n');
    }
    return 0;
  },
};
