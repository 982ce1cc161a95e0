import {
  ELFCLASS64, ELFDATA2LSB, EM_BPF, ET_REL, EV_CURRENT, SHN_XINDEX, SHT_NOBITS, SHT_NULL, SHT_REL,
  SHT_STRTAB, SHT_SYMTAB,
} from './constants.js';
import { StringTable } from '../btf/index.js';
import { ElfError } from './errors.js';

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
  /** File contents; empty for SHT_NOBITS (e.g. `.bss`), whose size is still `size`. */
  data: Uint8Array;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  bind: number;
  type: number;
  visibility: number;
  shndx: number;
}

export interface ElfRel {
  offset: number;
  symbol: number;
  type: number;
}

/** The parts of an ELF64 little-endian relocatable object that BPF loaders read. */
export interface ElfFile {
  sections: ElfSection[];
  symbols: ElfSymbol[];
  /** Index of the symbol table section; REL sections must link to it. */
  symtabIndex: number;
}

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;

/** Reads a u64 field as a number; values past 2^53 lose precision but are then far outside any file anyway. */
function u64(view: DataView, at: number): number {
  return view.getUint32(at + 4, true) * 0x1_0000_0000 + view.getUint32(at, true);
}

function stringTable(sec: ElfSection): StringTable {
  return new StringTable(sec.data, (m) => new ElfError(`string table '${sec.name}': ${m}`));
}

/**
 * Parses the ELF header, section headers, section names and the symbol table.
 * Every offset, size and count is checked against the file before use, so a
 * hostile header can neither read out of bounds nor drive a large allocation.
 */
export function readElf(bytes: Uint8Array): ElfFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < EHDR_SIZE) throw new ElfError(`file too short for an ELF header: ${bytes.length} bytes`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not an ELF file (bad magic)');
  }
  if (bytes[4] !== ELFCLASS64) throw new ElfError(`ELF class ${bytes[4]} is not ELFCLASS64`);
  if (bytes[5] !== ELFDATA2LSB) throw new ElfError(`ELF data encoding ${bytes[5]} is not little-endian (ELFDATA2LSB)`);
  if (bytes[6] !== EV_CURRENT) throw new ElfError(`ELF ident version ${bytes[6]} is not EV_CURRENT`);
  const type = view.getUint16(16, true);
  if (type !== ET_REL) throw new ElfError(`ELF type ${type} is not ET_REL: only relocatable objects (clang -c) are BPF objects`);
  const machine = view.getUint16(18, true);
  if (machine !== EM_BPF) throw new ElfError(`ELF machine ${machine} is not EM_BPF (247)`);

  const shoff = u64(view, 40);
  const shentsize = view.getUint16(58, true);
  let shnum = view.getUint16(60, true);
  let shstrndx = view.getUint16(62, true);
  if (shoff === 0) throw new ElfError('object has no section header table');
  if (shentsize !== SHDR_SIZE) throw new ElfError(`section header size ${shentsize} is not ${SHDR_SIZE}`);
  if (shoff % 8 !== 0 || shoff + SHDR_SIZE > bytes.length) {
    throw new ElfError(`section header table offset ${shoff} is outside the file or misaligned`);
  }
  // Extended numbering: the real counts live in section header 0.
  if (shnum === 0) shnum = u64(view, shoff + 32);
  if (shstrndx === SHN_XINDEX) shstrndx = view.getUint32(shoff + 40, true);
  if (shnum === 0 || shnum > (bytes.length - shoff) / SHDR_SIZE) {
    throw new ElfError(`${shnum} section headers at offset ${shoff} do not fit in the ${bytes.length}-byte file`);
  }
  if (shstrndx === 0 || shstrndx >= shnum) throw new ElfError(`section name table index ${shstrndx} out of range (0..${shnum - 1})`);

  const headerEnd = shoff + shnum * SHDR_SIZE;
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * SHDR_SIZE;
    const secType = view.getUint32(at + 4, true);
    const offset = u64(view, at + 24);
    const size = u64(view, at + 32);
    const hasData = secType !== SHT_NOBITS && secType !== SHT_NULL;
    if (hasData && (offset > bytes.length || size > bytes.length - offset)) {
      throw new ElfError(`section [${i}]: data [${offset}, +${size}) runs past the end of the ${bytes.length}-byte file`);
    }
    if (hasData && size > 0 && (offset < EHDR_SIZE || (offset < headerEnd && offset + size > shoff))) {
      throw new ElfError(`section [${i}]: data [${offset}, +${size}) overlaps the ELF header or section header table`);
    }
    sections.push({
      index: i,
      name: '',
      type: secType,
      flags: u64(view, at + 8),
      size,
      link: view.getUint32(at + 40, true),
      info: view.getUint32(at + 44, true),
      entsize: u64(view, at + 56),
      data: hasData ? bytes.subarray(offset, offset + size) : new Uint8Array(0),
    });
  }
  checkOverlaps(sections, bytes);

  const shstrtab = sections[shstrndx]!;
  if (shstrtab.type !== SHT_STRTAB) throw new ElfError(`section name table [${shstrndx}] is not SHT_STRTAB`);
  const names = stringTable(shstrtab);
  for (const s of sections) s.name = names.at(view.getUint32(shoff + s.index * SHDR_SIZE, true), `section [${s.index}] name`);

  const symtabs = sections.filter((s) => s.type === SHT_SYMTAB);
  if (symtabs.length !== 1) throw new ElfError(`expected exactly one symbol table, found ${symtabs.length}`);
  const symtab = symtabs[0]!;
  return { sections, symbols: readSymbols(symtab, sections), symtabIndex: symtab.index };
}

/** Sections with file data must not share bytes: overlapping sections are a sign of a crafted file. */
function checkOverlaps(sections: ElfSection[], bytes: Uint8Array): void {
  const spans = sections
    .filter((s) => s.data.length > 0)
    .map((s) => ({ s, start: s.data.byteOffset - bytes.byteOffset }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    const cur = spans[i]!;
    if (cur.start < prev.start + prev.s.data.length) {
      throw new ElfError(`section [${cur.s.index}] overlaps section [${prev.s.index}] in the file`);
    }
  }
}

function readSymbols(symtab: ElfSection, sections: ElfSection[]): ElfSymbol[] {
  if (symtab.entsize !== SYM_SIZE || symtab.size % SYM_SIZE !== 0) {
    throw new ElfError(`symbol table '${symtab.name}': entry size ${symtab.entsize} / size ${symtab.size} do not describe ${SYM_SIZE}-byte symbols`);
  }
  const strtab = sections[symtab.link];
  if (strtab === undefined || strtab.type !== SHT_STRTAB) {
    throw new ElfError(`symbol table '${symtab.name}': linked string table [${symtab.link}] is missing or not SHT_STRTAB`);
  }
  const names = stringTable(strtab);
  const data = symtab.data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const symbols: ElfSymbol[] = [];
  for (let i = 0; i < data.length / SYM_SIZE; i++) {
    const at = i * SYM_SIZE;
    const info = view.getUint8(at + 4);
    symbols.push({
      index: i,
      name: names.at(view.getUint32(at, true), `symbol #${i} name`),
      bind: info >> 4,
      type: info & 0xf,
      visibility: view.getUint8(at + 5) & 0x3,
      shndx: view.getUint16(at + 6, true),
      value: u64(view, at + 8),
      size: u64(view, at + 16),
    });
  }
  return symbols;
}

/** Entries of a SHT_REL section; symbol indexes are checked against the symbol table. */
export function readRels(elf: ElfFile, rel: ElfSection): ElfRel[] {
  if (rel.type !== SHT_REL) throw new ElfError(`section '${rel.name}' is not SHT_REL`);
  if (rel.entsize !== REL_SIZE || rel.size % REL_SIZE !== 0) {
    throw new ElfError(`relocation section '${rel.name}': entry size ${rel.entsize} / size ${rel.size} do not describe ${REL_SIZE}-byte Elf64_Rel entries`);
  }
  if (rel.link !== elf.symtabIndex) {
    throw new ElfError(`relocation section '${rel.name}': links section [${rel.link}], not the symbol table`);
  }
  const view = new DataView(rel.data.buffer, rel.data.byteOffset, rel.data.byteLength);
  const out: ElfRel[] = [];
  for (let i = 0; i < rel.size / REL_SIZE; i++) {
    const at = i * REL_SIZE;
    const symbol = view.getUint32(at + 12, true);
    if (symbol >= elf.symbols.length) {
      throw new ElfError(`relocation section '${rel.name}' entry #${i}: symbol #${symbol} not found (${elf.symbols.length} symbols)`);
    }
    out.push({ offset: u64(view, at), symbol, type: view.getUint32(at + 8, true) });
  }
  return out;
}
