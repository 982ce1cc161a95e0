import { FdArrayMap } from './fd-array.js';
import { HashMap } from './hash.js';
import type { BpfMap } from './map.js';
import { NO_REFS, mapById, type ObjectRefs, type RefHolder } from './refs.js';
import { BPF_F_INNER_MAP, BPF_MAP_TYPE_ARRAY } from '../uapi/bpf.js';
import { EBADF, EINVAL } from '../uapi/errno.js';
import type { MapSpec } from './types.js';

/**
 * Whether `inner` may sit in a map-in-map made with `template`
 * (bpf_map_meta_equal): same type, key and value sizes and flags; an array
 * must also have the same max_entries unless the template was made with
 * BPF_F_INNER_MAP.
 */
export function innerMapMatches(template: MapSpec, inner: MapSpec): boolean {
  if (template.type !== inner.type || template.keySize !== inner.keySize) return false;
  if (template.valueSize !== inner.valueSize || template.flags !== inner.flags) return false;
  if (template.type !== BPF_MAP_TYPE_ARRAY || template.flags & BPF_F_INNER_MAP) return true;
  return template.maxEntries === inner.maxEntries;
}

/**
 * Resolves an inner-map id from user space: only the maps of this object can be
 * inner maps, since the flat memory is laid out once, at load.
 */
function acceptInner(refs: ObjectRefs, template: MapSpec, id: number): number {
  const inner = mapById(refs, id);
  if (!inner) return -EBADF;
  return innerMapMatches(template, inner.spec) ? 0 : -EINVAL;
}

function innerAddress(refs: ObjectRefs, id: number): number {
  return mapById(refs, id)?.address ?? 0;
}

/**
 * BPF_MAP_TYPE_ARRAY_OF_MAPS. A program's lookup yields the inner map itself
 * (its address, what `lddw` of a map yields), ready for the map helpers; user
 * space stores and reads back inner-map ids.
 */
export class ArrayOfMapsMap extends FdArrayMap {
  lookup(key: number): number {
    return innerAddress(this.refs, this.idAt(this.index(key)));
  }

  /** The inner map in slot `index`, or undefined. */
  innerAt(index: number): BpfMap | undefined {
    return mapById(this.refs, this.idAt(index));
  }

  protected accept(id: number): number {
    return acceptInner(this.refs, this.spec.inner!, id);
  }
}

/**
 * BPF_MAP_TYPE_HASH_OF_MAPS: a hash whose values are inner-map ids; update
 * flags and capacity behave as for a plain hash.
 */
export class HashOfMapsMap extends HashMap implements RefHolder {
  private refs: ObjectRefs = NO_REFS;

  constructor(spec: MapSpec, cpus: number) {
    super(spec, cpus, false, false);
  }

  bindRefs(refs: ObjectRefs): void {
    this.refs = refs;
  }

  /** A hash of maps swaps the inner map in place (htab_map_update_elem_in_place). */
  protected override get updatesInPlace(): boolean {
    return true;
  }

  override lookup(key: number, cpu: number): number {
    const at = super.lookup(key, cpu);
    return at === 0 ? 0 : innerAddress(this.refs, this.memory.view.getUint32(at, true));
  }

  /** The id is checked first, as the kernel resolves the fd before it touches the table. */
  override update(key: number, value: number, flags: number, cpu: number): number {
    const err = acceptInner(this.refs, this.spec.inner!, this.memory.view.getUint32(value, true));
    return err < 0 ? err : super.update(key, value, flags, cpu);
  }
}
