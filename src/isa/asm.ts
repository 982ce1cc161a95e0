import { parseConformanceLine, type ParsedInsn } from './asm-conformance.js';
import { parseLlvmLine } from './asm-llvm.js';
import { AsmError, OperandError, isLabelName } from './asm-operands.js';
import { decode } from './decode.js';
import { InvalidInstructionError } from './errors.js';
import { InsnArray } from './instruction.js';
import { BPF_EXIT_OPCODE, BPF_LDDW } from './opcodes.js';

export { AsmError };

/**
 * Assembles eBPF source in either dialect, chosen per line: the uBPF /
 * bpf_conformance one (`mov %r0, 1`) or LLVM's (`r0 = 0x1`), so both the
 * conformance vectors and `llvm-objdump -d` listings assemble. `#` and `;`
 * start comments; `name:` defines a label at the next instruction; a listing's
 * leading `12:` slot number and raw bytes are skipped. The result is decoded
 * once more, so an encoding the ISA refuses cannot leave the assembler.
 */
export function assemble(source: string): InsnArray {
  const parsed: Array<ParsedInsn & { line: number; slot: number }> = [];
  const labels = new Map<string, number>();
  let slot = 0;
  let firstExit: number | undefined;

  source.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    let text = stripListing(raw.replace(/[#;].*$/, '').replace(/\/\/.*$/, '')).trim();
    const label = /^([^\s:]+):(.*)$/.exec(text) ?? /^[0-9a-f]{16} <([^>]+)>:()$/.exec(text);
    if (label && !/^\d+$/.test(label[1]!)) {
      const name = label[1]!;
      if (!isLabelName(name)) throw new AsmError(line, `invalid label ${JSON.stringify(name)}`);
      if (labels.has(name)) throw new AsmError(line, `duplicate label ${name}`);
      labels.set(name, slot);
      text = label[2]!.trim();
    }
    if (text === '') return;
    let result: ParsedInsn | undefined;
    try {
      result = parseConformanceLine(text) ?? parseLlvmLine(text);
    } catch (e) {
      if (e instanceof OperandError) throw new AsmError(line, e.message);
      throw e;
    }
    if (!result) throw new AsmError(line, `invalid instruction ${JSON.stringify(text)}`);
    if (result.insn.code === BPF_EXIT_OPCODE && firstExit === undefined) firstExit = slot;
    parsed.push({ ...result, line, slot });
    slot += result.insn.code === BPF_LDDW ? 2 : 1;
  });

  if (parsed.length === 0) throw new AsmError(1, 'no instructions');
  // The conformance dialect lets `exit` name the first exit instruction.
  if (firstExit !== undefined && !labels.has('exit')) labels.set('exit', firstExit);

  for (const p of parsed) {
    if (!p.target) continue;
    let rel: number;
    if ('rel' in p.target) {
      rel = p.target.rel;
    } else {
      const at = labels.get(p.target.label);
      if (at === undefined) throw new AsmError(p.line, `invalid label ${p.target.label}`);
      rel = at - p.slot - 1;
    }
    if (p.targetField === 'off') {
      if (rel < -0x8000 || rel > 0x7fff) throw new AsmError(p.line, `jump offset ${rel} is out of 16-bit range`);
      p.insn.off = rel;
    } else {
      p.insn.imm = rel | 0;
    }
  }

  const insns = InsnArray.from(parsed.map((p) => p.insn));
  try {
    return decode(insns.toBytes());
  } catch (e) {
    if (e instanceof InvalidInstructionError) {
      const at = parsed.find((p) => p.slot === e.index) ?? parsed[parsed.length - 1]!;
      throw new AsmError(at.line, e.reason);
    }
    throw e;
  }
}

/**
 * Reduces a line of an llvm-objdump or `xdpsim disasm` listing to its
 * instruction: drops the `  12:\tb7 00 ... 00\t` prefix, the target symbol
 * after jumps, and the lines that carry no instruction (file and section
 * headings, relocations).
 */
function stripListing(text: string): string {
  if (/^\s*(Disassembly of section |\S+:\s+file format |[0-9a-f]+:\s+R_BPF_)/.test(text)) return '';
  const m = /^\s*\d+:\s+((?:[0-9a-f]{2} ){7}[0-9a-f]{2}(?: (?:[0-9a-f]{2} ){7}[0-9a-f]{2})?)\s+(.*)$/.exec(text);
  const body = m ? m[2]! : text;
  // llvm-objdump appends the target symbol to jumps: `goto +0x25 <LBB0_5>`.
  return body.replace(/\s+<[^>]*>\s*$/, '');
}
