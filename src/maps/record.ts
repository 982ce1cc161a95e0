import { lock, unlock } from '../vm/lock.js';
import type { Memory } from '../vm/memory.js';
import { MAP_LOCK_OWNER } from './map.js';
import { BPF_SPIN_LOCK_SIZE, BPF_TIMER_SIZE, type BtfFields } from '../btf/fields.js';
import {
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY_PROG,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_LRU_HASH,
} from '../uapi/bpf.js';
import { EACCES, EOPNOTSUPP } from '../uapi/errno.js';
import type { MapSpec } from './types.js';


/**
 * The special fields of a map's values (the kernel's `struct btf_record`):
 * the bpf_spin_lock, and the bpf_timer, whose state lives beside the map and
 * whose 16 bytes stay zero, as user space reads them from the kernel.
 * Writing a value copies around them (copyMapValue); whenever an element's
 * value is replaced or the element goes, the map calls `freeFields` on it,
 * where the kernel calls bpf_obj_free_fields.
 */
export interface BtfRecord {
  /** Offset of the struct bpf_spin_lock in each value, -1 when there is none. */
  readonly spinLockOff: number;
  /** Offset of the struct bpf_timer in each value, -1 when there is none. */
  readonly timerOff: number;
  /** [offset, size] of each special field, by offset (the kernel's field_offs). */
  readonly fieldOffs: ReadonlyArray<readonly [number, number]>;
  /** Cancels and frees the timer of the value at `value`, if it has one, and zeroes its field. */
  freeFields(value: number): void;
}

/** The record of values with `fields`; `freeTimer` frees the timer whose field is at the address it gets. */
export function btfRecord(fields: BtfFields, freeTimer: (field: number) => void): BtfRecord {
  const { spinLockOff, timerOff } = fields;
  const fieldOffs: Array<[number, number]> = [];
  if (spinLockOff >= 0) fieldOffs.push([spinLockOff, BPF_SPIN_LOCK_SIZE]);
  if (timerOff >= 0) fieldOffs.push([timerOff, BPF_TIMER_SIZE]);
  fieldOffs.sort((a, b) => a[0] - b[0]);
  // A spin lock holds nothing to free: an unlocked lock is just its zero word.
  const freeFields = timerOff < 0 ? () => {} : (value: number) => freeTimer(value + timerOff);
  return { spinLockOff, timerOff, fieldOffs, freeFields };
}

/** The special fields of a value without a record: none (one shared list, so a copy allocates nothing). */
const NO_FIELDS: BtfRecord['fieldOffs'] = [];

/**
 * copy_map_value: copies the `size` bytes of a value from `src` to `dst` but
 * for its special fields, which belong to the element, not to what is
 * written into it.
 */
export function copyMapValue(u8: Uint8Array, record: BtfRecord | undefined, dst: number, src: number, size: number): void {
  let done = 0;
  for (const [off, len] of record?.fieldOffs ?? NO_FIELDS) {
    u8.copyWithin(dst + done, src + done, src + off);
    done = off + len;
  }
  u8.copyWithin(dst + done, src + done, src + size);
}

/**
 * copy_map_value_locked: copyMapValue holding the bpf_spin_lock of the value
 * at `locked` (`dst` for a BPF_F_LOCK update, `src` for a BPF_F_LOCK
 * lookup), so that a program in another thread, between bpf_spin_lock and
 * bpf_spin_unlock on it, never sees half of the copy. The record must hold a
 * spin lock (hasSpinLock).
 */
export function copyMapValueLocked(memory: Memory, record: BtfRecord, dst: number, src: number, size: number, locked: number): void {
  const word = (locked + record.spinLockOff) >>> 2;
  lock(memory.i32, word, MAP_LOCK_OWNER);
  copyMapValue(memory.u8, record, dst, src, size);
  unlock(memory.i32, word);
}

/** Whether values with `record` hold a bpf_spin_lock, which BPF_F_LOCK updates need (else -EINVAL). */
export function hasSpinLock(record: BtfRecord | undefined): boolean {
  return record !== undefined && record.spinLockOff >= 0;
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
