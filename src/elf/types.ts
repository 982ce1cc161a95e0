import type { Btf, BtfExt } from '../btf/index.js';
import type { SectionDef } from './section-defs.js';

/**
 * A data reference in a program, its subprograms appended, that the loader
 * must resolve once maps exist. The instruction is always the first slot of
 * an `lddw`.
 *  - `map`: load a map pointer (libbpf RELO_LD64). The instruction already
 *    has src_reg = BPF_PSEUDO_MAP_IDX and imm = mapIndex.
 *  - `map_value`: load the address `offset` bytes into the single value of a
 *    global-data map (libbpf RELO_DATA). The instruction has
 *    src_reg = BPF_PSEUDO_MAP_IDX_VALUE, imm = mapIndex, and the second slot's
 *    imm = offset: exactly what the kernel accepts with an fd_array.
 *  - `extern_var` / `extern_func`: a reference to a symbol the object does
 *    not define (ksym, kconfig variable or kfunc), left as compiled.
 */
export type InsnRelocation =
  | { kind: 'map'; insnIndex: number; mapIndex: number }
  | { kind: 'map_value'; insnIndex: number; mapIndex: number; offset: number }
  | { kind: 'extern_var' | 'extern_func'; insnIndex: number; name: string };

export interface FuncInfo {
  insnIndex: number;
  /** BTF FUNC type id. */
  typeId: number;
}

export interface LineInfo {
  insnIndex: number;
  file: string;
  line: number;
  column: number;
  /** The source line itself, as clang recorded it in BTF. */
  text: string;
}

export interface CoreRelo {
  insnIndex: number;
  typeId: number;
  accessStr: string;
  /** enum bpf_core_relo_kind. */
  kind: number;
}

export interface BpfProgram {
  /** Function name: the name iproute2's `program NAME` and libbpf use. */
  name: string;
  sectionName: string;
  /** libbpf's reading of the section name; undefined for names libbpf does not recognise. */
  sectionDef: SectionDef | undefined;
  /**
   * The instructions as loaded: the function, then every `.text` subprogram it
   * reaches (calls and BPF_PSEUDO_FUNC references, transitively) in libbpf's
   * order, with call and function-pointer immediates made relative to the
   * new layout, map references patched as described at InsnRelocation.
   */
  insns: Uint8Array;
  relocations: InsnRelocation[];
  /** Where each appended subprogram starts, for disassembly and per-function checks. */
  subprograms: Array<{ name: string; insnIndex: number }>;
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
  coreRelos: CoreRelo[];
}

/** Where a map definition came from, which decides how its fields are read. */
export type MapOrigin = 'btf' | 'legacy' | 'data';

/** A slot of a prog array or map-in-map preset in `.maps` via `.values = { [i] = &x }`. */
export type MapInitSlot =
  | { index: number; kind: 'map'; mapIndex: number }
  | { index: number; kind: 'prog'; programName: string };

export interface GlobalVariable {
  name: string;
  /** Byte offset inside the data section (the map's single value). */
  offset: number;
  size: number;
  /** BTF type of the variable (after the VAR record). */
  typeId: number;
  /** BTF_VAR_* linkage; static variables keep their offsets from clang. */
  linkage: number;
}

export interface MapDef {
  /** Name as libbpf creates it: the variable name, or the prefixed name of a global-data map. */
  name: string;
  /** Section the definition lives in (".maps", "maps", ".data", ".rodata.str1.1", ...). */
  sectionName: string;
  origin: MapOrigin;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags: number;
  numaNode: number;
  mapExtra: bigint;
  /** LIBBPF_PIN_NONE (0) or LIBBPF_PIN_BY_NAME (1), for BTF-defined maps. */
  pinning: number;
  /** BTF key/value type ids; 0 when the definition gave only sizes. */
  btfKeyTypeId: number;
  btfValueTypeId: number;
  /** Template of the inner map for ARRAY_OF_MAPS / HASH_OF_MAPS declared with `__array(values, ...)`. */
  inner: MapDef | undefined;
  initSlots: MapInitSlot[];
  /** Initial contents of a global-data map's single value (zeros for .bss). */
  data: Uint8Array | undefined;
  /** Variables of a global-data map, from its BTF DATASEC, sorted by offset. */
  variables: GlobalVariable[];
  /** The extra fields of iproute2's `struct bpf_elf_map`, for legacy definitions that carry them. */
  legacy: { id: number; pinning: number; innerId: number; innerIdx: number } | undefined;
}

export interface ObjectFile {
  /** libbpf's object name: the file name up to its first '.', used to prefix global-data map names. */
  name: string;
  license: string;
  /** Contents of the `version` section, if any (kernel version for old kprobe loaders). */
  kernVersion: number | undefined;
  programs: BpfProgram[];
  maps: MapDef[];
  btf: Btf | undefined;
  btfExt: BtfExt | undefined;
  /** Set by freezeGlobals once the object has been loaded; global data is then read-only here. */
  frozen: boolean;
}
