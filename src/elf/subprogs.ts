import type { BtfExt, BtfExtCoreRelo, BtfExtFuncInfo, BtfExtLineInfo, BtfExtSections } from '../btf/index.js';
import { ElfError } from './errors.js';
import { findFunc, type BpfFunc } from './functions.js';
import { BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE } from '../isa/opcodes.js';
import { BPF_INSN_SZ, InsnView } from './insn.js';
import type { BpfProgram, CoreRelo, FuncInfo, InsnRelocation, LineInfo } from './types.js';

type ProgramCode = Pick<BpfProgram, 'insns' | 'relocations' | 'subprograms' | 'funcInfo' | 'lineInfo' | 'coreRelos'>;

const count = (f: BpfFunc): number => f.insns.length / BPF_INSN_SZ;

/** The kernel refuses programs longer than BPF_COMPLEXITY_LIMIT_INSNS with E2BIG (bpf_prog_load, for CAP_BPF). */
const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;

/** bpf_prog_load's insn_cnt check, on the program as libbpf would hand it over. */
function checkLength(main: BpfFunc, total: number): void {
  if (total > BPF_COMPLEXITY_LIMIT_INSNS) {
    throw new ElfError(
      `prog '${main.name}': BPF program load failed: E2BIG: ${total} instructions, more than BPF_COMPLEXITY_LIMIT_INSNS (${BPF_COMPLEXITY_LIMIT_INSNS})`,
    );
  }
}
/**
 * Every program gets its own copy of the subprograms it uses, so a crafted
 * file with many programs sharing a long call chain could make their
 * code grow with the square of the file size; cap the whole object.
 */
const OBJECT_CODE_LIMIT_INSNS = 8 * BPF_COMPLEXITY_LIMIT_INSNS;

/** .BTF.ext records per section, sorted by instruction, so each function finds its records by binary search. */
interface SortedExt {
  funcInfo: BtfExtSections<BtfExtFuncInfo>;
  lineInfo: BtfExtSections<BtfExtLineInfo>;
  coreRelos: BtfExtSections<BtfExtCoreRelo>;
}

/** Appends to every entry program of the object the subprograms it uses (see relocateCode), within the object-wide size limit. */
export function appendSubprogs(funcs: readonly BpfFunc[], textIndex: number | undefined, ext: BtfExt | undefined): Map<BpfFunc, ProgramCode> {
  const sorted: SortedExt = {
    funcInfo: sortRecords(ext?.funcInfo),
    lineInfo: sortRecords(ext?.lineInfo),
    coreRelos: sortRecords(ext?.coreRelos),
  };
  const out = new Map<BpfFunc, ProgramCode>();
  let total = 0;
  for (const f of funcs) {
    if (f.isSubprog) continue;
    const code = relocateCode(f, funcs, textIndex, sorted);
    total += code.insns.length / BPF_INSN_SZ;
    if (total > OBJECT_CODE_LIMIT_INSNS) {
      throw new ElfError(`appending subprograms to the object's programs yields more than ${OBJECT_CODE_LIMIT_INSNS} instructions`);
    }
    out.set(f, code);
  }
  return out;
}

function sortRecords<R extends { insnOff: number }>(sections: BtfExtSections<R> | undefined): BtfExtSections<R> {
  const out: BtfExtSections<R> = new Map();
  for (const [name, records] of sections ?? []) out.set(name, [...records].sort((a, b) => a.insnOff - b.insnOff));
  return out;
}

/**
 * Builds one program's final instruction stream the way libbpf's
 * bpf_object__reloc_code does: each `.text` subprogram is appended the first
 * time it is reached (depth-first, at the referring instruction), and every
 * BPF-to-BPF call or BPF_PSEUDO_FUNC load gets an immediate relative to the
 * new layout. An explicit stack replaces libbpf's recursion so a long call
 * chain in a crafted file cannot exhaust the JavaScript stack.
 */
function relocateCode(main: BpfFunc, funcs: readonly BpfFunc[], textIndex: number | undefined, ext: SortedExt): ProgramCode {
  const base = new Map<BpfFunc, number>([[main, 0]]);
  const order: BpfFunc[] = [main];
  let total = count(main);
  checkLength(main, total);
  const immPatches: Array<[at: number, imm: number]> = [];
  const stack: Array<{ func: BpfFunc; next: number }> = [{ func: main, next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const { func } = frame;
    if (frame.next >= count(func)) {
      stack.pop();
      continue;
    }
    const i = frame.next++;
    const insns = new InsnView(func.insns);
    if (!insns.isSubprogCall(i) && !insns.isPseudoFunc(i)) continue;
    const relo = func.relos.get(i);
    if (relo?.kind === 'extern_func') continue;
    let subIdx: number;
    if (relo === undefined) {
      if (insns.isPseudoFunc(i)) throw new ElfError(`prog '${main.name}': missing subprog addr relo for insn #${i}`);
      // A call to a static function of the same section carries no relocation.
      subIdx = func.insnOff + i + insns.imm(i) + 1;
    } else if (relo.kind === 'call') {
      subIdx = relo.symOff / BPF_INSN_SZ + insns.imm(i) + 1;
    } else if (relo.kind === 'subprog_addr') {
      subIdx = (relo.symOff + insns.imm(i)) / BPF_INSN_SZ;
    } else {
      throw new ElfError(`prog '${func.name}': unexpected relo for insn #${i}, type ${relo.kind}`);
    }
    const sub = textIndex === undefined ? undefined : findFunc(funcs, textIndex, subIdx);
    if (sub === undefined) throw new ElfError(`prog '${func.name}': no .text section found yet sub-program call exists`);
    if (!base.has(sub)) {
      base.set(sub, total);
      order.push(sub);
      total += count(sub);
      checkLength(main, total);
      stack.push({ func: sub, next: 0 });
    }
    const at = base.get(func)! + i;
    immPatches.push([at, base.get(sub)! - at - 1]);
  }

  const out = new Uint8Array(total * BPF_INSN_SZ);
  for (const f of order) out.set(f.insns, base.get(f)! * BPF_INSN_SZ);
  const view = new InsnView(out);
  for (const [at, imm] of immPatches) view.setImm(at, imm);
  return {
    insns: out,
    relocations: applyDataRelos(view, order, base),
    subprograms: order.slice(1).map((f) => ({ name: f.name, insnIndex: base.get(f)! })),
    funcInfo: remap(ext.funcInfo, order, base, (r, insnIndex): FuncInfo => ({ insnIndex, typeId: r.typeId })),
    lineInfo: remap(ext.lineInfo, order, base, (r, insnIndex): LineInfo => ({
      insnIndex, file: r.fileName, line: r.line, column: r.column, text: r.text,
    })),
    coreRelos: remap(ext.coreRelos, order, base, (r, insnIndex): CoreRelo => ({
      insnIndex, typeId: r.typeId, accessStr: r.accessStr, kind: r.kind,
    })),
  };
}

/** Patches map references into fd_array form (map index in place of an fd) and lists them. */
function applyDataRelos(view: InsnView, order: BpfFunc[], base: Map<BpfFunc, number>): InsnRelocation[] {
  const relocations: InsnRelocation[] = [];
  for (const f of order) {
    const sorted = [...f.relos].sort((a, b) => a[0] - b[0]);
    for (const [idx, relo] of sorted) {
      const at = base.get(f)! + idx;
      switch (relo.kind) {
        case 'map':
          view.setSrc(at, BPF_PSEUDO_MAP_IDX);
          view.setImm(at, relo.mapIndex);
          relocations.push({ kind: 'map', insnIndex: at, mapIndex: relo.mapIndex });
          break;
        case 'map_value':
          if (relo.offset < -0x8000_0000 || relo.offset > 0x7fff_ffff) {
            throw new ElfError(`prog '${f.name}': data relo at insn #${idx} has offset ${relo.offset} beyond 32 bits`);
          }
          view.setSrc(at, BPF_PSEUDO_MAP_IDX_VALUE);
          view.setImm(at, relo.mapIndex);
          view.setImm(at + 1, relo.offset);
          relocations.push({ kind: 'map_value', insnIndex: at, mapIndex: relo.mapIndex, offset: relo.offset });
          break;
        case 'extern_var':
        case 'extern_func':
          relocations.push({ kind: relo.kind, insnIndex: at, name: relo.name });
          break;
        case 'call':
        case 'subprog_addr':
          // Already resolved by relocateCode.
          break;
      }
    }
  }
  return relocations;
}

/**
 * Moves .BTF.ext records from "byte offset in the ELF section" to "instruction
 * index in the program", keeping each function's records with it
 * (libbpf's adjust_prog_btf_ext_info).
 */
function remap<R extends { insnOff: number }, T>(
  sections: BtfExtSections<R>, order: BpfFunc[], base: Map<BpfFunc, number>, make: (r: R, insnIndex: number) => T,
): T[] {
  const out: T[] = [];
  for (const f of order) {
    const records = sections.get(f.sectionName) ?? [];
    const start = f.insnOff * BPF_INSN_SZ;
    const end = (f.insnOff + count(f)) * BPF_INSN_SZ;
    let lo = 0;
    let hi = records.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (records[mid]!.insnOff < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < records.length && records[i]!.insnOff < end; i++) {
      const r = records[i]!;
      out.push(make(r, Math.floor(r.insnOff / BPF_INSN_SZ) - f.insnOff + base.get(f)!));
    }
  }
  return out;
}
