import { SHF_EXECINSTR, SHT_PROGBITS, STB_LOCAL, STT_FUNC } from './constants.js';
import { ElfError } from './errors.js';
import { BPF_INSN_SZ } from './insn.js';
import type { ElfFile } from './reader.js';

/** A relocation recorded against one instruction of a function, before subprograms are appended (libbpf's reloc_desc). */
export type FuncRelo =
  | { kind: 'call' | 'subprog_addr'; symOff: number }
  | { kind: 'map'; mapIndex: number }
  | { kind: 'map_value'; mapIndex: number; offset: number }
  | { kind: 'extern_var' | 'extern_func'; name: string };

/** One function of an executable section: an entry program, or a `.text` subprogram. */
export interface BpfFunc {
  name: string;
  sectionIndex: number;
  sectionName: string;
  /** Offset of the first instruction within the section, in instructions. */
  insnOff: number;
  /** A private copy, so relocation marks never touch the caller's buffer. */
  insns: Uint8Array;
  /** `.text` functions are subprograms, appended to the programs that call them. */
  isSubprog: boolean;
  /** Keyed by instruction index relative to the function. */
  relos: Map<number, FuncRelo>;
}

/**
 * Every STT_FUNC symbol in an executable PROGBITS section, as libbpf's
 * bpf_object__add_programs, sorted by section and offset.
 */
export function collectFunctions(elf: ElfFile): BpfFunc[] {
  const funcs: BpfFunc[] = [];
  for (const sym of elf.symbols) {
    const sec = elf.sections[sym.shndx];
    if (sym.type !== STT_FUNC || sec === undefined) continue;
    if (sec.type !== SHT_PROGBITS || (sec.flags & SHF_EXECINSTR) === 0 || sec.size === 0) continue;
    const isText = sec.name === '.text';
    if (sym.value % BPF_INSN_SZ !== 0 || sym.size % BPF_INSN_SZ !== 0 || sym.size === 0) {
      throw new ElfError(`sec '${sec.name}': function '${sym.name}' at offset ${sym.value} with size ${sym.size} is not a whole number of instructions`);
    }
    if (sym.value + sym.size > sec.size) {
      throw new ElfError(`sec '${sec.name}': program '${sym.name}' at offset ${sym.value} crosses section boundary`);
    }
    if (!isText && sym.bind === STB_LOCAL) {
      throw new ElfError(`sec '${sec.name}': program '${sym.name}' is static and not supported`);
    }
    funcs.push({
      name: sym.name,
      sectionIndex: sec.index,
      sectionName: sec.name,
      insnOff: sym.value / BPF_INSN_SZ,
      insns: sec.data.slice(sym.value, sym.value + sym.size),
      isSubprog: isText,
      relos: new Map(),
    });
  }
  funcs.sort((a, b) => a.sectionIndex - b.sectionIndex || a.insnOff - b.insnOff);
  for (let i = 1; i < funcs.length; i++) {
    const prev = funcs[i - 1]!;
    const cur = funcs[i]!;
    if (cur.sectionIndex === prev.sectionIndex && cur.insnOff < prev.insnOff + prev.insns.length / BPF_INSN_SZ) {
      throw new ElfError(`sec '${cur.sectionName}': functions '${prev.name}' and '${cur.name}' overlap`);
    }
  }
  return funcs;
}

/** The function of section `sectionIndex` that contains instruction `insnIdx`, as libbpf's find_prog_by_sec_insn. */
export function findFunc(funcs: readonly BpfFunc[], sectionIndex: number, insnIdx: number): BpfFunc | undefined {
  let lo = 0;
  let hi = funcs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = funcs[mid]!;
    if (f.sectionIndex < sectionIndex || (f.sectionIndex === sectionIndex && f.insnOff + f.insns.length / BPF_INSN_SZ <= insnIdx)) {
      lo = mid + 1;
    } else if (f.sectionIndex > sectionIndex || f.insnOff > insnIdx) {
      hi = mid - 1;
    } else {
      return f;
    }
  }
  return undefined;
}
