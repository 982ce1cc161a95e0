import type { Region, RegionSpec } from '../vm/memory.js';
import { nextArrayKey } from './array-keys.js';
import { BpfMap, type MapValue } from './map.js';
import type { RedirectMap } from './redirect.js';
import { BPF_ANY, BPF_EXIST, BPF_NOEXIST } from '../uapi/bpf.js';
import { E2BIG, EBADF, EEXIST, EINVAL, ENOENT, EOPNOTSUPP } from '../uapi/errno.js';
import { MapError } from './types.js';

/**
 * XSK_UMEM__DEFAULT_FRAME_SIZE (libbpf's and libxdp's xsk.h): the UMEM chunk
 * size a socket gets unless its UMEM is registered with another.
 */
export const XSK_UMEM_DEFAULT_CHUNK_SIZE = 4096;
/** XDP_UMEM_MIN_CHUNK_SIZE (net/xdp/xdp_umem.c). */
const XDP_UMEM_MIN_CHUNK_SIZE = 2048;
/** XDP_PACKET_HEADROOM: what the kernel keeps before every frame it copies into a chunk. */
const XSK_PACKET_HEADROOM = 256;

/**
 * An AF_XDP socket as the simulator sees one: a number standing for its
 * fd, the queue it is bound to, and what decides which frames it can take.
 */
export interface XskSocket {
  id: number;
  queueId: number;
  /**
   * Bound with XDP_USE_SG (sxdp_flags, 1 << 4 since Linux 6.6): a frame
   * longer than a chunk arrives as several descriptors, each but the last
   * with XDP_PKT_CONTD; without it such a frame is refused (xsk_rcv_check).
   * False unless told, as bind leaves it.
   */
  sg?: boolean;
  /** The UMEM's chunk size (xdp_umem_reg.chunk_size): XSK_UMEM_DEFAULT_CHUNK_SIZE unless told. */
  chunkSize?: number;
  /** The UMEM's headroom (xdp_umem_reg.headroom): 0 unless told. */
  headroom?: number;
}

/**
 * xsk_pool_get_rx_frame_size: the bytes of a frame one chunk holds, its
 * chunk less XDP_PACKET_HEADROOM and the UMEM's own headroom (3840 for
 * the default 4096-byte chunks).
 */
export function xskRxFrameSize(socket: XskSocket): number {
  return (socket.chunkSize ?? XSK_UMEM_DEFAULT_CHUNK_SIZE) - XSK_PACKET_HEADROOM - (socket.headroom ?? 0);
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
  /** Per slot, whether its socket was bound with XDP_USE_SG, and its UMEM's chunk size and headroom. */
  private readonly sg: Uint8Array;
  private readonly chunkSizes: Uint32Array;
  private readonly headrooms: Uint32Array;

  constructor(spec: ConstructorParameters<typeof BpfMap>[0], cpus: number) {
    super(spec, cpus);
    this.ids = new Uint32Array(spec.maxEntries);
    this.sg = new Uint8Array(spec.maxEntries);
    this.chunkSizes = new Uint32Array(spec.maxEntries);
    this.headrooms = new Uint32Array(spec.maxEntries);
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
  socketAt(index: number): Required<XskSocket> | undefined {
    const i = index >>> 0;
    if (this.slot(i) === 0) return undefined;
    return {
      id: this.ids[i]!,
      queueId: this.memory.view.getUint32(this.base + i * 4, true),
      sg: this.sg[i] !== 0,
      chunkSize: this.chunkSizes[i]!,
      headroom: this.headrooms[i]!,
    };
  }

  hasRedirectTarget(key: number): boolean {
    return this.slot(key >>> 0) !== 0;
  }

  /**
   * User space stores a socket by id: one bound to queue 0, without
   * XDP_USE_SG, on default UMEM chunks; `setSocket` says more of it.
   */
  update(key: number, value: number, flags: number): number {
    return this.put(this.memory.view.getUint32(key, true), { id: this.memory.view.getUint32(value, true), queueId: 0 }, flags);
  }

  /**
   * Stores `socket` at `index` with the kernel's flag rules; throws MapError
   * like updateElem. Its UMEM must be one xdp_umem_reg takes: chunks of
   * 2048 bytes or more, with room past the headroom (EINVAL otherwise).
   */
  setSocket(index: number, socket: XskSocket, flags = BPF_ANY): void {
    const chunkSize = socket.chunkSize ?? XSK_UMEM_DEFAULT_CHUNK_SIZE;
    const headroom = socket.headroom ?? 0;
    if (!Number.isInteger(chunkSize) || chunkSize < XDP_UMEM_MIN_CHUNK_SIZE || !Number.isInteger(headroom) || headroom < 0 || headroom >= chunkSize - XSK_PACKET_HEADROOM) {
      throw new MapError(EINVAL, `update ${this.spec.name}: a UMEM of ${chunkSize}-byte chunks with ${headroom} bytes of headroom`);
    }
    const err = this.put(index >>> 0, { id: socket.id >>> 0, queueId: socket.queueId >>> 0, sg: socket.sg === true, chunkSize, headroom }, flags);
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
    this.sg[index] = socket.sg === true ? 1 : 0;
    this.chunkSizes[index] = socket.chunkSize ?? XSK_UMEM_DEFAULT_CHUNK_SIZE;
    this.headrooms[index] = socket.headroom ?? 0;
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
