import { dumpBtfValue, JsonWriter, type Btf } from '../btf/index.js';
import type { MapValue } from './map.js';

export interface MapTypeInfo {
  keyTypeId: number;
  valueTypeId: number;
}

/**
 * Where a dump goes. `write` takes text as it is made (gathering it into
 * chunks is the destination's business); `drain` resolves once the
 * destination has caught up, so a slow reader of a pipe holds the dump
 * back instead of letting it pile up in memory.
 */
export interface TextOut {
  write(text: string): void;
  drain(): Promise<void>;
}

/** `"0x00"` .. `"0xff"`: the strings bpftool writes for bytes, made once. */
const BYTE_STRINGS = Array.from({ length: 256 }, (_, b) => `0x${b.toString(16).padStart(2, '0')}`);

/** Bytes as bpftool writes them without BTF: `["0x01","0x00",...]`. */
function hexBytes(w: JsonWriter, bytes: Uint8Array): void {
  w.startArray();
  for (const b of bytes) w.string(BYTE_STRINGS[b]!);
  w.endArray();
}

function value(w: JsonWriter, btf: Btf | undefined, typeId: number, bytes: Uint8Array): void {
  if (btf && typeId !== 0) dumpBtfValue(btf, typeId, bytes, { plainText: true }, w);
  else hexBytes(w, bytes);
}

/**
 * Writes entries as plain `bpftool map dump` shows them: with BTF, keys and
 * values as typed values; per-CPU maps list `values` by CPU; without BTF,
 * bytes. One entry at a time, waiting for `out` between entries: memory
 * stays within one entry whatever the map holds. Ends without a newline.
 */
export async function writeMapDump(entries: Iterable<[Uint8Array, MapValue]>, types: MapTypeInfo, btf: Btf | undefined, out: TextOut): Promise<void> {
  const w = new JsonWriter((text) => out.write(text), true);
  w.startArray();
  for (const [key, v] of entries) {
    w.startObject();
    w.name('key');
    value(w, btf, types.keyTypeId, key);
    if (Array.isArray(v)) {
      w.name('values');
      w.startArray();
      v.forEach((slot, cpu) => {
        w.startObject();
        w.name('cpu');
        w.raw(String(cpu));
        w.name('value');
        value(w, btf, types.valueTypeId, slot);
        w.endObject();
      });
      w.endArray();
    } else {
      w.name('value');
      value(w, btf, types.valueTypeId, v);
    }
    w.endObject();
    await out.drain();
  }
  w.endArray();
}

const HEX_DIGITS = '0123456789abcdef';

/**
 * bpftool's fprint_hex: two hex digits per byte, separated by a space, two
 * after every 8 bytes, and a new line after every 16. Written into one
 * buffer, as a value may be megabytes long.
 */
export function fprintHex(bytes: Uint8Array): string {
  const out = Buffer.allocUnsafe(bytes.length * 4);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (i % 16 === 0) {
      if (i > 0) out[n++] = 0x0a;
    } else {
      out[n++] = 0x20;
      if (i % 8 === 0) out[n++] = 0x20;
    }
    out[n++] = HEX_DIGITS.charCodeAt(bytes[i]! >> 4);
    out[n++] = HEX_DIGITS.charCodeAt(bytes[i]! & 15);
  }
  return out.toString('latin1', 0, n);
}

/**
 * An entry as plain bpftool prints it without BTF (print_entry_plain), no
 * final newline: key and value on one line when both are short, each under
 * its name when either is over 16 bytes; per-CPU values one per CPU.
 */
export function printEntryPlain(key: Uint8Array, value: MapValue): string {
  if (Array.isArray(value)) {
    const cpus = value.map((v, cpu) => `value (CPU ${String(cpu).padStart(2, '0')}):${v.length > 16 ? '\n' : ' '}${fprintHex(v)}`);
    return ['key:', fprintHex(key), ...cpus].join('\n');
  }
  const breakNames = key.length > 16 || value.length > 16;
  const singleLine = key.length + value.length <= 24 && !breakNames;
  const sep = breakNames ? '\n' : ' ';
  const k = key.length > 0 ? `key:${sep}${fprintHex(key)}${singleLine ? '  ' : '\n'}` : '';
  return value.length > 0 ? `${k}value:${sep}${fprintHex(value)}` : k;
}
