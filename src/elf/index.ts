/**
 * Reading clang-compiled BPF objects the way libbpf and iproute2 do: the ELF
 * container, programs linked with their subprograms, maps of every kind,
 * global data, license, BTF and line info.
 */
export { ElfError } from './errors.js';
export { parseObject, objectName } from './object.js';
export type { ParseOptions } from './object.js';
export { selectProgram } from './select.js';
export type { ProgramSelector } from './select.js';
export { getGlobal, setGlobal, freezeGlobals } from './globals.js';
export { sourceLine, whereInSource } from './source-line.js';
export { findSectionDef, BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS } from './section-defs.js';
export type { SectionDef } from './section-defs.js';
export { internalMapName } from './data-maps.js';
export { readElf, readRels } from './reader.js';
export type { ElfFile, ElfRel, ElfSection, ElfSymbol } from './reader.js';
export type * from './types.js';
