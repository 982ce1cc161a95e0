import type { Region, RegionSpec } from '../vm/memory.js';
import { nextArrayKey } from './array-keys.js';
import { BpfMap, type MapValue } from './map.js';
import type { RedirectMap } from './redirect.js';
import { BPF_ANY, BPF_EXIST, BPF_NOEXIST } from '../uapi/bpf.js';
import { E2BIG, EBADF, EEXIST, EINVAL, ENOENT, EOPNOTSUPP } from '../uapi/errno.js';
import { MapError } from './types.js';

/** An AF_XDP socket as the simulator sees one: a number standing for its fd, and the queue it is bound to. */
export interface XskSocket {
  id: number;
  queueId: number;
}

/**
 * BPF_MAP_TYPE_XSKMAP: AF_XDP sockets by u32 index. Sockets are opaque
 * non-zero ids; each slot also carries the socket's queue as
 * `struct bpf_xdp_sock { u32 queue_id; }`, which is what a program's lookup
 * points at. User space cannot read the map back (-EOPNOTSUPP), as in the kernel.
 */
export class XskMap extends BpfMap implements RedirectMap {
  readonly redirectFlags = 0;
  private base = 0;
  private readonly ids: Uint32Array;

  constructor(spec: ConstructorParameters<typeof BpfMap>[0], cpus: number) {
    super(spec, cpus);
    this.ids = new Uint32Array(spec.maxEntries);
  }

  storage(): RegionSpec[] {
    return [{ name: `map:${this.spec.name}:sockets`, size: this.spec.maxEntries * 4, writable: false }];
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.base = regions[0]!.start;
  }

  private slot(index: number): number {
    return index < this.spec.maxEntries && this.ids[index] !== 0 ? this.base + index * 4 : 0;
  }

  /** A program's lookup: the socket's `struct bpf_xdp_sock`, or NULL. */
  lookup(key: number): number {
    return this.slot(this.memory.view.getUint32(key, true));
  }

  protected userValue(key: number): number {
    return this.lookup(key);
  }

  /** Nothing to list: user space cannot read the elements back. */
  override *entries(): Generator<[Uint8Array, MapValue]> {}

  override lookupElem(_key: Uint8Array): MapValue | undefined {
    throw new MapError(EOPNOTSUPP, `lookup ${this.spec.name}`);
  }

  /** The socket in slot `index` (a u32), for resolving a redirect. */
  socketAt(index: number): XskSocket | undefined {
    const i = index >>> 0;
    if (this.slot(i) === 0) return undefined;
    return { id: this.ids[i]!, queueId: this.memory.view.getUint32(this.base + i * 4, true) };
  }

  hasRedirectTarget(key: number): boolean {
    return this.slot(key >>> 0) !== 0;
  }

  /** User space stores a socket bound to queue 0 by id; `setSocket` gives the queue too. */
  update(key: number, value: number, flags: number): number {
    return this.put(this.memory.view.getUint32(key, true), { id: this.memory.view.getUint32(value, true), queueId: 0 }, flags);
  }

  /** Stores `socket` at `index` with the kernel's flag rules; throws MapError like updateElem. */
  setSocket(index: number, socket: XskSocket, flags = BPF_ANY): void {
    const err = this.put(index >>> 0, { id: socket.id >>> 0, queueId: socket.queueId >>> 0 }, flags);
    if (err < 0) throw new MapError(-err, `update ${this.spec.name}`);
  }

  private put(index: number, socket: XskSocket, flags: number): number {
    if (flags > BPF_EXIST) return -EINVAL;
    if (index >= this.spec.maxEntries) return -E2BIG;
    if (socket.id === 0) return -EBADF;
    const old = this.ids[index]!;
    if (old !== socket.id) {
      if (old !== 0 && flags === BPF_NOEXIST) return -EEXIST;
      if (old === 0 && flags === BPF_EXIST) return -ENOENT;
    }
    this.ids[index] = socket.id;
    this.memory.view.setUint32(this.base + index * 4, socket.queueId, true);
    return 0;
  }

  delete(key: number): number {
    const i = this.memory.view.getUint32(key, true);
    if (i >= this.spec.maxEntries) return -EINVAL;
    this.ids[i] = 0;
    return 0;
  }

  nextKey(key: number, next: number): number {
    return nextArrayKey(this.memory.view, key, next, this.spec.maxEntries);
  }
}
