import { sourceLine } from '../elf/index.js';
import type { BpfProgram } from '../elf/types.js';

/** ` (file.c:LINE: text)` for an instruction with line info, else ''. */
export function whereInSource(prog: BpfProgram, insn: number): string {
  const line = sourceLine(prog, insn);
  if (!line) return '';
  return ` (${line.file.replace(/^\.\//, '')}:${line.line}: ${line.text.trim()})`;
}
