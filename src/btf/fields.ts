import type { Btf } from './btf.js';
import type { BtfType } from './types.js';

/**
 * Where a map value's special fields lie, by byte offset, -1 when absent: the
 * part of the kernel's `struct btf_record` that xdpsim acts on. The kernel
 * knows more kinds (kptrs, lists, rb-trees, work queues), all about kernel
 * objects xdpsim does not load; their members count as plain data here.
 */
export interface BtfFields {
  readonly spinLockOff: number;
  readonly timerOff: number;
}

/** sizeof(struct bpf_timer). */
export const BPF_TIMER_SIZE = 16;
/** sizeof(struct bpf_spin_lock). */
export const BPF_SPIN_LOCK_SIZE = 4;

/** The special structs recognised by name, with the size and alignment the kernel expects of them. */
const SPECIAL = new Map([
  ['bpf_spin_lock', { size: BPF_SPIN_LOCK_SIZE, align: 4 }],
  ['bpf_timer', { size: BPF_TIMER_SIZE, align: 8 }],
]);

/** The kernel's MAX_RESOLVE_DEPTH: bounds array chains and struct nesting. */
const MAX_RESOLVE_DEPTH = 32;

interface Found {
  name: string;
  off: number;
}

/** Why the kernel's parse fails; the map then keeps its BTF but has no special fields. */
class FieldsRefused extends Error {}

/**
 * btf_parse_fields for bpf_spin_lock and bpf_timer, over the value type
 * `typeId` of a map whose values are `valueSize` bytes: searched through
 * nested structs and, for global data, the DATASEC's variables. Undefined
 * when the value has neither, and also when the kernel's parse fails (two
 * timers in one struct, a timer in an array of more than one, overlapping
 * fields): map_check_btf then creates the map with no special fields, and the
 * verifier refuses timer calls on it ("map '...' has no valid bpf_timer").
 */
export function parseValueFields(btf: Btf, typeId: number, valueSize: number): BtfFields | undefined {
  let found: Found[];
  try {
    const t = btf.skipModsAndTypedefs(typeId);
    if (t.kind === 'struct' || t.kind === 'union') found = structFields(btf, t, 0);
    else if (t.kind === 'datasec') found = datasecFields(btf, t);
    else return undefined;
  } catch (e) {
    if (e instanceof FieldsRefused) return undefined;
    throw e;
  }
  if (found.length === 0) return undefined;
  const fields = { spinLockOff: -1, timerOff: -1 };
  let nextOff = 0;
  for (const f of found) {
    const size = SPECIAL.get(f.name)!.size;
    if (f.off + size > valueSize || f.off < nextOff) return undefined;
    nextOff = f.off + size;
    const key = f.name === 'bpf_timer' ? 'timerOff' : 'spinLockOff';
    // The kernel warns of a second one found in a nested struct (only one per struct level is checked): refuse it here.
    if (fields[key] >= 0) return undefined;
    fields[key] = f.off;
  }
  return fields;
}

function structFields(btf: Btf, t: Extract<BtfType, { kind: 'struct' | 'union' }>, level: number): Found[] {
  const seen = new Set<string>();
  const out: Found[] = [];
  for (const m of t.members) {
    if (m.bitOffset % 8 !== 0) throw new FieldsRefused();
    out.push(...fieldOne(btf, btf.typeById(m.type), m.bitOffset / 8, 0, seen, level));
  }
  return out;
}

function datasecFields(btf: Btf, t: Extract<BtfType, { kind: 'datasec' }>): Found[] {
  const seen = new Set<string>();
  const out: Found[] = [];
  for (const v of t.vars) {
    const variable = btf.typeById(v.type);
    if (variable.kind !== 'var') continue;
    out.push(...fieldOne(btf, btf.typeById(variable.type), v.offset, v.size, seen, 0));
  }
  return out;
}

/** btf_find_field_one: the special fields of one member (or variable) of type `type` at `off`. */
function fieldOne(btf: Btf, type: BtfType, off: number, expectedSize: number, seen: Set<string>, level: number): Found[] {
  let nelems = 1;
  let depth = 0;
  for (; depth < MAX_RESOLVE_DEPTH && type.kind === 'array'; depth++) {
    nelems *= type.nelems;
    type = btf.typeById(type.type);
  }
  if (depth === MAX_RESOLVE_DEPTH) throw new FieldsRefused();
  if (nelems === 0) return [];
  const special = SPECIAL.get(type.name);
  if (special === undefined) {
    if (type.kind !== 'struct' && type.kind !== 'union') return [];
    if (expectedSize !== 0 && expectedSize !== type.size * nelems) return [];
    if (level + 1 >= MAX_RESOLVE_DEPTH) throw new FieldsRefused();
    const inner = structFields(btf, type, level + 1);
    // Spin locks and timers cannot be repeated (btf_repeat_fields).
    if (inner.length > 0 && nelems > 1) throw new FieldsRefused();
    return inner.map((f) => ({ name: f.name, off: f.off + off }));
  }
  // Each kind may appear once per struct, by name, whatever the type turns out to be.
  if (seen.has(type.name)) throw new FieldsRefused();
  seen.add(type.name);
  if (expectedSize !== 0 && expectedSize !== special.size * nelems) return [];
  if (off % special.align !== 0) return [];
  if ((type.kind !== 'struct' && type.kind !== 'union') || type.size !== special.size) return [];
  if (nelems > 1) throw new FieldsRefused();
  return [{ name: type.name, off }];
}
