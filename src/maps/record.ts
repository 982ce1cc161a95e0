import type { BtfFields } from '../btf/fields.js';
import {
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY_PROG,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
  EACCES,
  EOPNOTSUPP,
  type MapSpec,
} from './types.js';

/**
 * What a map must do for the special fields of its values (the kernel's
 * `struct btf_record`): today the bpf_timer, whose state lives beside the
 * map and whose 16 bytes stay zero, as user space reads them from the
 * kernel. Whenever an element's value is written or the element goes, the
 * map calls `freeFields` on it, where the kernel calls bpf_obj_free_fields.
 */
export interface BtfRecord {
  /** Offset of the struct bpf_timer in each value. */
  readonly timerOff: number;
  /** Cancels and frees the timer of the value at `value` and zeroes its field. */
  freeFields(value: number): void;
}

/**
 * The maps whose values can hold a timer (array, hash, LRU hash), as the
 * timer code finds its way from a pointer to the element.
 */
export interface TimerHolder {
  /** Address of the value that holds `address`, or -1 when `address` is in none of this map's values. */
  valueHolding(address: number): number;
  /**
   * The key of the element whose value is at `value` (map_key_from_value):
   * a hash's stored key, or for an array the index written at `scratch`.
   */
  keyOfValue(value: number, scratch: number): number;
}

/** Whether `map` is one whose values can hold a timer. */
export function isTimerHolder<M extends object>(map: M): map is M & TimerHolder {
  return 'valueHolding' in map && 'keyOfValue' in map;
}

/**
 * map_check_btf's rules on where special fields may be: spin locks in hash
 * and array maps, timers in hash, LRU hash and array maps, neither in a map a
 * program may only read or only write. 0, or the errno map creation fails
 * with (libbpf then creates the map again without BTF).
 */
export function checkBtfFields(spec: MapSpec, fields: BtfFields): number {
  if (spec.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) return EACCES;
  if (fields.spinLockOff >= 0 && spec.type !== BPF_MAP_TYPE_HASH && spec.type !== BPF_MAP_TYPE_ARRAY) return EOPNOTSUPP;
  if (fields.timerOff >= 0 && spec.type !== BPF_MAP_TYPE_HASH && spec.type !== BPF_MAP_TYPE_LRU_HASH && spec.type !== BPF_MAP_TYPE_ARRAY) {
    return EOPNOTSUPP;
  }
  return 0;
}
