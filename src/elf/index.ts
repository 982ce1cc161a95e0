/**
 * Reading clang-compiled BPF objects the way libbpf and iproute2 do: the ELF
 * container, programs with their subprograms appended, maps of every kind,
 * global data, license, BTF and line info. A parser: it knows the kernel's
 * numbers but none of the maps or programs made from what it reads.
 *
 * May import: errors, uapi, isa, btf.
 */
export { ElfError } from './errors.js';
export { parseObject, objectName } from './object.js';
export type { ParseOptions } from './object.js';
export { selectProgram } from './select.js';
export type { ProgramSelector } from './select.js';
export { getGlobal, setGlobal, freezeGlobals } from './globals.js';
export { sourceLine, whereInSource } from './source-line.js';
export { findSectionDef } from './section-defs.js';
export type { SectionDef } from './section-defs.js';
export { internalMapName } from './data-maps.js';
export { readElf, readRels } from './reader.js';
export type { ElfFile, ElfRel, ElfSection, ElfSymbol } from './reader.js';
export type * from './types.js';
