import { dumpBtfValue, writeJson, type Btf, type DumpNode } from '../btf/index.js';
import type { MapValue } from './map.js';

export interface MapTypeInfo {
  keyTypeId: number;
  valueTypeId: number;
}

const raw = (text: string): DumpNode => ({ kind: 'raw', text });

/** Bytes as bpftool prints them without BTF: `["0x01","0x00",...]`. */
function hexBytes(bytes: Uint8Array): DumpNode {
  return { kind: 'array', items: Array.from(bytes, (b) => ({ kind: 'string' as const, value: `0x${b.toString(16).padStart(2, '0')}` })) };
}

function node(btf: Btf | undefined, typeId: number, bytes: Uint8Array): DumpNode {
  return btf && typeId !== 0 ? dumpBtfValue(btf, typeId, bytes, { plainText: true }) : hexBytes(bytes);
}

/**
 * A map's entries as plain `bpftool map dump` shows them: with BTF, keys and
 * values as typed values; per-CPU maps list `values` by CPU; without BTF, bytes.
 */
export function formatMapDump(entries: Array<[Uint8Array, MapValue]>, types: MapTypeInfo, btf: Btf | undefined): string {
  const items: DumpNode[] = entries.map(([key, value]) => {
    const fields: Array<[string, DumpNode]> = [['key', node(btf, types.keyTypeId, key)]];
    if (Array.isArray(value)) {
      const perCpu = value.map<DumpNode>((v, cpu) => ({
        kind: 'object',
        fields: [
          ['cpu', raw(String(cpu))],
          ['value', node(btf, types.valueTypeId, v)],
        ],
      }));
      fields.push(['values', { kind: 'array', items: perCpu }]);
    } else {
      fields.push(['value', node(btf, types.valueTypeId, value)]);
    }
    return { kind: 'object', fields };
  });
  return writeJson({ kind: 'array', items }, true);
}
