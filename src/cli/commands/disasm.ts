import { parseObject } from '../../elf/index.js';
import type { BpfProgram } from '../../elf/types.js';
import { decode } from '../../isa/decode.js';
import { disassemble, formatListing } from '../../isa/disasm.js';
import { parseCommandArgs, readInput, UsageError, type Command } from '../command.js';

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

export const disasmCommand: Command = {
  name: 'disasm',
  summary: 'disassemble raw eBPF bytecode or the programs of an object',
  usage: `usage: xdpsim disasm FILE|- [--syntax llvm|conformance] [--source]

FILE is raw bytecode (8-byte little-endian instruction slots) or a BPF ELF
object. Prints as llvm-objdump -d does for BPF: slot number, raw bytes,
instruction. For an object, each program is printed whole (its .text
subprograms appended, as libbpf loads it) with function labels.

  --syntax conformance  print the uBPF/bpf_conformance dialect, one instruction
                        per line, which xdpsim asm reads back to the same bytes
  --source              with an object: C source lines from BTF line info, as
                        llvm-objdump -S shows them`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { syntax: { type: 'string' }, source: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('expected one input FILE or -');
    const syntax = values.syntax ?? 'llvm';
    if (syntax !== 'llvm' && syntax !== 'conformance') throw new UsageError(`unknown syntax ${String(syntax)}`);
    const input = new Uint8Array(await readInput(positionals[0]!, io));
    const isElf = ELF_MAGIC.every((b, i) => input[i] === b);
    if (!isElf) {
      const prog = decode(input);
      io.stdout((syntax === 'llvm' ? formatListing(prog) : disassemble(prog, 'conformance').join('\n')) + '\n');
      return 0;
    }
    const path = positionals[0]!;
    const object = parseObject(input, path === '-' ? {} : { fileName: path });
    const parts = object.programs.map((p) => {
      // Instructions the kernel refuses only where its walk reaches them are shown as they are.
      const insns = decode(p.insns, { deferWalkChecks: true });
      const heading = `Disassembly of program ${p.name} (section ${p.sectionName}):`;
      if (syntax === 'conformance') return `${heading}\n${disassemble(insns, 'conformance').join('\n')}`;
      return `${heading}\n\n${formatListing(insns, functionNames(p), values.source === true ? sourceLines(p) : new Map())}`;
    });
    io.stdout(parts.join('\n\n') + '\n');
    return 0;
  },
};

function functionNames(p: BpfProgram): Map<number, string> {
  return new Map([[0, p.name], ...p.subprograms.map((s): [number, string] => [s.insnIndex, s.name])]);
}

/** The source line where it changes, keyed by slot. */
function sourceLines(p: BpfProgram): Map<number, string> {
  const lines = new Map<number, string>();
  let last = '';
  for (const info of p.lineInfo) {
    const text = info.text.trim();
    if (text === '' || text === last) continue;
    lines.set(info.insnIndex, text);
    last = text;
  }
  return lines;
}
