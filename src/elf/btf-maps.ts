import { BTF_VAR_GLOBAL_ALLOCATED, BTF_VAR_STATIC, type Btf, type BtfMember, type BtfTypeOf } from '../btf/index.js';
import {
  BPF_MAP_TYPE_ARRAY_OF_MAPS,
  BPF_MAP_TYPE_CGROUP_ARRAY,
  BPF_MAP_TYPE_CPUMAP,
  BPF_MAP_TYPE_DEVMAP,
  BPF_MAP_TYPE_DEVMAP_HASH,
  BPF_MAP_TYPE_HASH_OF_MAPS,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_SOCKHASH,
  BPF_MAP_TYPE_SOCKMAP,
  BPF_MAP_TYPE_STACK,
  BPF_MAP_TYPE_STACK_TRACE,
  BPF_MAP_TYPE_XSKMAP,
} from '../uapi/bpf.js';
import { ElfError } from './errors.js';
import type { MapDef } from './types.js';

const LIBBPF_PIN_NONE = 0;
const LIBBPF_PIN_BY_NAME = 1;

export function isMapInMap(type: number): boolean {
  return type === BPF_MAP_TYPE_ARRAY_OF_MAPS || type === BPF_MAP_TYPE_HASH_OF_MAPS;
}

/** A map defined in `.maps`, with where its variable lies in the section (for relocation lookup). */
export interface BtfMapSpec {
  def: MapDef;
  offset: number;
  size: number;
  /** Byte offset of a trailing `values` member, where `.rel.maps` slot relocations point. */
  valuesOffset: number | undefined;
}

/**
 * Reads the BTF-defined maps of DATASEC `.maps` (libbpf's
 * bpf_object__init_user_btf_map). `strict` rejects unknown definition
 * fields as libbpf does by default; lenient mode ignores them as iproute2
 * (relaxed_maps) does.
 */
export function parseBtfMaps(btf: Btf, sectionName: string, sectionSize: number, strict: boolean): BtfMapSpec[] {
  const datasecId = btf.findByName(sectionName, 'datasec');
  if (datasecId === undefined) throw new ElfError(`DATASEC '${sectionName}' not found in BTF`);
  const datasec = btf.typeOfKind(datasecId, 'datasec', sectionName);
  return datasec.vars.map((vsi, i) => {
    const v = btf.typeById(vsi.type);
    if (v.kind !== 'var') throw new ElfError(`map #${i}: unexpected var kind ${v.kind}.`);
    const name = v.name;
    if (v.linkage !== BTF_VAR_GLOBAL_ALLOCATED && v.linkage !== BTF_VAR_STATIC) {
      throw new ElfError(`map '${name}': unsupported map linkage ${v.linkage}.`);
    }
    const def = btf.skipModsAndTypedefs(v.type);
    if (def.kind !== 'struct') throw new ElfError(`map '${name}': unexpected def kind ${def.kind}.`);
    if (def.size > vsi.size) throw new ElfError(`map '${name}': invalid def size.`);
    if (vsi.offset + vsi.size > sectionSize) {
      throw new ElfError(`map '${name}': definition [${vsi.offset}, +${vsi.size}) lies outside section '${sectionName}'`);
    }
    const last = def.members[def.members.length - 1];
    return {
      def: parseMapDef(btf, name, def, sectionName, strict, false),
      offset: vsi.offset,
      size: vsi.size,
      valuesOffset: last?.name === 'values' ? Math.floor(last.bitOffset / 8) : undefined,
    };
  });
}

function emptyDef(name: string, sectionName: string): MapDef {
  return {
    name, sectionName, origin: 'btf', type: 0, keySize: 0, valueSize: 0, maxEntries: 0, mapFlags: 0,
    numaNode: 0, mapExtra: 0n, pinning: LIBBPF_PIN_NONE, btfKeyTypeId: 0, btfValueTypeId: 0,
    inner: undefined, initSlots: [], data: undefined, variables: [], legacy: undefined,
  };
}

/** libbpf's parse_btf_map_def: one struct of `__uint`/`__type`/`__array` members. */
function parseMapDef(
  btf: Btf, name: string, def: BtfTypeOf<'struct'>, sectionName: string, strict: boolean, isInner: boolean,
): MapDef {
  const out = emptyDef(name, sectionName);
  def.members.forEach((m, i) => {
    switch (m.name) {
      case 'type': out.type = fieldInt(btf, name, m); break;
      case 'max_entries': out.maxEntries = fieldInt(btf, name, m); break;
      case 'map_flags': out.mapFlags = fieldInt(btf, name, m); break;
      case 'numa_node': out.numaNode = fieldInt(btf, name, m); break;
      case 'map_extra': out.mapExtra = fieldLong(btf, name, m); break;
      case 'key_size': out.keySize = agreeSize(name, 'key', out.keySize, fieldInt(btf, name, m)); break;
      case 'value_size': out.valueSize = agreeSize(name, 'value', out.valueSize, fieldInt(btf, name, m)); break;
      case 'key':
      case 'value': {
        const t = btf.typeById(m.type);
        if (t.kind !== 'ptr') throw new ElfError(`map '${name}': ${m.name} spec is not PTR: ${t.kind}.`);
        const size = btf.resolveSize(t.type);
        if (m.name === 'key') {
          out.keySize = agreeSize(name, 'key', out.keySize, size);
          out.btfKeyTypeId = t.type;
        } else {
          out.valueSize = agreeSize(name, 'value', out.valueSize, size);
          out.btfValueTypeId = t.type;
        }
        break;
      }
      case 'values': {
        if (isInner) throw new ElfError(`map '${name}': multi-level inner maps not supported.`);
        if (i !== def.members.length - 1) throw new ElfError(`map '${name}': '${m.name}' member should be last.`);
        const isProgArray = out.type === BPF_MAP_TYPE_PROG_ARRAY;
        if (!isMapInMap(out.type) && !isProgArray) throw new ElfError(`map '${name}': should be map-in-map or prog-array.`);
        const desc = isProgArray ? 'prog-array value' : 'map-in-map inner';
        out.valueSize = agreeSize(name, 'value', out.valueSize, 4);
        const arr = btf.typeById(m.type);
        if (arr.kind !== 'array' || arr.nelems !== 0) throw new ElfError(`map '${name}': ${desc} spec is not a zero-sized array.`);
        const ptr = btf.skipModsAndTypedefs(arr.type);
        if (ptr.kind !== 'ptr') throw new ElfError(`map '${name}': ${desc} def is of unexpected kind ${ptr.kind}.`);
        const target = btf.skipModsAndTypedefs(ptr.type);
        if (isProgArray) {
          if (target.kind !== 'func_proto') throw new ElfError(`map '${name}': prog-array value def is of unexpected kind ${target.kind}.`);
          break;
        }
        if (target.kind !== 'struct') throw new ElfError(`map '${name}': map-in-map inner def is of unexpected kind ${target.kind}.`);
        out.inner = parseMapDef(btf, `${name}.inner`, target, sectionName, strict, true);
        break;
      }
      case 'pinning': {
        if (isInner) throw new ElfError(`map '${name}': inner def can't be pinned.`);
        const v = fieldInt(btf, name, m);
        if (v !== LIBBPF_PIN_NONE && v !== LIBBPF_PIN_BY_NAME) throw new ElfError(`map '${name}': invalid pinning value ${v}.`);
        out.pinning = v;
        break;
      }
      default:
        if (strict) throw new ElfError(`map '${name}': unknown field '${m.name}'.`);
    }
  });
  if (NO_BTF_MAP_TYPES.has(out.type)) {
    out.btfKeyTypeId = 0;
    out.btfValueTypeId = 0;
  }
  return out;
}

/**
 * Map types libbpf creates without BTF key/value types (bpf_object__create_map),
 * because the kernel refuses BTF for them: fd arrays, device/CPU/socket maps,
 * stack traces and queues.
 */
const NO_BTF_MAP_TYPES = new Set([
  BPF_MAP_TYPE_PERF_EVENT_ARRAY,
  BPF_MAP_TYPE_CGROUP_ARRAY,
  BPF_MAP_TYPE_STACK_TRACE,
  BPF_MAP_TYPE_ARRAY_OF_MAPS,
  BPF_MAP_TYPE_HASH_OF_MAPS,
  BPF_MAP_TYPE_DEVMAP,
  BPF_MAP_TYPE_DEVMAP_HASH,
  BPF_MAP_TYPE_CPUMAP,
  BPF_MAP_TYPE_XSKMAP,
  BPF_MAP_TYPE_SOCKMAP,
  BPF_MAP_TYPE_SOCKHASH,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_STACK,
]);

function agreeSize(name: string, what: string, current: number, next: number): number {
  if (current !== 0 && current !== next) throw new ElfError(`map '${name}': conflicting ${what} size ${current} != ${next}.`);
  return next;
}

/** `__uint(name, N)` is `int (*name)[N]`: the number is the array's element count. */
function fieldInt(btf: Btf, mapName: string, m: BtfMember): number {
  const t = btf.skipModsAndTypedefs(m.type);
  if (t.kind !== 'ptr') throw new ElfError(`map '${mapName}': attr '${m.name}': expected PTR, got ${t.kind}.`);
  const arr = btf.typeById(t.type);
  if (arr.kind !== 'array') throw new ElfError(`map '${mapName}': attr '${m.name}': expected ARRAY, got ${arr.kind}.`);
  return arr.nelems;
}

/** `__ulong(name, N)` encodes a 64-bit N as the single enumerator of an anonymous enum. */
function fieldLong(btf: Btf, mapName: string, m: BtfMember): bigint {
  const t = btf.skipModsAndTypedefs(m.type);
  if (t.kind === 'ptr') return BigInt(fieldInt(btf, mapName, m));
  if (t.kind !== 'enum' && t.kind !== 'enum64') {
    throw new ElfError(`map '${mapName}': attr '${m.name}': expected ENUM or ENUM64, got ${t.kind}.`);
  }
  if (t.values.length !== 1) throw new ElfError(`map '${mapName}': attr '${m.name}': invalid __ulong`);
  return BigInt.asUintN(64, t.values[0]!.value);
}
