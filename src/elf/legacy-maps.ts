import { SHT_PROGBITS, STT_SECTION } from './constants.js';
import { ElfError } from './errors.js';
import type { ElfFile, ElfSection } from './reader.js';
import type { MapDef } from './types.js';

/** sizeof(struct bpf_map_def) (libbpf 0.x) and sizeof(struct bpf_elf_map) (iproute2). */
const BPF_MAP_DEF_SIZE = 20;
const BPF_ELF_MAP_SIZE = 36;

export interface LegacyMapSpec {
  def: MapDef;
  offset: number;
}

/**
 * Reads a legacy `maps` section the way libbpf 0.x and iproute2 did: every
 * non-section symbol in it is one map, all definitions have the same size
 * (section size / symbol count), fields missing from a shorter struct are
 * zero, and bytes past the longest known struct must be zero. The first five
 * u32 are `struct bpf_map_def`; iproute2's `struct bpf_elf_map` adds id,
 * pinning, inner_id and inner_idx.
 */
export function parseLegacyMaps(elf: ElfFile, sec: ElfSection): LegacyMapSpec[] {
  // iproute2 reads `maps` only as SHT_PROGBITS; any other type (SHT_NULL,
  // SHT_NOBITS) has a size but no bytes in the file to read definitions from.
  if (sec.type !== SHT_PROGBITS) {
    throw new ElfError(`elf: legacy maps section '${sec.name}' has type ${sec.type}, not SHT_PROGBITS: it holds no map definitions`);
  }
  const syms = elf.symbols.filter((s) => s.shndx === sec.index && s.type !== STT_SECTION);
  if (sec.size === 0 || syms.length === 0 || sec.size % syms.length !== 0) {
    throw new ElfError(`elf: unable to determine legacy map definition size (section '${sec.name}' is ${sec.size} bytes for ${syms.length} map symbols)`);
  }
  const defSize = sec.size / syms.length;
  const data = sec.data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return syms.map((sym) => {
    if (sym.value + defSize > sec.size) {
      throw new ElfError(`corrupted maps section: last map "${sym.name}" too small`);
    }
    const field = (i: number): number => (i * 4 + 4 <= defSize ? view.getUint32(sym.value + i * 4, true) : 0);
    for (let b = BPF_ELF_MAP_SIZE; b < defSize; b++) {
      if (data[sym.value + b] !== 0) throw new ElfError(`maps section: "${sym.name}" has unrecognized, non-zero options`);
    }
    const def: MapDef = {
      name: sym.name,
      sectionName: sec.name,
      origin: 'legacy',
      type: field(0),
      keySize: field(1),
      valueSize: field(2),
      maxEntries: field(3),
      mapFlags: field(4),
      numaNode: 0,
      mapExtra: 0n,
      pinning: 0,
      btfKeyTypeId: 0,
      btfValueTypeId: 0,
      inner: undefined,
      initSlots: [],
      data: undefined,
      variables: [],
      legacy: defSize > BPF_MAP_DEF_SIZE
        ? { id: field(5), pinning: field(6), innerId: field(7), innerIdx: field(8) }
        : undefined,
    };
    return { def, offset: sym.value };
  });
}
