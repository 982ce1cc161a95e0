/**
 * BTF: the type graph clang emits in `.BTF`, the per-instruction records of
 * `.BTF.ext`, and bpftool-style value formatting.
 *
 * May import: errors, uapi.
 */
export { Btf } from './btf.js';
export { BtfError } from './errors.js';
export { parseBtfExt, BPF_CORE_RELO_KINDS } from './ext.js';
export type { BtfExt, BtfExtCoreRelo, BtfExtFuncInfo, BtfExtLineInfo, BtfExtSections } from './ext.js';
export { dumpBtfValue } from './dump.js';
export type { DumpOptions } from './dump.js';
export { JsonWriter } from './json.js';
export { BtfStrings, StringTable } from './strings.js';
export * from './types.js';
