import { BTF_VAR_GLOBAL_EXTERN, BTF_VAR_STATIC, type Btf, type BtfType } from '../btf/index.js';
import { STB_GLOBAL, STB_WEAK, STT_OBJECT, STV_HIDDEN, STV_INTERNAL } from './constants.js';
import { ElfError } from './errors.js';
import type { ElfFile, ElfSymbol } from './reader.js';

/** Extern-backed DATASECs that libbpf lays out itself; clang's zeros there are not a layout. */
const EXTERN_SECTIONS = new Set(['.kconfig', '.ksyms']);

/**
 * Fills in what clang leaves out of DATASECs, as libbpf's btf_fixup_datasec:
 * the section size from the ELF section header, each global variable's
 * offset from its ELF symbol, and the variables sorted by offset. Hidden
 * globals become static VARs, which is what decides whether a global-data
 * map is mmapable.
 */
export function fixupDatasecs(btf: Btf, elf: ElfFile): Btf {
  const replaced: BtfType[] = [];
  const sections = new Map(elf.sections.map((s) => [s.name, s]));
  const varSymbols = new Map<string, ElfSymbol>();
  for (const s of elf.symbols) {
    if (s.type === STT_OBJECT && (s.bind === STB_GLOBAL || s.bind === STB_WEAK) && !varSymbols.has(s.name)) varSymbols.set(s.name, s);
  }
  for (const t of btf.types) {
    if (t.kind !== 'datasec' || EXTERN_SECTIONS.has(t.name)) continue;
    let size = t.size;
    const fixOffsets = size === 0;
    if (fixOffsets) {
      const sec = sections.get(t.name);
      if (sec === undefined || sec.size === 0) {
        throw new ElfError(`sec '${t.name}': failed to determine size from ELF for BTF DATASEC [${t.id}]`);
      }
      size = sec.size;
    }
    const vars = t.vars.map((vsi, i) => {
      const v = btf.typeById(vsi.type);
      if (v.kind !== 'var') throw new ElfError(`sec '${t.name}': DATASEC member #${i} is ${v.kind}, not a VAR`);
      if (v.linkage === BTF_VAR_STATIC || v.linkage === BTF_VAR_GLOBAL_EXTERN) return vsi;
      const sym = varSymbols.get(v.name);
      if (sym === undefined) throw new ElfError(`sec '${t.name}': failed to find ELF symbol for VAR '${v.name}'`);
      if (sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL) replaced.push({ ...v, linkage: BTF_VAR_STATIC });
      return fixOffsets ? { ...vsi, offset: sym.value } : vsi;
    });
    vars.sort((a, b) => a.offset - b.offset);
    replaced.push({ ...t, size, vars });
  }
  return btf.withTypes(replaced);
}
