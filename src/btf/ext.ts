import { BtfError } from './errors.js';
import type { BtfStrings } from './strings.js';

/** One func_info record: the function starting at `insnOff` (bytes into its ELF section) has BTF FUNC `typeId`. */
export interface BtfExtFuncInfo {
  insnOff: number;
  typeId: number;
}

/** One line_info record; `line`/`column` are unpacked from the kernel's line_col (line << 10 | col). */
export interface BtfExtLineInfo {
  insnOff: number;
  fileName: string;
  /** The source line's text as clang stored it. */
  text: string;
  line: number;
  column: number;
}

/** enum bpf_core_relo_kind names, indexed by value. */
export const BPF_CORE_RELO_KINDS = [
  'field_byte_offset', 'field_byte_size', 'field_exists', 'field_signed', 'field_lshift_u64',
  'field_rshift_u64', 'local_type_id', 'target_type_id', 'type_exists', 'type_size',
  'enumval_exists', 'enumval_value', 'type_matches',
] as const;

/** One CO-RE relocation, listed for inspection (applying it needs a target kernel's BTF). */
export interface BtfExtCoreRelo {
  insnOff: number;
  typeId: number;
  accessStr: string;
  kind: number;
}

/** Records of one kind grouped by the ELF section they describe. */
export type BtfExtSections<T> = Map<string, T[]>;

export interface BtfExt {
  funcInfo: BtfExtSections<BtfExtFuncInfo>;
  lineInfo: BtfExtSections<BtfExtLineInfo>;
  coreRelos: BtfExtSections<BtfExtCoreRelo>;
}

const MIN_HEADER_LEN = 24;
const CORE_HEADER_LEN = 32;

/**
 * Parses `.BTF.ext`. Strings referenced by the records live in the `.BTF`
 * string section, so that section's strings are passed in.
 */
export function parseBtfExt(bytes: Uint8Array, strings: BtfStrings): BtfExt {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < MIN_HEADER_LEN) throw new BtfError(`.BTF.ext header truncated: ${bytes.length} bytes`);
  const magic = view.getUint16(0, true);
  if (magic !== 0xeb9f) throw new BtfError(`.BTF.ext: bad magic 0x${magic.toString(16)}`);
  const version = view.getUint8(2);
  if (version !== 1) throw new BtfError(`.BTF.ext: unsupported version ${version}`);
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < MIN_HEADER_LEN || hdrLen > bytes.length) {
    throw new BtfError(`.BTF.ext: header length ${hdrLen} out of range (section is ${bytes.length} bytes)`);
  }
  const region = (offField: number, name: string): [number, number] => {
    const off = view.getUint32(offField, true);
    const len = view.getUint32(offField + 4, true);
    const start = hdrLen + off;
    if (start + len > bytes.length) {
      throw new BtfError(`.BTF.ext: ${name} [${off}, +${len}) runs past the end of the section`);
    }
    return [start, start + len];
  };
  const funcInfo = readInfo(view, region(8, 'func_info'), 8, 'func_info', strings, (o) => ({
    insnOff: view.getUint32(o, true),
    typeId: view.getUint32(o + 4, true),
  }));
  const lineInfo = readInfo(view, region(16, 'line_info'), 16, 'line_info', strings, (o, what) => {
    const lineCol = view.getUint32(o + 12, true);
    return {
      insnOff: view.getUint32(o, true),
      fileName: strings.at(view.getUint32(o + 4, true), `${what} file name`),
      text: strings.at(view.getUint32(o + 8, true), `${what} line`),
      line: lineCol >>> 10,
      column: lineCol & 0x3ff,
    };
  });
  const coreRelos = hdrLen >= CORE_HEADER_LEN
    ? readInfo(view, region(24, 'core_relo'), 16, 'core_relo', strings, (o, what) => ({
      insnOff: view.getUint32(o, true),
      typeId: view.getUint32(o + 4, true),
      accessStr: strings.at(view.getUint32(o + 8, true), `${what} access string`),
      kind: view.getUint32(o + 12, true),
    }))
    : new Map<string, BtfExtCoreRelo[]>();
  return { funcInfo, lineInfo, coreRelos };
}

/**
 * Walks one info region: a u32 record size, then per section a name offset,
 * a record count and the records. Records may be longer than we know
 * (newer producers), never shorter; counts are checked against the bytes left.
 */
function readInfo<T>(
  view: DataView,
  [start, end]: [number, number],
  minRecSize: number,
  name: string,
  strings: BtfStrings,
  read: (offset: number, what: string) => T,
): BtfExtSections<T> {
  const out: BtfExtSections<T> = new Map();
  if (start === end) return out;
  if (end - start < 4) throw new BtfError(`.BTF.ext ${name}: too short for its record size`);
  const recSize = view.getUint32(start, true);
  if (recSize < minRecSize || recSize % 4 !== 0) {
    throw new BtfError(`.BTF.ext ${name}: record size ${recSize} invalid (minimum ${minRecSize}, multiple of 4)`);
  }
  let off = start + 4;
  while (off < end) {
    if (end - off < 8) throw new BtfError(`.BTF.ext ${name}: section header truncated at offset ${off}`);
    const secName = strings.at(view.getUint32(off, true), `.BTF.ext ${name} section name`);
    const count = view.getUint32(off + 4, true);
    off += 8;
    if (count === 0) throw new BtfError(`.BTF.ext ${name} '${secName}': zero records`);
    if (count > (end - off) / recSize) {
      throw new BtfError(`.BTF.ext ${name} '${secName}': ${count} records of ${recSize} bytes exceed the ${end - off} bytes left`);
    }
    const list = out.get(secName) ?? [];
    for (let i = 0; i < count; i++, off += recSize) {
      list.push(read(off, `.BTF.ext ${name} '${secName}' #${i}`));
    }
    out.set(secName, list);
  }
  return out;
}
