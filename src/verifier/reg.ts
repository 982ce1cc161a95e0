import { Scalar } from './scalar.js';
import { type Word, ZERO, isZero } from './word.js';
import type { VerifierMap } from './env.js';

/**
 * What a register holds, as the kernel's `enum bpf_reg_type` names the base
 * types XDP programs meet. Flags (may be NULL, read-only, ringbuf memory)
 * are separate fields of RegState.
 */
export const enum RegType {
  NOT_INIT,
  SCALAR_VALUE,
  PTR_TO_CTX,
  CONST_PTR_TO_MAP,
  PTR_TO_MAP_VALUE,
  PTR_TO_MAP_KEY,
  PTR_TO_STACK,
  PTR_TO_PACKET_META,
  PTR_TO_PACKET,
  PTR_TO_PACKET_END,
  PTR_TO_SOCKET,
  PTR_TO_SOCK_COMMON,
  PTR_TO_TCP_SOCK,
  PTR_TO_BTF_ID,
  PTR_TO_MEM,
  PTR_TO_FUNC,
  CONST_PTR_TO_DYNPTR,
}

/** The kernel's reg_type_str() names of the base types. */
const TYPE_NAMES: Record<RegType, string> = {
  [RegType.NOT_INIT]: '?',
  [RegType.SCALAR_VALUE]: 'scalar',
  [RegType.PTR_TO_CTX]: 'ctx',
  [RegType.CONST_PTR_TO_MAP]: 'map_ptr',
  [RegType.PTR_TO_MAP_VALUE]: 'map_value',
  [RegType.PTR_TO_MAP_KEY]: 'map_key',
  [RegType.PTR_TO_STACK]: 'fp',
  [RegType.PTR_TO_PACKET_META]: 'pkt_meta',
  [RegType.PTR_TO_PACKET]: 'pkt',
  [RegType.PTR_TO_PACKET_END]: 'pkt_end',
  [RegType.PTR_TO_SOCKET]: 'sock',
  [RegType.PTR_TO_SOCK_COMMON]: 'sock_common',
  [RegType.PTR_TO_TCP_SOCK]: 'tcp_sock',
  [RegType.PTR_TO_BTF_ID]: 'ptr_',
  [RegType.PTR_TO_MEM]: 'mem',
  [RegType.PTR_TO_FUNC]: 'func',
  [RegType.CONST_PTR_TO_DYNPTR]: 'dynptr_ptr',
};

/** Memory a PTR_TO_MEM points to: a ring-buffer reservation, or memory a helper returned. */
export type MemKind = 'ringbuf' | 'plain';

/**
 * One register's abstract value (the kernel's `struct bpf_reg_state`): the
 * type, for pointers the fixed offset `off` and the variable part in
 * `value`'s bounds, for scalars the value itself. `id` ties together copies
 * of one value (so a null check or a bounds check on one applies to all),
 * `refObjId` a reference that must be released before exit.
 */
export class RegState {
  type = RegType.NOT_INIT;
  /** PTR_MAYBE_NULL: a lookup's result before its null check. */
  maybeNull = false;
  /** MEM_RDONLY: memory the program may only read. */
  rdonly = false;
  /** Fixed offset from the pointer's base. */
  off = 0;
  /** The scalar, or a pointer's variable offset: this register's own, which copies and marks write into. */
  value: Scalar;
  id = 0;
  refObjId = 0;
  /** Packet pointers: bytes past `off` proven inside the packet. */
  range = 0;
  /** Maps for CONST_PTR_TO_MAP, PTR_TO_MAP_VALUE and PTR_TO_MAP_KEY. */
  map: VerifierMap | undefined = undefined;
  /** An inner map, and its values: which lookup of the outer map found it (the kernel's map_uid). */
  mapUid = 0;
  /** PTR_TO_MEM: size of the memory, and what it is. */
  memSize = 0;
  memKind: MemKind = 'plain';
  /** PTR_TO_STACK: the frame whose stack it points into. */
  frameno = 0;
  /** PTR_TO_FUNC: the slot where the subprogram starts. */
  subprog = 0;

  constructor(value: Scalar = Scalar.constant(ZERO)) {
    this.value = value;
  }

  clone(): RegState {
    const r = new RegState(this.value.clone());
    r.copyFrom(this);
    return r;
  }

  copyFrom(o: RegState): void {
    this.type = o.type;
    this.maybeNull = o.maybeNull;
    this.rdonly = o.rdonly;
    this.off = o.off;
    this.value.copyFrom(o.value);
    this.id = o.id;
    this.refObjId = o.refObjId;
    this.range = o.range;
    this.map = o.map;
    this.mapUid = o.mapUid;
    this.memSize = o.memSize;
    this.memKind = o.memKind;
    this.frameno = o.frameno;
    this.subprog = o.subprog;
  }

  /** Back to the empty state, as __mark_reg_not_init leaves a register. */
  markNotInit(): void {
    this.markUnknown();
    this.type = RegType.NOT_INIT;
  }

  /** Any scalar (mark_reg_unknown). */
  markUnknown(): void {
    this.type = RegType.SCALAR_VALUE;
    this.maybeNull = false;
    this.rdonly = false;
    this.off = 0;
    this.value.markUnknown();
    this.id = 0;
    this.refObjId = 0;
    this.range = 0;
    this.map = undefined;
    this.mapUid = 0;
    this.memSize = 0;
    this.frameno = 0;
    this.subprog = 0;
  }

  /** A known scalar (__mark_reg_known). */
  markKnown(v: Word): void {
    this.markUnknown();
    this.value.markKnown(v);
  }

  /** A pointer of `type` at offset 0 with no variable part. */
  markPointer(type: RegType): void {
    this.markUnknown();
    this.type = type;
    this.value.markKnown(ZERO);
  }

  get isScalar(): boolean {
    return this.type === RegType.SCALAR_VALUE;
  }

  get isPointer(): boolean {
    return this.type !== RegType.SCALAR_VALUE && this.type !== RegType.NOT_INIT;
  }

  get isPacket(): boolean {
    return this.type === RegType.PTR_TO_PACKET || this.type === RegType.PTR_TO_PACKET_META;
  }

  /** A known zero: NULL where a pointer may be NULL. */
  get isKnownZero(): boolean {
    return this.isScalar && this.value.isConst() && isZero(this.value.constValue());
  }

  /** The kernel's name for the type with its flags, as in "R0 invalid mem access 'map_value_or_null'". */
  typeName(): string {
    return typeNameWithFlags(this.type, this.maybeNull, this.rdonly, this.memKind);
  }
}

/** reg_type_str(): a type's name with the flags it prints (rdonly_ and ringbuf_ memory, _or_null). */
export function typeNameWithFlags(type: RegType, maybeNull: boolean, rdonly: boolean, memKind: MemKind): string {
  let prefix = '';
  if (type === RegType.PTR_TO_MEM && memKind === 'ringbuf') prefix = 'ringbuf_';
  if (rdonly && type === RegType.PTR_TO_MEM) prefix = `rdonly_${prefix}`;
  return `${prefix}${TYPE_NAMES[type]}${maybeNull ? '_or_null' : ''}`;
}

/** reg_type_str() of a base type, for messages listing expected types. */
export function regTypeName(type: RegType): string {
  return TYPE_NAMES[type];
}
