import type { BpfProgram, LineInfo } from './types.js';

/** Index of the last element whose key is <= `target`, or -1; `items` must be sorted by key. */
function lastAtOrBefore<T>(items: readonly T[], key: (t: T) => number, target: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(items[mid]!) <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * The C source line an instruction came from: the last line_info record at
 * or before `insnIndex` within the same function (main program or appended
 * subprogram), so a subprogram never borrows its caller's lines. Undefined
 * when the object has no BTF.ext or the function has no record that early.
 * Appending subprograms keeps both lists sorted by instruction, so this is a
 * binary search.
 */
export function sourceLine(prog: BpfProgram, insnIndex: number): LineInfo | undefined {
  const sub = lastAtOrBefore(prog.subprograms, (s) => s.insnIndex, insnIndex);
  const funcStart = sub < 0 ? 0 : prog.subprograms[sub]!.insnIndex;
  const li = prog.lineInfo[lastAtOrBefore(prog.lineInfo, (l) => l.insnIndex, insnIndex)];
  return li !== undefined && li.insnIndex >= funcStart ? li : undefined;
}

/** ` (file.c:LINE: text)` for an instruction with line info, else '': what error messages append. */
export function whereInSource(prog: BpfProgram, insn: number): string {
  const line = sourceLine(prog, insn);
  if (!line) return '';
  return ` (${line.file.replace(/^\.\//, '')}:${line.line}: ${line.text.trim()})`;
}
