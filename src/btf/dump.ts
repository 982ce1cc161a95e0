import type { Btf } from './btf.js';
import { BtfError } from './errors.js';
import { isModifier } from './kinds.js';
import type { JsonWriter } from './json.js';
import { BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, type BtfType, type BtfTypeOf } from './types.js';

export interface DumpOptions {
  /**
   * bpftool prints a few things differently in plain mode and in `-j` mode:
   * pointers (`0x1234`/`(nil)` vs decimal), bitfields (bare vs quoted hex)
   * and unprintable CHAR-encoded ints (`0x5` vs `"\u0005"`).
   */
  plainText: boolean;
}

/** Deeper nesting than this only comes from hostile self-referencing BTF. */
const MAX_NESTING = 64;
/**
 * Zero-sized members and elements add output without consuming bytes, so a
 * crafted type could expand without end; real values stay far below this
 * many printed items per input byte.
 */
const NODES_PER_BYTE = 16;
const MIN_NODE_BUDGET = 4096;

/**
 * Writes `bytes` as a value of BTF type `typeId` to `out` the way bpftool's
 * btf_dumper does for `bpftool map dump`: item by item, as it walks the
 * type, so a value of megabytes never exists as a tree. Floats, which
 * bpftool 7.1 cannot print, come out as C's "%f" would.
 */
export function dumpBtfValue(btf: Btf, typeId: number, bytes: Uint8Array, options: DumpOptions, out: JsonWriter): void {
  new Dumper(btf, bytes, options.plainText, out).value(typeId, 0, 0, 0);
}

class Dumper {
  private readonly view: DataView;
  private budget: number;

  constructor(
    private readonly btf: Btf,
    private readonly bytes: Uint8Array,
    private readonly plainText: boolean,
    private readonly out: JsonWriter,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.budget = Math.max(MIN_NODE_BUDGET, bytes.length * NODES_PER_BYTE);
  }

  value(typeId: number, offset: number, bitOffset: number, depth: number): void {
    if (depth > MAX_NESTING) throw new BtfError(`type [${typeId}]: nesting deeper than ${MAX_NESTING}`);
    if (--this.budget < 0) throw new BtfError(`type [${typeId}]: value of ${this.bytes.length} bytes expands to too many items`);
    const t = this.btf.typeById(typeId);
    switch (t.kind) {
      case 'int':
        return this.int(t, offset, bitOffset);
      case 'struct':
      case 'union':
        return this.struct(t, offset, depth);
      case 'array':
        return this.array(t, offset, depth);
      case 'enum':
        return this.enum32(t, offset);
      case 'enum64':
        return this.enum64(t, offset);
      case 'ptr': {
        const v = this.unsigned(offset, 8);
        if (!this.plainText) return this.out.raw(v.toString());
        return this.out.raw(v === 0n ? '(nil)' : `0x${v.toString(16)}`);
      }
      case 'float':
        return this.out.raw(this.float(t, offset));
      case 'void':
        return this.out.raw('(unknown)');
      case 'typedef': case 'volatile': case 'const': case 'restrict': case 'type_tag':
        return this.value(t.type, offset, bitOffset, depth + 1);
      case 'var':
        this.out.startObject();
        this.out.name(t.name);
        this.value(t.type, offset, bitOffset, depth + 1);
        return this.out.endObject();
      case 'datasec':
        this.out.startObject();
        this.out.name(t.name);
        this.out.startArray();
        for (const v of t.vars) this.value(v.type, offset + v.offset, 0, depth + 1);
        this.out.endArray();
        return this.out.endObject();
      default:
        throw new BtfError(`type [${typeId}]: cannot format a value of kind ${t.kind}`);
    }
  }

  private need(offset: number, size: number): void {
    if (offset < 0 || offset + size > this.bytes.length) {
      throw new BtfError(`value too short: need bytes [${offset}, ${offset + size}) of a ${this.bytes.length}-byte buffer`);
    }
  }

  private unsigned(offset: number, size: number): bigint {
    this.need(offset, size);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[offset + i]!);
    return v;
  }

  /** Bitfield extraction as btf_dumper_bitfield: little-endian, up to 128 bits, printed in hex. */
  private bits(offset: number, bitOffset: number, nrBits: number): void {
    if (--this.budget < 0) throw new BtfError(`value of ${this.bytes.length} bytes expands to too many items`);
    const total = bitOffset + nrBits;
    const v = (this.unsigned(offset, Math.ceil(total / 8)) >> BigInt(bitOffset)) & ((1n << BigInt(nrBits)) - 1n);
    const hex = `0x${v.toString(16)}`;
    this.out.raw(this.plainText ? hex : `"${hex}"`);
  }

  private int(t: BtfTypeOf<'int'>, offset: number, bitOffset: number): void {
    if (bitOffset !== 0 || t.bitOffset !== 0 || t.bits % 8 !== 0) {
      const total = bitOffset + t.bitOffset;
      return this.bits(offset + (total >> 3), total & 7, t.bits);
    }
    if (t.bits === 128) return this.bits(offset, 0, 128);
    if (t.encoding === BTF_INT_CHAR) {
      const c = this.unsigned(offset, 1);
      const code = Number(c);
      if (code >= 0x20 && code < 0x7f) return this.out.raw(`"${String.fromCharCode(code)}"`);
      return this.out.raw(this.plainText ? `0x${c.toString(16)}` : `"\\u00${c.toString(16).padStart(2, '0')}"`);
    }
    if (t.encoding === BTF_INT_BOOL) return this.out.raw(this.unsigned(offset, 1) !== 0n ? 'true' : 'false');
    if ((t.bits !== 8 && t.bits !== 16 && t.bits !== 32 && t.bits !== 64) || (t.encoding & ~BTF_INT_SIGNED) !== 0) {
      return this.bits(offset, 0, t.bits);
    }
    this.need(offset, t.bits / 8);
    this.out.raw(this.integer(offset, t.bits, t.encoding === BTF_INT_SIGNED));
  }

  /** A whole integer in decimal; up to 32 bits without a BigInt, as a value of megabytes may hold millions of them. */
  private integer(offset: number, bits: number, signed: boolean): string {
    const v = this.view;
    switch (bits) {
      case 8:
        return String(signed ? v.getInt8(offset) : v.getUint8(offset));
      case 16:
        return String(signed ? v.getInt16(offset, true) : v.getUint16(offset, true));
      case 32:
        return String(signed ? v.getInt32(offset, true) : v.getUint32(offset, true));
      default:
        return String(signed ? v.getBigInt64(offset, true) : v.getBigUint64(offset, true));
    }
  }

  private struct(t: BtfTypeOf<'struct' | 'union'>, offset: number, depth: number): void {
    this.out.startObject();
    for (const m of t.members) {
      const at = offset + (m.bitOffset >> 3);
      this.out.name(m.name);
      if (m.bitfieldSize !== 0) this.bits(at, m.bitOffset & 7, m.bitfieldSize);
      else this.value(m.type, at, m.bitOffset & 7, depth + 1);
    }
    this.out.endObject();
  }

  private array(t: BtfTypeOf<'array'>, offset: number, depth: number): void {
    const str = this.stringArray(t, offset);
    if (str !== undefined) return this.out.string(str);
    const elemSize = this.btf.resolveSize(t.type);
    this.need(offset, elemSize * t.nelems);
    this.out.startArray();
    for (let i = 0; i < t.nelems; i++) this.value(t.type, offset + i * elemSize, 0, depth + 1);
    this.out.endArray();
  }

  /**
   * bpftool prints a char array as a string only when it holds printable
   * ASCII up to a NUL inside the array; typedefs of char do not count.
   */
  private stringArray(t: BtfTypeOf<'array'>, offset: number): string | undefined {
    if (t.nelems === 0) return undefined;
    let elem: BtfType = this.btf.typeById(t.type);
    for (let i = 0; isModifier(elem.kind) && i < MAX_NESTING; i++) elem = this.btf.typeById((elem as { type: number }).type);
    if (elem.kind !== 'int' || elem.size !== 1) return undefined;
    if (elem.encoding !== BTF_INT_CHAR && elem.name !== 'char') return undefined;
    this.need(offset, t.nelems);
    let s = '';
    for (let i = 0; i < t.nelems; i++) {
      const c = this.bytes[offset + i]!;
      if (c === 0) return s;
      if (c <= 0x1f || c >= 0x7f) return undefined;
      s += String.fromCharCode(c);
    }
    return undefined;
  }

  private enum32(t: BtfTypeOf<'enum'>, offset: number): void {
    if (![1, 2, 4, 8].includes(t.size)) throw new BtfError(`type [${t.id}]: enum size ${t.size} unsupported`);
    const value = BigInt.asIntN(t.size * 8, this.unsigned(offset, t.size));
    const hit = t.values.find((e) => BigInt.asIntN(32, e.value) === value);
    if (hit) this.out.string(hit.name);
    else this.out.raw(value.toString());
  }

  private enum64(t: BtfTypeOf<'enum64'>, offset: number): void {
    const value = this.unsigned(offset, 8);
    const hit = t.values.find((e) => BigInt.asUintN(64, e.value) === value);
    if (hit) return this.out.string(hit.name);
    this.out.raw((t.signed ? BigInt.asIntN(64, value) : value).toString());
  }

  private float(t: BtfTypeOf<'float'>, offset: number): string {
    this.need(offset, t.size);
    if (t.size === 4) return printfF(this.view.getFloat32(offset, true));
    if (t.size === 8) return printfF(this.view.getFloat64(offset, true));
    throw new BtfError(`type [${t.id}]: float of size ${t.size} unsupported`);
  }
}

/** C's "%f" for the values toFixed spells differently (non-finite and huge ones). */
function printfF(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Math.abs(v) < 1e21) return v.toFixed(6);
  return `${BigInt(v)}.000000`;
}
