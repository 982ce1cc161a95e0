import { BtfError } from './errors.js';
import { BTF_KINDS } from './kinds.js';
import { BtfStrings } from './strings.js';
import type { BtfType } from './types.js';

export const BTF_MAGIC = 0xeb9f;
const HEADER_LEN = 24;

/** Where the type and string sections lie, relative to the whole `.BTF` blob. */
interface Layout {
  typeStart: number;
  typeEnd: number;
  strings: BtfStrings;
}

function readLayout(view: DataView): Layout {
  if (view.byteLength < HEADER_LEN) {
    throw new BtfError(`header truncated: ${view.byteLength} bytes, need ${HEADER_LEN}`);
  }
  const magic = view.getUint16(0, true);
  if (magic !== BTF_MAGIC) {
    throw new BtfError(`bad magic 0x${magic.toString(16)} (expected 0xeb9f, little-endian)`);
  }
  const version = view.getUint8(2);
  if (version !== 1) throw new BtfError(`unsupported version ${version}`);
  const hdrLen = view.getUint32(4, true);
  if (hdrLen < HEADER_LEN || hdrLen > view.byteLength) {
    throw new BtfError(`header length ${hdrLen} out of range (blob is ${view.byteLength} bytes)`);
  }
  const typeOff = view.getUint32(8, true);
  const typeLen = view.getUint32(12, true);
  const strOff = view.getUint32(16, true);
  const strLen = view.getUint32(20, true);
  const dataLen = view.byteLength - hdrLen;
  if (typeOff % 4 !== 0) throw new BtfError(`type section offset ${typeOff} is not 4-byte aligned`);
  if (typeOff + typeLen > dataLen) {
    throw new BtfError(`type section [${typeOff}, +${typeLen}) runs past the end of the data (${dataLen} bytes)`);
  }
  if (strOff + strLen > dataLen) {
    throw new BtfError(`string section [${strOff}, +${strLen}) runs past the end of the data (${dataLen} bytes)`);
  }
  if (typeOff < strOff + strLen && strOff < typeOff + typeLen) {
    throw new BtfError('type and string sections overlap');
  }
  const start = view.byteOffset + hdrLen;
  const strings = new BtfStrings(new Uint8Array(view.buffer, start + strOff, strLen));
  return { typeStart: hdrLen + typeOff, typeEnd: hdrLen + typeOff + typeLen, strings };
}

/**
 * Decodes every type record. Records are variable-length, so the walk checks
 * each record's full size before reading it; the number of types is thus
 * bounded by the section length, never by a count field.
 */
export function parseTypes(bytes: Uint8Array): { types: BtfType[]; strings: BtfStrings } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { typeStart, typeEnd, strings } = readLayout(view);
  const types: BtfType[] = [{ id: 0, kind: 'void', name: '' }];
  let off = typeStart;
  const need = (n: number, id: number): void => {
    if (off + n > typeEnd) {
      throw new BtfError(`type [${id}] at offset ${off - typeStart}: record truncated (needs ${n} bytes, ${typeEnd - off} left)`);
    }
  };
  while (off < typeEnd) {
    const id = types.length;
    need(12, id);
    const nameOff = view.getUint32(off, true);
    const info = view.getUint32(off + 4, true);
    const sizeOrType = view.getUint32(off + 8, true);
    off += 12;
    const vlen = info & 0xffff;
    const kindNum = (info >>> 24) & 0x1f;
    const kindFlag = (info >>> 31) === 1;
    const kind = BTF_KINDS[kindNum];
    if (kind === undefined || kind === 'void') {
      throw new BtfError(`type [${id}]: unknown kind ${kindNum}`);
    }
    const what = `type [${id}]`;
    const name = strings.at(nameOff, what);
    switch (kind) {
      case 'int': {
        need(4, id);
        const v = view.getUint32(off, true);
        off += 4;
        const bits = v & 0xff;
        const bitOffset = (v >>> 16) & 0xff;
        if (bits === 0 || bits > 128 || bitOffset + bits > sizeOrType * 8 || sizeOrType > 16) {
          throw new BtfError(`${what} int '${name}': invalid size ${sizeOrType} / bits ${bits} / offset ${bitOffset}`);
        }
        types.push({ id, kind, name, size: sizeOrType, encoding: (v >>> 24) & 0x0f, bitOffset, bits });
        break;
      }
      case 'ptr':
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'type_tag':
        types.push({ id, kind, name, type: sizeOrType });
        break;
      case 'fwd':
        types.push({ id, kind, name, isUnion: kindFlag });
        break;
      case 'func':
        types.push({ id, kind, name, type: sizeOrType, linkage: vlen });
        break;
      case 'float':
        types.push({ id, kind, name, size: sizeOrType });
        break;
      case 'array': {
        need(12, id);
        types.push({
          id, kind, name,
          type: view.getUint32(off, true),
          indexType: view.getUint32(off + 4, true),
          nelems: view.getUint32(off + 8, true),
        });
        off += 12;
        break;
      }
      case 'struct':
      case 'union': {
        need(12 * vlen, id);
        const members = [];
        for (let i = 0; i < vlen; i++, off += 12) {
          const raw = view.getUint32(off + 8, true);
          members.push({
            name: strings.at(view.getUint32(off, true), `${what} member #${i}`),
            type: view.getUint32(off + 4, true),
            bitOffset: kindFlag ? raw & 0xffffff : raw,
            bitfieldSize: kindFlag ? raw >>> 24 : 0,
          });
        }
        types.push({ id, kind, name, size: sizeOrType, members });
        break;
      }
      case 'enum':
      case 'enum64': {
        const rec = kind === 'enum' ? 8 : 12;
        need(rec * vlen, id);
        const values = [];
        for (let i = 0; i < vlen; i++, off += rec) {
          const valueName = strings.at(view.getUint32(off, true), `${what} enumerator #${i}`);
          let value: bigint;
          if (kind === 'enum') {
            value = kindFlag ? BigInt(view.getInt32(off + 4, true)) : BigInt(view.getUint32(off + 4, true));
          } else {
            const raw = (BigInt(view.getUint32(off + 8, true)) << 32n) | BigInt(view.getUint32(off + 4, true));
            value = kindFlag ? BigInt.asIntN(64, raw) : raw;
          }
          values.push({ name: valueName, value });
        }
        types.push({ id, kind, name, size: sizeOrType, signed: kindFlag, values });
        break;
      }
      case 'func_proto': {
        need(8 * vlen, id);
        const params = [];
        for (let i = 0; i < vlen; i++, off += 8) {
          params.push({
            name: strings.at(view.getUint32(off, true), `${what} param #${i}`),
            type: view.getUint32(off + 4, true),
          });
        }
        types.push({ id, kind, name, type: sizeOrType, params });
        break;
      }
      case 'var': {
        need(4, id);
        types.push({ id, kind, name, type: sizeOrType, linkage: view.getUint32(off, true) });
        off += 4;
        break;
      }
      case 'datasec': {
        need(12 * vlen, id);
        const vars = [];
        for (let i = 0; i < vlen; i++, off += 12) {
          vars.push({
            type: view.getUint32(off, true),
            offset: view.getUint32(off + 4, true),
            size: view.getUint32(off + 8, true),
          });
        }
        types.push({ id, kind, name, size: sizeOrType, vars });
        break;
      }
      case 'decl_tag': {
        need(4, id);
        types.push({ id, kind, name, type: sizeOrType, componentIdx: view.getInt32(off, true) });
        off += 4;
        break;
      }
    }
  }
  checkReferences(types);
  return { types, strings };
}

/** Every type id a record points at must exist, so later walks never index past the table. */
function checkReferences(types: BtfType[]): void {
  const check = (from: BtfType, to: number, role: string): void => {
    if (to >= types.length) {
      throw new BtfError(`type [${from.id}] ${from.kind} '${from.name}': ${role} refers to missing type [${to}]`);
    }
  };
  for (const t of types) {
    switch (t.kind) {
      case 'ptr': case 'typedef': case 'volatile': case 'const': case 'restrict': case 'type_tag':
      case 'func': case 'var': case 'decl_tag':
        check(t, t.type, 'type');
        break;
      case 'func_proto':
        check(t, t.type, 'return type');
        t.params.forEach((p, i) => check(t, p.type, `param #${i}`));
        break;
      case 'array':
        check(t, t.type, 'element type');
        check(t, t.indexType, 'index type');
        break;
      case 'struct': case 'union':
        t.members.forEach((m, i) => check(t, m.type, `member #${i} '${m.name}'`));
        break;
      case 'datasec':
        t.vars.forEach((v, i) => check(t, v.type, `var #${i}`));
        break;
      default:
        break;
    }
  }
}
