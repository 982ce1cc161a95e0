import { BtfError } from './errors.js';
import { isModifier } from './kinds.js';
import { parseTypes } from './parse.js';
import type { BtfStrings } from './strings.js';
import type { BtfKind, BtfType, BtfTypeOf } from './types.js';

/** libbpf's MAX_RESOLVE_DEPTH: bounds typedef/modifier chains so a cyclic chain cannot spin. */
const MAX_RESOLVE_DEPTH = 32;
const UINT32_MAX = 0xffffffff;

/** The type graph of one `.BTF` section. Type ids index `types`; id 0 is void. */
export class Btf {
  private byName: Map<string, BtfType[]> | undefined;

  private constructor(
    readonly types: readonly BtfType[],
    readonly strings: BtfStrings,
  ) {}

  /** Parses a raw `.BTF` section; throws BtfError on any malformed record. */
  static parse(bytes: Uint8Array): Btf {
    const { types, strings } = parseTypes(bytes);
    return new Btf(types, strings);
  }

  /**
   * A copy with some types replaced (matched by id). The ELF loader uses it
   * to fill in what clang leaves out of DATASECs, as libbpf's
   * btf_fixup_datasec rewrites its in-memory BTF.
   */
  withTypes(replacements: readonly BtfType[]): Btf {
    const types = this.types.slice();
    for (const t of replacements) {
      this.typeOfKind(t.id, t.kind, 'type replacement');
      types[t.id] = t;
    }
    return new Btf(types, this.strings);
  }

  typeById(id: number): BtfType {
    const t = this.types[id];
    if (t === undefined) throw new BtfError(`type [${id}] not found (BTF has ${this.types.length - 1} types)`);
    return t;
  }

  /** The type with `id`, which must be of `kind`; `what` names the user of the type for the error. */
  typeOfKind<K extends BtfKind>(id: number, kind: K, what: string): BtfTypeOf<K> {
    const t = this.typeById(id);
    if (t.kind !== kind) throw new BtfError(`${what}: type [${id}] is ${t.kind}, expected ${kind}`);
    return t as BtfTypeOf<K>;
  }

  /** Follows const/volatile/restrict/type_tag and typedefs, as libbpf's skip_mods_and_typedefs. */
  skipModsAndTypedefs(id: number): BtfType {
    let t = this.typeById(id);
    for (let depth = 0; isModifier(t.kind) || t.kind === 'typedef'; depth++) {
      if (depth >= MAX_RESOLVE_DEPTH) throw new BtfError(`type [${id}]: modifier/typedef chain too deep (loop?)`);
      t = this.typeById((t as { type: number }).type);
    }
    return t;
  }

  /** Byte size of a type, with btf__resolve_size's rules (pointers are 8 bytes on BPF). */
  resolveSize(id: number): number {
    let nelems = 1;
    let t = this.typeById(id);
    for (let depth = 0; ; depth++) {
      if (depth >= MAX_RESOLVE_DEPTH) throw new BtfError(`type [${id}]: size resolution too deep (loop?)`);
      switch (t.kind) {
        case 'int': case 'struct': case 'union': case 'enum': case 'enum64': case 'datasec': case 'float': {
          const size = t.size * nelems;
          if (size > UINT32_MAX) throw new BtfError(`type [${id}]: size ${size} exceeds u32`);
          return size;
        }
        case 'ptr':
          return 8 * nelems;
        case 'typedef': case 'volatile': case 'const': case 'restrict': case 'type_tag': case 'var': case 'decl_tag':
          t = this.typeById(t.type);
          break;
        case 'array':
          nelems *= t.nelems;
          if (nelems > UINT32_MAX) throw new BtfError(`type [${id}]: array size exceeds u32`);
          t = this.typeById(t.type);
          break;
        default:
          throw new BtfError(`type [${id}]: ${t.kind} has no size`);
      }
    }
  }

  /** First type id with this name (and kind, if given), as btf__find_by_name_kind. */
  findByName(name: string, kind?: BtfKind): number | undefined {
    if (this.byName === undefined) {
      this.byName = new Map();
      for (const t of this.types) {
        if (t.id === 0) continue;
        const list = this.byName.get(t.name);
        if (list === undefined) this.byName.set(t.name, [t]);
        else list.push(t);
      }
    }
    return this.byName.get(name)?.find((t) => kind === undefined || t.kind === kind)?.id;
  }
}
