import { BTF_VAR_STATIC, type Btf } from '../btf/index.js';
import { BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, BPF_MAP_TYPE_ARRAY } from '../uapi/bpf.js';
import { KMALLOC_MAX_SIZE } from '../uapi/limits.js';
import { SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS } from './constants.js';
import { ElfError } from './errors.js';
import type { ElfSection } from './reader.js';
import type { GlobalVariable, MapDef } from './types.js';

export type DataKind = 'data' | 'rodata' | 'bss';

const BPF_OBJ_NAME_LEN = 16;

/** Which global-data map a section becomes, as libbpf's bpf_object__elf_collect classifies it. */
export function dataKind(sec: ElfSection): DataKind | undefined {
  const named = (base: string): boolean => sec.name === base || sec.name.startsWith(base + '.');
  if (sec.type === SHT_PROGBITS && (sec.flags & SHF_EXECINSTR) === 0 && sec.size > 0) {
    if (named('.data')) return 'data';
    if (named('.rodata')) return 'rodata';
  }
  if (sec.type === SHT_NOBITS && sec.size > 0 && named('.bss')) return 'bss';
  return undefined;
}

/**
 * libbpf's internal_map_name: up to 8 characters of the object name, then the
 * section name; sections with a second '.' ('.rodata.str1.1') keep their own
 * name only. Characters the kernel refuses in map names become '_'.
 */
export function internalMapName(objName: string, secName: string): string {
  const sfxLen = Math.max(7, secName.length);
  const pfxLen = secName.indexOf('.', 1) >= 0 ? 0 : Math.min(BPF_OBJ_NAME_LEN - sfxLen - 1, objName.length);
  const name = (objName.slice(0, pfxLen) + secName.slice(0, sfxLen)).slice(0, BPF_OBJ_NAME_LEN - 1);
  return name.replace(/[^A-Za-z0-9_.]/g, '_');
}

/**
 * The single-entry array map libbpf creates for a global-data section, with
 * the section's bytes as initial value and the DATASEC's variables.
 * BPF_F_RDONLY_PROG marks .rodata*; BPF_F_MMAPABLE is set only when a
 * non-static variable exists (libbpf's map_is_mmapable), since only those
 * are reachable through a skeleton's memory mapping.
 */
export function dataMap(objName: string, sec: ElfSection, kind: DataKind, btf: Btf | undefined): MapDef {
  // The kernel refuses array values above KMALLOC_MAX_SIZE: a larger .bss is never loadable.
  if (sec.size > KMALLOC_MAX_SIZE) {
    throw new ElfError(`section '${sec.name}' is ${sec.size} bytes; array map values are limited to ${KMALLOC_MAX_SIZE} bytes`);
  }
  const datasecId = btf?.findByName(sec.name, 'datasec');
  const variables: GlobalVariable[] = [];
  if (btf !== undefined && datasecId !== undefined) {
    for (const vsi of btf.typeOfKind(datasecId, 'datasec', sec.name).vars) {
      const v = btf.typeOfKind(vsi.type, 'var', `DATASEC '${sec.name}'`);
      if (vsi.offset + vsi.size > sec.size) {
        throw new ElfError(`sec '${sec.name}': variable '${v.name}' [${vsi.offset}, +${vsi.size}) lies outside the ${sec.size}-byte section`);
      }
      variables.push({ name: v.name, offset: vsi.offset, size: vsi.size, typeId: v.type, linkage: v.linkage });
    }
  }
  return {
    name: internalMapName(objName, sec.name),
    sectionName: sec.name,
    origin: 'data',
    type: BPF_MAP_TYPE_ARRAY,
    keySize: 4,
    valueSize: sec.size,
    maxEntries: 1,
    mapFlags: (variables.some((v) => v.linkage !== BTF_VAR_STATIC) ? BPF_F_MMAPABLE : 0)
      | (kind === 'rodata' ? BPF_F_RDONLY_PROG : 0),
    numaNode: 0,
    mapExtra: 0n,
    pinning: 0,
    btfKeyTypeId: 0,
    btfValueTypeId: datasecId ?? 0,
    inner: undefined,
    initSlots: [],
    data: kind === 'bss' ? new Uint8Array(sec.size) : sec.data.slice(),
    variables,
    legacy: undefined,
  };
}
