import { Btf, parseBtfExt, type BtfExt } from '../btf/index.js';
import { BPF_PSEUDO_FUNC } from '../isa/opcodes.js';
import { parseBtfMaps } from './btf-maps.js';
import { SHT_REL } from './constants.js';
import { dataKind, dataMap } from './data-maps.js';
import { fixupDatasecs } from './datasec.js';
import { ElfError } from './errors.js';
import { collectFunctions, type BpfFunc } from './functions.js';
import { InsnView } from './insn.js';
import { parseLegacyMaps } from './legacy-maps.js';
import { appendSubprogs } from './subprogs.js';
import { collectMapRelos, type PlacedBtfMap } from './map-relos.js';
import { collectProgRelos } from './prog-relos.js';
import { readElf, type ElfSection } from './reader.js';
import { findSectionDef } from './section-defs.js';
import type { BpfProgram, MapDef, ObjectFile } from './types.js';

export interface ParseOptions {
  /**
   * File name (or path) of the object. libbpf names the object after it (up
   * to the first '.') and prefixes global-data maps with that name, so
   * `xdp_prog.o` gets `xdp_prog.data`. Without it the maps are `.data` etc.
   */
  fileName?: string;
  /**
   * libbpf 1.x strictness: refuse legacy `maps` sections and unknown fields
   * in BTF map definitions. The default (false) accepts what iproute2 loads:
   * legacy definitions (`struct bpf_map_def` or `struct bpf_elf_map`) and
   * unknown fields ignored, as its relaxed_maps option does.
   */
  strict?: boolean;
}

const LICENSE_MAX = 63;
const latin1 = new TextDecoder('latin1');

/** libbpf's object name: the base name up to its first '.'. */
export function objectName(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

/**
 * Reads a clang-compiled BPF object as libbpf's bpf_object__open does:
 * programs, maps (BTF-defined, legacy and global data), license, version,
 * BTF and BTF.ext; then appends to each program the subprograms it uses, as
 * bpf_object__load does before handing it to the kernel. Throws ElfError
 * (or BtfError for malformed BTF) with a message naming what is wrong.
 */
export function parseObject(bytes: Uint8Array, options: ParseOptions = {}): ObjectFile {
  const strict = options.strict ?? false;
  const name = objectName(options.fileName ?? '');
  const elf = readElf(bytes);
  const byName = new Map<string, ElfSection>();
  for (const s of elf.sections) if (!byName.has(s.name)) byName.set(s.name, s);
  const section = (n: string): ElfSection | undefined => byName.get(n);

  const btfSec = section('.BTF');
  const btf = btfSec === undefined ? undefined : fixupDatasecs(Btf.parse(btfSec.data), elf);
  const extSec = section('.BTF.ext');
  let btfExt: BtfExt | undefined;
  if (extSec !== undefined) {
    if (btf === undefined) throw new ElfError('.BTF.ext is present but .BTF is missing');
    btfExt = parseBtfExt(extSec.data, btf.strings);
  }

  const funcs = collectFunctions(elf);
  const maps: MapDef[] = [];
  const mapOffsets = new Map<number, Map<number, number>>();
  const dataMaps = new Map<number, number>();
  const addMap = (def: MapDef, shndx: number, offset: number): number => {
    // libbpf refuses a nameless map definition; its pin file would be the pin directory itself.
    if (def.name === '') throw new ElfError(`map #${maps.length}: empty name.`);
    const index = maps.push(def) - 1;
    const bySec = mapOffsets.get(shndx) ?? new Map<number, number>();
    bySec.set(offset, index);
    mapOffsets.set(shndx, bySec);
    return index;
  };

  const legacySec = section('maps');
  if (legacySec !== undefined) {
    if (strict) throw new ElfError("elf: legacy map definitions in 'maps' section are not supported by libbpf v1.0+");
    for (const m of parseLegacyMaps(elf, legacySec)) addMap(m.def, legacySec.index, m.offset);
  }

  const btfMapsSec = section('.maps');
  const placed: PlacedBtfMap[] = [];
  if (btfMapsSec !== undefined) {
    if (btf === undefined) throw new ElfError("BTF is required for the '.maps' section, but .BTF is missing");
    for (const m of parseBtfMaps(btf, btfMapsSec.name, btfMapsSec.size, strict)) {
      const mapIndex = addMap(m.def, btfMapsSec.index, m.offset);
      placed.push({ ...m, mapIndex });
    }
  }

  for (const sec of elf.sections) {
    const kind = dataKind(sec);
    if (kind !== undefined) dataMaps.set(sec.index, maps.push(dataMap(name, sec, kind, btf)) - 1);
  }

  const mapSections = new Set<number>([legacySec?.index, btfMapsSec?.index].filter((i): i is number => i !== undefined));
  collectProgRelos(elf, funcs, {
    mapSections,
    mapAt: (shndx, offset) => mapOffsets.get(shndx)?.get(offset),
    dataMap: (shndx) => dataMaps.get(shndx),
  });
  if (btfMapsSec !== undefined) {
    const mapsRel = elf.sections.find((s) => s.type === SHT_REL && s.name === '.rel.maps' && s.info === btfMapsSec.index);
    if (mapsRel !== undefined) collectMapRelos(elf, mapsRel, btfMapsSec, placed, funcs);
  }

  markPseudoFuncs(funcs);
  const code = appendSubprogs(funcs, section('.text')?.index, btfExt);
  const programs: BpfProgram[] = [...code].map(([f, c]) => ({
    name: f.name,
    sectionName: f.sectionName,
    sectionDef: findSectionDef(f.sectionName),
    ...c,
  }));

  return {
    name,
    license: readLicense(section('license')),
    kernVersion: readVersion(section('version')),
    programs,
    maps,
    btf,
    btfExt,
    frozen: false,
  };
}

/**
 * clang emits a plain `lddw` for a function's address; libbpf marks it
 * BPF_PSEUDO_FUNC when it records the relocation, so that appending
 * subprograms treats it like a call.
 */
function markPseudoFuncs(funcs: readonly BpfFunc[]): void {
  for (const f of funcs) {
    const view = new InsnView(f.insns);
    for (const [idx, relo] of f.relos) if (relo.kind === 'subprog_addr') view.setSrc(idx, BPF_PSEUDO_FUNC);
  }
}

/** The license string, cut at its NUL and at 63 characters as libbpf copies it. */
function readLicense(sec: ElfSection | undefined): string {
  if (sec === undefined) return '';
  const end = sec.data.indexOf(0);
  const bytes = sec.data.subarray(0, Math.min(end < 0 ? sec.data.length : end, LICENSE_MAX));
  return latin1.decode(bytes);
}

function readVersion(sec: ElfSection | undefined): number | undefined {
  if (sec === undefined) return undefined;
  if (sec.size !== 4 || sec.data.length !== 4) throw new ElfError(`invalid kver section: ${sec.size} bytes, expected 4`);
  return new DataView(sec.data.buffer, sec.data.byteOffset, 4).getUint32(0, true);
}
