import { decode } from '../../isa/decode.js';
import { disassemble, formatListing } from '../../isa/disasm.js';
import { parseCommandArgs, readInput, UsageError, type Command } from '../command.js';

export const disasmCommand: Command = {
  name: 'disasm',
  summary: 'disassemble raw eBPF bytecode',
  usage: `usage: xdpsim disasm FILE|- [--syntax llvm|conformance]

Prints raw bytecode (8-byte little-endian instruction slots) as llvm-objdump -d
does for BPF: slot number, raw bytes, instruction. --syntax conformance prints
the uBPF/bpf_conformance dialect instead, one instruction per line, which
xdpsim asm reads back to the same bytes.`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { syntax: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('expected one input FILE or -');
    const syntax = values.syntax ?? 'llvm';
    if (syntax !== 'llvm' && syntax !== 'conformance') throw new UsageError(`unknown syntax ${String(syntax)}`);
    const prog = decode(new Uint8Array(await readInput(positionals[0]!, io)));
    io.stdout((syntax === 'llvm' ? formatListing(prog) : disassemble(prog, 'conformance').join('\n')) + '\n');
    return 0;
  },
};
