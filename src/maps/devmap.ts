import type { Region, RegionSpec } from '../vm/memory.js';
import { nextArrayKey } from './array-keys.js';
import { HashTable } from './hashtab.js';
import { BpfMap } from './map.js';
import type { RedirectMap } from './redirect.js';
import { NO_REFS, programById, type ObjectRefs, type RefHolder } from './refs.js';
import { BPF_EXIST, BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS, BPF_NOEXIST, BPF_XDP_DEVMAP } from '../uapi/bpf.js';
import { E2BIG, EEXIST, EINVAL, ENOENT } from '../uapi/errno.js';

/** sizeof(struct bpf_devmap_val): u32 ifindex, then the program (fd in, id out). */
const VAL_SIZE = 8;

/** One device-map entry as the NIC layer resolves a redirect. */
export interface DevmapEntry {
  ifindex: number;
  /** Id of the `xdp/devmap` program run before transmit, 0 for none. */
  programId: number;
}

/**
 * What both device maps share: entries `struct bpf_devmap_val` in the flat
 * memory (value_size 4 leaves out the program), read-only for programs, as
 * the kernel forces BPF_F_RDONLY_PROG on them; a program's lookup returns
 * the entry. An entry names an existing device and, optionally, a program
 * loaded for BPF_XDP_DEVMAP; anything else is -EINVAL.
 */
abstract class DeviceMap extends BpfMap implements RedirectMap, RefHolder {
  readonly redirectFlags = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS;
  /**
   * Whether a device exists, for updates naming it. The simulator knows no
   * devices of its own, so every ifindex is accepted until the NIC layer
   * installs its own check.
   */
  deviceExists: (ifindex: number) => boolean = () => true;
  protected refs: ObjectRefs = NO_REFS;

  bindRefs(refs: ObjectRefs): void {
    this.refs = refs;
  }

  /** Program id to store for an entry (0 for none), or -EINVAL (__dev_map_alloc_node). */
  protected programFor(ifindex: number, progFd: number): number {
    if (!this.deviceExists(ifindex)) return -EINVAL;
    if (progFd <= 0) return 0;
    return programById(this.refs, progFd)?.expectedAttachType === BPF_XDP_DEVMAP ? progFd : -EINVAL;
  }

  /** The ifindex and program fd of the value at `value`; the fd reads as 0 for 4-byte values. */
  protected readValue(value: number): [ifindex: number, progFd: number] {
    const view = this.memory.view;
    return [view.getUint32(value, true), this.spec.valueSize === VAL_SIZE ? view.getInt32(value + 4, true) : 0];
  }

  protected writeEntry(at: number, ifindex: number, programId: number): void {
    this.memory.view.setUint32(at, ifindex, true);
    this.memory.view.setUint32(at + 4, programId, true);
  }

  protected entryAt(at: number): DevmapEntry | undefined {
    if (at === 0) return undefined;
    const view = this.memory.view;
    return { ifindex: view.getUint32(at, true), programId: view.getUint32(at + 4, true) };
  }

  protected userValue(key: number): number {
    return this.lookup(key, 0);
  }

  /** Address of the entry at `key` (a u32), or 0. */
  protected abstract entryFor(key: number): number;

  /** The entry at `key` (a u32), for resolving a redirect. */
  deviceAt(key: number): DevmapEntry | undefined {
    return this.entryAt(this.entryFor(key));
  }

  /** The ifindex of the entry at `key`, 0 when there is none: a redirect's target without an object per frame. */
  ifindexAt(key: number): number {
    const at = this.entryFor(key);
    return at === 0 ? 0 : this.memory.view.getUint32(at, true);
  }

  /** The id of the program of the entry at `key`, 0 when it has none (or there is no entry). */
  programIdAt(key: number): number {
    const at = this.entryFor(key);
    return at === 0 ? 0 : this.memory.view.getUint32(at + 4, true);
  }

  hasRedirectTarget(key: number): boolean {
    return this.entryFor(key) !== 0;
  }
}

/**
 * BPF_MAP_TYPE_DEVMAP: `max_entries` slots indexed by a u32. Writing ifindex 0
 * empties a slot; deleting an empty slot succeeds.
 */
export class DevMap extends DeviceMap {
  private base = 0;

  storage(): RegionSpec[] {
    return [{ name: `map:${this.spec.name}:devices`, size: this.spec.maxEntries * VAL_SIZE, writable: false }];
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.base = regions[0]!.start;
  }

  private slot(index: number): number {
    if (index >= this.spec.maxEntries) return 0;
    const at = this.base + index * VAL_SIZE;
    return this.memory.view.getUint32(at, true) === 0 ? 0 : at;
  }

  lookup(key: number): number {
    return this.slot(this.memory.view.getUint32(key, true));
  }

  protected entryFor(key: number): number {
    return this.slot(key >>> 0);
  }

  update(key: number, value: number, flags: number): number {
    if (flags > BPF_EXIST) return -EINVAL;
    const i = this.memory.view.getUint32(key, true);
    if (i >= this.spec.maxEntries) return -E2BIG;
    if (flags === BPF_NOEXIST) return -EEXIST;
    const [ifindex, progFd] = this.readValue(value);
    let programId = 0;
    if (ifindex === 0) {
      if (progFd > 0) return -EINVAL;
    } else {
      programId = this.programFor(ifindex, progFd);
      if (programId < 0) return programId;
    }
    this.writeEntry(this.base + i * VAL_SIZE, ifindex, programId);
    return 0;
  }

  delete(key: number): number {
    const i = this.memory.view.getUint32(key, true);
    if (i >= this.spec.maxEntries) return -EINVAL;
    this.writeEntry(this.base + i * VAL_SIZE, 0, 0);
    return 0;
  }

  nextKey(key: number, next: number): number {
    return nextArrayKey(this.memory.view, key, next, this.spec.maxEntries);
  }
}

/**
 * BPF_MAP_TYPE_DEVMAP_HASH: entries keyed by any u32 (typically the ifindex),
 * at most `max_entries` of them. BPF_EXIST does not require the key to exist;
 * ifindex 0 is refused. The index is a HashTable in the flat memory that
 * hashes a key as itself (dev_map_index_hash); an update links the entry at
 * the head of its chain, as the kernel links the new entry that replaces an
 * old one.
 */
export class DevMapHash extends DeviceMap {
  private table!: HashTable;
  private values = 0;

  storage(): RegionSpec[] {
    const { name, maxEntries } = this.spec;
    return [
      { name: `map:${name}:htab`, size: HashTable.indexBytes(maxEntries, false), writable: false, readable: false },
      { name: `map:${name}:keys`, size: maxEntries * 4, writable: false },
      { name: `map:${name}:devices`, size: maxEntries * VAL_SIZE, writable: false },
    ];
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.table = new HashTable(this.memory, {
      index: regions[0]!.start,
      keyBase: regions[1]!.start,
      keySize: 4,
      keyStride: 4,
      capacity: this.spec.maxEntries,
      lru: false,
      hash: 'index',
    });
    this.values = regions[2]!.start;
  }

  lookup(key: number): number {
    const entry = this.table.find(key);
    return entry < 0 ? 0 : this.values + entry * VAL_SIZE;
  }

  protected entryFor(key: number): number {
    const entry = this.table.findIndex(key | 0);
    return entry < 0 ? 0 : this.values + entry * VAL_SIZE;
  }

  update(key: number, value: number, flags: number): number {
    const [ifindex, progFd] = this.readValue(value);
    if (flags > BPF_EXIST || ifindex === 0) return -EINVAL;
    const table = this.table;
    const k = this.memory.view.getInt32(key, true);
    const bucket = table.lockBucket(k);
    try {
      let entry = table.findIndexLocked(bucket, k);
      if (entry >= 0 && flags & BPF_NOEXIST) return -EEXIST;
      const programId = this.programFor(ifindex, progFd);
      if (programId < 0) return programId;
      if (entry >= 0) {
        this.writeEntry(this.values + entry * VAL_SIZE, ifindex, programId);
        table.moveToHead(bucket, entry);
        return 0;
      }
      entry = table.pop();
      if (entry < 0) return -E2BIG;
      table.setIndexKey(entry, k);
      this.writeEntry(this.values + entry * VAL_SIZE, ifindex, programId);
      table.link(bucket, entry, k);
      return 0;
    } finally {
      table.unlockBucket(bucket);
    }
  }

  delete(key: number): number {
    const table = this.table;
    const k = this.memory.view.getInt32(key, true);
    const bucket = table.lockBucket(k);
    const entry = table.findIndexLocked(bucket, k);
    if (entry >= 0) table.remove(bucket, entry);
    table.unlockBucket(bucket);
    if (entry < 0) return -ENOENT;
    table.push(entry);
    return 0;
  }

  nextKey(key: number, next: number): number {
    const entry = this.table.next(key);
    if (entry < 0) return -ENOENT;
    this.u8.copyWithin(next, this.table.keyAddress(entry), this.table.keyAddress(entry) + 4);
    return 0;
  }
}
