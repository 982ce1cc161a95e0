import { BTF_INT_SIGNED } from '../btf/index.js';
import { BPF_F_RDONLY_PROG } from '../uapi/bpf.js';
import { ElfError } from './errors.js';
import type { GlobalVariable, MapDef, ObjectFile } from './types.js';

interface Located {
  map: MapDef;
  variable: GlobalVariable;
}

function locate(obj: ObjectFile, name: string): Located {
  for (const map of obj.maps) {
    if (map.origin !== 'data') continue;
    const variable = map.variables.find((v) => v.name === name);
    if (variable !== undefined) return { map, variable };
  }
  throw new ElfError(`global variable '${name}' not found in any global-data section`);
}

/** A copy of a global variable's current initial bytes. */
export function getGlobal(obj: ObjectFile, name: string): Uint8Array {
  const { map, variable } = locate(obj, name);
  return map.data!.slice(variable.offset, variable.offset + variable.size);
}

/**
 * Sets a global variable's initial value before load, the way a libbpf
 * skeleton's `skel->rodata->x = ...` does: this is how `const volatile`
 * configuration reaches a program. A number or bigint is accepted for
 * integer and enum variables and stored little-endian after a range check;
 * bytes must match the variable's size exactly. After freezeGlobals the
 * values belong to the loaded maps and cannot change here.
 */
export function setGlobal(obj: ObjectFile, name: string, value: Uint8Array | number | bigint): void {
  const { map, variable } = locate(obj, name);
  if (obj.frozen) {
    const what = (map.mapFlags & BPF_F_RDONLY_PROG) !== 0 ? 'is read-only after load' : 'belongs to the loaded map now';
    throw new ElfError(`global variable '${name}' in '${map.sectionName}' ${what}`);
  }
  const bytes = value instanceof Uint8Array ? value : encodeInteger(obj, variable, value);
  if (bytes.length !== variable.size) {
    throw new ElfError(`global variable '${name}' is ${variable.size} bytes, got ${bytes.length}`);
  }
  map.data!.set(bytes, variable.offset);
}

/** Marks the object as loaded: from now on its global-data maps hold the live values. */
export function freezeGlobals(obj: ObjectFile): void {
  obj.frozen = true;
}

function encodeInteger(obj: ObjectFile, variable: GlobalVariable, value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isInteger(value)) {
    throw new ElfError(`global variable '${variable.name}': ${value} is not an integer`);
  }
  const t = obj.btf?.skipModsAndTypedefs(variable.typeId);
  let signed: boolean;
  if (t?.kind === 'int' && t.bitOffset === 0 && t.bits === t.size * 8) signed = (t.encoding & BTF_INT_SIGNED) !== 0;
  else if (t?.kind === 'enum' || t?.kind === 'enum64') signed = t.signed;
  else throw new ElfError(`global variable '${variable.name}' is not an integer or enum; pass its bytes`);
  const bits = BigInt(variable.size * 8);
  const v = BigInt(value);
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (v < min || v > max) {
    throw new ElfError(`global variable '${variable.name}': ${value} does not fit in ${signed ? 'signed' : 'unsigned'} ${bits} bits`);
  }
  const out = new Uint8Array(variable.size);
  let u = BigInt.asUintN(Number(bits), v);
  for (let i = 0; i < out.length; i++, u >>= 8n) out[i] = Number(u & 0xffn);
  return out;
}
