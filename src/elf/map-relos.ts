import { BPF_MAP_TYPE_HASH_OF_MAPS, BPF_MAP_TYPE_PROG_ARRAY } from '../uapi/bpf.js';
import { isMapInMap } from './btf-maps.js';
import { ElfError } from './errors.js';
import type { BpfFunc } from './functions.js';
import { BPF_INSN_SZ } from './insn.js';
import { readRels, type ElfFile, type ElfSection } from './reader.js';
import type { MapDef, MapInitSlot } from './types.js';

/** A `.maps` map with its variable's place in the section. */
export interface PlacedBtfMap {
  mapIndex: number;
  def: MapDef;
  offset: number;
  size: number;
  /** Byte offset of the `values` member inside the definition, when it has one. */
  valuesOffset: number | undefined;
}

/** BPF pointers are 64-bit whatever the host. */
const BPF_PTR_SZ = 8;

/**
 * Turns the relocations of `.rel.maps` into initial slots of prog arrays and
 * map-in-maps (`.values = { [i] = &x }`), as libbpf's
 * bpf_object__collect_map_relos: each relocation lands in one map's `values`
 * array, and its symbol must name an entry-point program or a `.maps` map.
 * `placed` must be sorted by offset, as the DATASEC fixup leaves it.
 */
export function collectMapRelos(
  elf: ElfFile, relSec: ElfSection, mapsSec: ElfSection, placed: readonly PlacedBtfMap[],
  funcs: readonly BpfFunc[],
): void {
  const slots = new Map<MapDef, Map<number, MapInitSlot>>();
  readRels(elf, relSec).forEach((rel, i) => {
    const sym = elf.symbols[rel.symbol]!;
    const name = sym.name === '' ? '<?>' : sym.name;
    const owner = ownerOf(placed, rel.offset);
    if (owner === undefined) throw new ElfError(`.maps relo #${i}: cannot find map '${name}' at rel->r_offset ${rel.offset}`);
    const def = owner.def;
    let slot: MapInitSlot;
    if (isMapInMap(def.type)) {
      if (sym.shndx !== mapsSec.index) throw new ElfError(`.maps relo #${i}: '${name}' isn't a BTF-defined map`);
      if (def.type === BPF_MAP_TYPE_HASH_OF_MAPS && def.keySize !== 4) {
        throw new ElfError(`.maps relo #${i}: hash-of-maps '${def.name}' should have key size 4.`);
      }
      const target = placed.find((p) => p.def.name === name);
      if (target === undefined) throw new ElfError(`.maps relo #${i}: '${name}' isn't a valid map reference`);
      slot = { index: 0, kind: 'map', mapIndex: target.mapIndex };
    } else if (def.type === BPF_MAP_TYPE_PROG_ARRAY) {
      const prog = funcs.find((f) => !f.isSubprog && f.name === name);
      if (prog === undefined) throw new ElfError(`.maps relo #${i}: '${name}' isn't a valid program reference`);
      if (prog.sectionIndex !== sym.shndx || prog.insnOff * BPF_INSN_SZ !== sym.value) {
        throw new ElfError(`.maps relo #${i}: '${name}' isn't an entry-point program`);
      }
      slot = { index: 0, kind: 'prog', programName: name };
    } else {
      throw new ElfError(`.maps relo #${i}: map '${def.name}' is neither a prog array nor a map-in-map`);
    }
    if (owner.valuesOffset === undefined) throw new ElfError(`.maps relo #${i}: map '${def.name}' has no 'values' member`);
    const into = rel.offset - owner.offset;
    if (into < owner.valuesOffset || (into - owner.valuesOffset) % BPF_PTR_SZ !== 0) {
      throw new ElfError(`.maps relo #${i}: offset ${rel.offset} is not a slot of map '${def.name}' values`);
    }
    slot.index = (into - owner.valuesOffset) / BPF_PTR_SZ;
    const bySlot = slots.get(def) ?? new Map<number, MapInitSlot>();
    bySlot.set(slot.index, slot);
    slots.set(def, bySlot);
  });
  for (const [def, bySlot] of slots) def.initSlots = [...bySlot.values()].sort((a, b) => a.index - b.index);
}

/** The map whose definition holds a pointer at `offset`; `placed` is sorted by offset. */
function ownerOf(placed: readonly PlacedBtfMap[], offset: number): PlacedBtfMap | undefined {
  let lo = 0;
  let hi = placed.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (placed[mid]!.offset <= offset) lo = mid + 1;
    else hi = mid;
  }
  const p = placed[lo - 1];
  return p !== undefined && offset + BPF_PTR_SZ <= p.offset + p.size ? p : undefined;
}
