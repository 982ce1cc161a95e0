import { printableName } from '../../encoding/names.js';
import { loadObject } from '../../loader/load.js';
import { HexError, parseHexStrict } from '../../encoding/hex.js';
import type { Btf } from '../../btf/index.js';
import { fprintHex, printEntryPlain, writeMapDump, type MapTypeInfo } from '../../maps/format.js';
import type { BpfMap } from '../../maps/map.js';
import { openPinned, pinMap } from '../../maps/pin.js';
import { BPF_ANY, BPF_EXIST, BPF_NOEXIST, MAP_TYPE_NAMES } from '../../uapi/bpf.js';
import { UsageError, type Command } from '../command.js';
import { Output } from '../output.js';

const USAGE = `usage: xdpsim map show OBJ
       xdpsim map dump    MAP
       xdpsim map lookup  MAP key [hex] BYTES
       xdpsim map getnext MAP [key [hex] BYTES]
       xdpsim map update  pinned PATH key [hex] BYTES value [hex] BYTES [any|noexist|exist]
       xdpsim map delete  pinned PATH key [hex] BYTES

       MAP := pinned PATH | object OBJ name NAME

bpftool's map grammar. 'show' lists the maps an object defines. A pinned map is
a file written by 'xdpsim run --pin-dir DIR' (maps declared LIBBPF_PIN_BY_NAME)
or 'xdpsim run --pinmaps DIR' (every map), the simulator's stand-in for
/sys/fs/bpf; update and delete change it there. 'object OBJ name NAME' is a map
of a freshly loaded object: its initial contents (global data, prog array and
map-in-map presets), dumped with BTF as bpftool dumps a map that has it.
BYTES are numbers, one byte each (0x0a 10 ...), or with 'hex' hex digits
(hex 0a 00 00 01, or hex 0a000001).`;

const KEYWORDS = new Set(['key', 'value', 'any', 'noexist', 'exist']);

/** One operand after `hex`: pairs of hex digits, without 0x. */
function hexOperand(t: string, what: string): Uint8Array {
  try {
    if (t !== '' && !/^0x/i.test(t)) return parseHexStrict(t);
  } catch (e) {
    // Said below, with the operand.
    if (!(e instanceof HexError)) throw e;
  }
  throw new UsageError(`${what}: '${t}' is not hex bytes`);
}

/** Reads `key [hex] BYTES` style operands starting at args[i]; returns the bytes and the next index. */
function bytesAt(args: string[], i: number, what: string): [Uint8Array, number] {
  const out: Uint8Array[] = [];
  let hex = false;
  if (args[i] === 'hex') {
    hex = true;
    i++;
  }
  for (; i < args.length && !KEYWORDS.has(args[i]!); i++) {
    const t = args[i]!;
    if (hex) {
      out.push(hexOperand(t, what));
    } else {
      const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
      if (!(n >= 0 && n <= 255)) throw new UsageError(`${what}: '${t}' is not a byte (use 'hex' for hex digits)`);
      out.push(Uint8Array.of(n));
    }
  }
  if (out.length === 0) throw new UsageError(`${what}: no bytes given`);
  return [new Uint8Array(Buffer.concat(out)), i];
}

interface MapRef {
  map: BpfMap;
  /** The pinned file, for 'pinned PATH'; undefined for a map of an object. */
  path: string | undefined;
  btf?: { btf: Btf | undefined; types: MapTypeInfo };
  /** Index in the arguments after the map reference. */
  next: number;
}

/** `pinned PATH` or `object OBJ name NAME`, at the start of `args`. */
function openMap(args: string[], verb: string): MapRef {
  if (args[0] === 'pinned' && args[1] !== undefined) {
    const path = args[1];
    return { map: openPinned(path), path, next: 2 };
  }
  if (args[0] === 'object' && args[1] !== undefined && args[2] === 'name' && args[3] !== undefined) {
    const obj = loadObject(args[1]);
    const def = obj.object.maps.find((d) => d.name === args[3]);
    if (!def) throw new UsageError(`${args[1]} has no map named ${args[3]}`);
    const types = { keyTypeId: def.btfKeyTypeId, valueTypeId: def.btfValueTypeId };
    return { map: obj.map(def.name), path: undefined, btf: { btf: obj.object.btf, types }, next: 4 };
  }
  throw new UsageError(`map ${verb} takes 'pinned PATH' or 'object OBJ name NAME'`);
}

/** Only a pinned map keeps a change; a map of an object is loaded afresh each time. */
function pinnedPath(path: string | undefined, verb: string): string {
  if (path === undefined) throw new UsageError(`map ${verb} changes pinned maps only: an object's map is not kept`);
  return path;
}

export const mapCommand: Command = {
  name: 'map',
  summary: 'show, dump, look up and change maps (bpftool map grammar)',
  usage: USAGE,
  async run(args, io) {
    const [verb, ...rest] = args;
    if (verb === 'show' || verb === 'list') {
      if (rest.length !== 1) throw new UsageError('map show takes one object file');
      const obj = loadObject(rest[0]!);
      const lines: string[] = [];
      [...obj.maps.values()].forEach((m, i) => {
        const s = m.spec;
        lines.push(`${i + 1}: ${MAP_TYPE_NAMES[s.type] ?? `type ${s.type}`}  name ${printableName(s.name)}  flags 0x${s.flags.toString(16)}`);
        lines.push(`\tkey ${s.keySize}B  value ${s.valueSize}B  max_entries ${s.maxEntries}`);
      });
      io.stdout(lines.join('\n') + '\n');
      return 0;
    }
    if (!['dump', 'lookup', 'update', 'delete', 'getnext'].includes(verb ?? '')) throw new UsageError(`unknown map command '${verb ?? ''}'`);
    const ref = openMap(rest, verb!);
    const { map, path } = ref;
    let i = ref.next;
    const key = (): Uint8Array => {
      if (rest[i] !== 'key') throw new UsageError(`map ${verb}: expected 'key'`);
      const [bytes, next] = bytesAt(rest, i + 1, 'key');
      i = next;
      return bytes;
    };
    const end = (): void => {
      if (i < rest.length) throw new UsageError(`map ${verb}: unexpected '${rest[i]}'`);
    };
    switch (verb) {
      case 'dump': {
        end();
        const out = Output.stdout(io);
        try {
          if (ref.btf?.btf && (ref.btf.types.keyTypeId !== 0 || ref.btf.types.valueTypeId !== 0)) {
            await writeMapDump(map.entries(), ref.btf.types, ref.btf.btf, out);
            out.write('\n');
            return 0;
          }
          let n = 0;
          for (const [k, v] of map.entries()) {
            out.write(printEntryPlain(k, v) + '\n');
            n++;
            await out.drain();
          }
          out.write(`Found ${n} element${n === 1 ? '' : 's'}\n`);
          return 0;
        } finally {
          out.close();
        }
      }
      case 'lookup': {
        const k = key();
        end();
        const v = map.lookupElem(k);
        if (v === undefined) {
          io.stderr(`Error: key ${fprintHex(k)} not found in ${path ?? printableName(map.spec.name)}\n`);
          return 1;
        }
        io.stdout(printEntryPlain(k, v) + '\n');
        return 0;
      }
      case 'update': {
        const k = key();
        if (rest[i] !== 'value') throw new UsageError(`map update: expected 'value'`);
        const [v, next] = bytesAt(rest, i + 1, 'value');
        i = next;
        const flag = rest[i];
        const flags = flag === 'noexist' ? BPF_NOEXIST : flag === 'exist' ? BPF_EXIST : BPF_ANY;
        if (flag !== undefined) i++;
        end();
        map.updateElem(k, v, flags);
        pinMap(map, pinnedPath(path, verb));
        return 0;
      }
      case 'delete': {
        const k = key();
        end();
        map.deleteElem(k);
        pinMap(map, pinnedPath(path, verb));
        return 0;
      }
      default: {
        const k = rest[i] === 'key' ? key() : undefined;
        end();
        const next = map.nextKeyElem(k);
        if (next === undefined) {
          io.stderr(`Error: no next key${k ? ` after ${fprintHex(k)}` : ''} in ${path ?? printableName(map.spec.name)}\n`);
          return 1;
        }
        io.stdout(`${k ? `key:\n${fprintHex(k)}\n` : 'key: None\n'}next key:\n${fprintHex(next)}\n`);
        return 0;
      }
    }
  },
};
