/**
 * Decoded BTF types. Kind names and field names follow the kernel's
 * `struct btf_type` family (include/uapi/linux/btf.h) so that messages and
 * code read like libbpf's.
 */

/** BTF_INT_SIGNED / BTF_INT_CHAR / BTF_INT_BOOL bits of an INT's encoding. */
export const BTF_INT_SIGNED = 1 << 0;
export const BTF_INT_CHAR = 1 << 1;
export const BTF_INT_BOOL = 1 << 2;

/** BTF_VAR_* linkage values. */
export const BTF_VAR_STATIC = 0;
export const BTF_VAR_GLOBAL_ALLOCATED = 1;
export const BTF_VAR_GLOBAL_EXTERN = 2;

export interface BtfMember {
  name: string;
  type: number;
  /** Bit offset from the start of the enclosing struct/union. */
  bitOffset: number;
  /** Non-zero only for bitfields (kind_flag set on the parent). */
  bitfieldSize: number;
}

export interface BtfEnumValue {
  name: string;
  /** Held as bigint so ENUM and ENUM64 share one representation. */
  value: bigint;
}

export interface BtfParam {
  name: string;
  type: number;
}

export interface BtfVarSecinfo {
  type: number;
  offset: number;
  size: number;
}

interface Base {
  id: number;
  name: string;
}

export type BtfType =
  | (Base & { kind: 'void' })
  | (Base & { kind: 'int'; size: number; encoding: number; bitOffset: number; bits: number })
  | (Base & { kind: 'ptr'; type: number })
  | (Base & { kind: 'array'; type: number; indexType: number; nelems: number })
  | (Base & { kind: 'struct'; size: number; members: BtfMember[] })
  | (Base & { kind: 'union'; size: number; members: BtfMember[] })
  | (Base & { kind: 'enum'; size: number; signed: boolean; values: BtfEnumValue[] })
  | (Base & { kind: 'enum64'; size: number; signed: boolean; values: BtfEnumValue[] })
  | (Base & { kind: 'fwd'; isUnion: boolean })
  | (Base & { kind: 'typedef'; type: number })
  | (Base & { kind: 'volatile'; type: number })
  | (Base & { kind: 'const'; type: number })
  | (Base & { kind: 'restrict'; type: number })
  | (Base & { kind: 'type_tag'; type: number })
  | (Base & { kind: 'func'; type: number; linkage: number })
  | (Base & { kind: 'func_proto'; type: number; params: BtfParam[] })
  | (Base & { kind: 'var'; type: number; linkage: number })
  | (Base & { kind: 'datasec'; size: number; vars: BtfVarSecinfo[] })
  | (Base & { kind: 'float'; size: number })
  | (Base & { kind: 'decl_tag'; type: number; componentIdx: number });

export type BtfKind = BtfType['kind'];

/** Types of a given kind, for narrowing with `btf.typeOfKind`. */
export type BtfTypeOf<K extends BtfKind> = Extract<BtfType, { kind: K }>;
