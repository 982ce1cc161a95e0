import {
  SHF_EXECINSTR, SHN_LORESERVE, SHN_UNDEF, SHT_REL, STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FUNC, STT_NOTYPE, STT_SECTION,
} from './constants.js';
import { ElfError } from './errors.js';
import { findFunc, type BpfFunc, type FuncRelo } from './functions.js';
import { BPF_PSEUDO_CALL } from '../isa/opcodes.js';
import { BPF_INSN_SZ, InsnView } from './insn.js';
import { readRels, type ElfFile, type ElfSymbol } from './reader.js';

/** Where maps live in the ELF file, so a relocation's symbol can be turned into a map index. */
export interface MapLocator {
  /** Sections holding map definitions ('maps' and '.maps'). */
  mapSections: ReadonlySet<number>;
  /** Index of the map defined at `offset` in map section `shndx`. */
  mapAt(shndx: number, offset: number): number | undefined;
  /** Index of the global-data map backing section `shndx`. */
  dataMap(shndx: number): number | undefined;
}

/**
 * Records every relocation of every executable section against the function
 * it falls in (libbpf's bpf_object__collect_prog_relos). Relocation sections
 * for data or debug sections are skipped, as libbpf skips them.
 */
export function collectProgRelos(elf: ElfFile, funcs: readonly BpfFunc[], maps: MapLocator): void {
  const text = elf.sections.find((s) => s.name === '.text');
  for (const relSec of elf.sections) {
    if (relSec.type !== SHT_REL) continue;
    const target = elf.sections[relSec.info];
    if (target === undefined) throw new ElfError(`relocation section '${relSec.name}' targets missing section [${relSec.info}]`);
    if ((target.flags & SHF_EXECINSTR) === 0) continue;
    readRels(elf, relSec).forEach((rel, i) => {
      if (rel.offset % BPF_INSN_SZ !== 0 || rel.offset >= target.size) {
        throw new ElfError(`sec '${relSec.name}': invalid offset 0x${rel.offset.toString(16)} for relo #${i}`);
      }
      const insnIdx = rel.offset / BPF_INSN_SZ;
      const func = findFunc(funcs, target.index, insnIdx);
      // libbpf skips relocations outside any function (an overridden weak function's body).
      if (func === undefined) return;
      const sym = elf.symbols[rel.symbol]!;
      const symName = sym.type === STT_SECTION && sym.name === ''
        ? (elf.sections[sym.shndx]?.name ?? '<?>')
        : sym.name;
      const local = insnIdx - func.insnOff;
      func.relos.set(local, recordReloc(func, local, symName, sym, text?.index, elf, maps));
    });
  }
}

/** libbpf's bpf_program__record_reloc: what one relocated instruction refers to. */
function recordReloc(
  func: BpfFunc, idx: number, symName: string, sym: ElfSymbol, textIndex: number | undefined, elf: ElfFile, maps: MapLocator,
): FuncRelo {
  const insns = new InsnView(func.insns);
  const isCall = insns.isCall(idx);
  if (!isCall && !insns.isLdImm64(idx)) {
    throw new ElfError(`prog '${func.name}': invalid relo against '${symName}' for insns[${idx}].code 0x${insns.code(idx).toString(16)}`);
  }
  if (!isCall && idx + 1 >= insns.count) {
    throw new ElfError(`prog '${func.name}': relo against '${symName}' at insns[${idx}] is a truncated ldimm64`);
  }
  const isExtern = sym.shndx === SHN_UNDEF && (sym.bind === STB_GLOBAL || sym.bind === STB_WEAK) && sym.type === STT_NOTYPE;
  if (isExtern) return { kind: isCall ? 'extern_func' : 'extern_var', name: symName };

  const secName = elf.sections[sym.shndx]?.name ?? `#${sym.shndx}`;
  if (isCall) {
    if (insns.src(idx) !== BPF_PSEUDO_CALL) throw new ElfError(`prog '${func.name}': incorrect bpf_call opcode`);
    if (sym.shndx === SHN_UNDEF || sym.shndx !== textIndex) {
      throw new ElfError(`prog '${func.name}': bad call relo against '${symName}' in section '${secName}'`);
    }
    if (sym.value % BPF_INSN_SZ !== 0) {
      throw new ElfError(`prog '${func.name}': bad call relo against '${symName}' at offset ${sym.value}`);
    }
    return { kind: 'call', symOff: sym.value };
  }
  if (sym.shndx === SHN_UNDEF || sym.shndx >= SHN_LORESERVE) {
    throw new ElfError(`prog '${func.name}': invalid relo against '${symName}' in special section 0x${sym.shndx.toString(16)}; forgot to initialize global var?..`);
  }
  const isSubprog = sym.shndx === textIndex
    && ((sym.bind === STB_LOCAL && sym.type === STT_SECTION) || (sym.bind === STB_GLOBAL && sym.type === STT_FUNC));
  if (isSubprog) {
    if (sym.value % BPF_INSN_SZ !== 0 || insns.imm(idx) % BPF_INSN_SZ !== 0) {
      throw new ElfError(`prog '${func.name}': bad subprog addr relo against '${symName}' at offset ${sym.value}+${insns.imm(idx)}`);
    }
    return { kind: 'subprog_addr', symOff: sym.value };
  }
  const dataMap = maps.dataMap(sym.shndx);
  if (dataMap !== undefined) return { kind: 'map_value', mapIndex: dataMap, offset: insns.imm(idx) + sym.value };
  if (!maps.mapSections.has(sym.shndx)) {
    throw new ElfError(`prog '${func.name}': bad map relo against '${symName}' in section '${secName}'`);
  }
  const mapIndex = maps.mapAt(sym.shndx, sym.value);
  if (mapIndex === undefined) {
    throw new ElfError(`prog '${func.name}': map relo failed to find map for section '${secName}', off ${sym.value}`);
  }
  return { kind: 'map', mapIndex };
}
