import type { Memory } from '../vm/memory.js';
import { EACCES, EFAULT, EINVAL, EOPNOTSUPP } from '../uapi/errno.js';
import { ETH_HLEN } from '../uapi/if-ether.js';
import type { FrameArena } from './arena.js';
import {
  XDP_FRAME_STRUCT,
  XDP_MD_DATA,
  XDP_MD_DATA_END,
  XDP_MD_DATA_META,
  XDP_MD_EGRESS_IFINDEX,
  XDP_MD_INGRESS_IFINDEX,
  XDP_MD_RX_QUEUE_INDEX,
  XDP_TAILROOM,
} from './constants.js';

/**
 * `struct xdp_buff` of one execution context: the frame it is running on, a
 * slot of its frame arena, with the linear packet between headroom and
 * reserved tailroom, plus fragments for the bytes past 3520. Pointers (data,
 * data_end, data_meta) are addresses, kept in the arena slot itself, so that
 * a run leaves them where the batch's caller reads them with nothing to copy
 * back; every change is mirrored into the `struct xdp_md` the program reads.
 * The fragments are not addressable by the program, as in the kernel: only
 * bpf_xdp_load_bytes / store_bytes reach them.
 */
export class XdpBuff {
  /** The arena slot being run. */
  private slot = 0;
  private readonly u8: Uint8Array;
  /**
   * The memory as int32 words, for the `struct xdp_md` fields: the context
   * region is 64-byte aligned and the host little-endian, as the kernel's u32s.
   */
  private readonly i32: Int32Array;
  /** Int32 index of the `struct xdp_md`. */
  private readonly ctxWord: number;

  constructor(
    memory: Memory,
    readonly arena: FrameArena,
    /** Address of the `struct xdp_md` the program gets in R1. */
    readonly ctx: number,
  ) {
    this.u8 = memory.u8;
    this.i32 = memory.i32;
    this.ctxWord = ctx >>> 2;
  }

  /**
   * Makes the frame loaded in arena slot `slot` the one the program runs on,
   * with its xdp_md; `egressIfindex` is the device a devmap entry's program
   * runs for, 0 on receive.
   */
  attach(slot: number, ifindex: number, queue: number, egressIfindex = 0): void {
    this.slot = slot;
    const i32 = this.i32;
    const w = this.ctxWord;
    i32[w + (XDP_MD_INGRESS_IFINDEX >> 2)] = ifindex;
    i32[w + (XDP_MD_RX_QUEUE_INDEX >> 2)] = queue;
    i32[w + (XDP_MD_EGRESS_IFINDEX >> 2)] = egressIfindex;
    const arena = this.arena;
    this.sync(arena.data[slot]!, arena.dataEnd[slot]!, arena.dataMeta[slot]!);
  }

  get hardStart(): number {
    return this.arena.start[this.slot]!;
  }

  /** data_hard_start + frame_sz - tailroom: where the linear part must end. */
  get hardEnd(): number {
    return this.arena.start[this.slot]! + this.arena.frameSize[this.slot]! - XDP_TAILROOM;
  }

  get data(): number {
    return this.arena.data[this.slot]!;
  }

  get dataEnd(): number {
    return this.arena.dataEnd[this.slot]!;
  }

  get dataMeta(): number {
    return this.arena.dataMeta[this.slot]!;
  }

  /** Fragment pages past the linear part; the arena's shared empty list for the common linear frame. */
  get frags(): Uint8Array[] {
    return this.arena.frags[this.slot]!;
  }

  /** Moves the frame's ends, in its slot and in the context the program reads. */
  private setPointers(data: number, dataEnd: number, dataMeta: number): void {
    const arena = this.arena;
    const slot = this.slot;
    arena.data[slot] = data;
    arena.dataEnd[slot] = dataEnd;
    arena.dataMeta[slot] = dataMeta;
    this.sync(data, dataEnd, dataMeta);
  }

  /** Headroom from `address` up has been exposed: the next frame in this slot gets it zeroed. */
  private exposed(address: number): void {
    if (address < this.arena.lowWater[this.slot]!) this.arena.lowWater[this.slot] = address;
  }

  /** Writes data, data_end and data_meta into the context the program reads. */
  private sync(data: number, dataEnd: number, dataMeta: number): void {
    const i32 = this.i32;
    const w = this.ctxWord;
    i32[w + (XDP_MD_DATA >> 2)] = data;
    i32[w + (XDP_MD_DATA_END >> 2)] = dataEnd;
    i32[w + (XDP_MD_DATA_META >> 2)] = dataMeta;
  }

  get fragsSize(): number {
    let n = 0;
    for (const f of this.frags) n += f.length;
    return n;
  }

  /** bpf_xdp_get_buff_len: linear plus fragments. */
  get buffLen(): number {
    return this.dataEnd - this.data + this.fragsSize;
  }

  /** bpf_xdp_adjust_head: data may move within [hard_start + 40 + metalen, data_end - 14]; metadata moves along. */
  adjustHead(delta: number): number {
    const metalen = this.data - this.dataMeta;
    const data = this.data + delta;
    if (data < this.hardStart + XDP_FRAME_STRUCT + metalen || data > this.dataEnd - ETH_HLEN) return -EINVAL;
    const meta = this.dataMeta;
    if (metalen > 0) this.u8.copyWithin(meta + delta, meta, this.data);
    this.exposed(meta + delta);
    this.setPointers(data, this.dataEnd, meta + delta);
    return 0;
  }

  /** bpf_xdp_adjust_meta: metadata in [hard_start + 40, data], a multiple of 4 and at most 255 bytes. */
  adjustMeta(delta: number): number {
    const meta = this.dataMeta + delta;
    const metalen = this.data - meta;
    if (meta < this.hardStart + XDP_FRAME_STRUCT || meta > this.data) return -EINVAL;
    if ((metalen & 3) !== 0 || metalen > 255) return -EACCES;
    this.exposed(meta);
    this.setPointers(this.data, this.dataEnd, meta);
    return 0;
  }

  /**
   * bpf_xdp_adjust_tail. Linear: data_end within [data + 14, hard_end], growth
   * zeroed. With fragments: shrinking frees or trims fragments from the end
   * (then the linear part), keeping 14 bytes; growing extends the last
   * fragment within the RX queue's frag_size (bpf_xdp_frags_increase_tail:
   * -EOPNOTSUPP when it is 0 or past frame_sz).
   */
  adjustTail(delta: number): number {
    if (this.frags.length > 0) return this.adjustFragsTail(delta);
    const end = this.dataEnd + delta;
    if (end > this.hardEnd || end < this.data + ETH_HLEN) return -EINVAL;
    if (delta > 0) this.u8.fill(0, this.dataEnd, end);
    this.setPointers(this.data, end, this.dataMeta);
    return 0;
  }

  private adjustFragsTail(delta: number): number {
    if (delta >= 0) {
      const fragSize = this.arena.fragSize;
      if (fragSize === 0 || fragSize > this.arena.frameSize[this.slot]!) return -EOPNOTSUPP;
      const last = this.frags[this.frags.length - 1]!;
      if (delta > fragSize - last.length) return -EINVAL;
      const grown = new Uint8Array(last.length + delta);
      grown.set(last);
      this.frags[this.frags.length - 1] = grown;
      return 0;
    }
    let shrink = -delta;
    if (shrink > this.buffLen - ETH_HLEN) return -EINVAL;
    while (shrink > 0 && this.frags.length > 0) {
      const last = this.frags[this.frags.length - 1]!;
      const cut = Math.min(shrink, last.length);
      shrink -= cut;
      if (cut === last.length) this.frags.pop();
      else this.frags[this.frags.length - 1] = last.subarray(0, last.length - cut);
    }
    if (this.frags.length === 0 && shrink > 0) this.setPointers(this.data, this.dataEnd - shrink, this.dataMeta);
    return 0;
  }

  /**
   * bpf_xdp_load_bytes / store_bytes: copy between packet offset `offset` (from
   * data, across fragments) and memory address `buf`. Offsets and lengths over
   * 0xffff fault (-EFAULT); a range past the buffer is -EINVAL.
   */
  copy(offset: number, buf: number, len: number, store: boolean): number {
    if (offset > 0xffff || len > 0xffff || offset < 0 || len < 0) return -EFAULT;
    if (offset + len > this.buffLen) return -EINVAL;
    const linear = this.dataEnd - this.data;
    let done = 0;
    if (offset < linear) {
      const n = Math.min(len, linear - offset);
      const at = this.data + offset;
      if (store) this.u8.copyWithin(at, buf, buf + n);
      else this.u8.copyWithin(buf, at, at + n);
      done = n;
    }
    let fragOffset = Math.max(0, offset - linear);
    for (const frag of this.frags) {
      if (done === len) break;
      if (fragOffset >= frag.length) {
        fragOffset -= frag.length;
        continue;
      }
      const n = Math.min(len - done, frag.length - fragOffset);
      if (store) frag.set(this.u8.subarray(buf + done, buf + done + n), fragOffset);
      else this.u8.set(frag.subarray(fragOffset, fragOffset + n), buf + done);
      done += n;
      fragOffset = 0;
    }
    return 0;
  }
}
