import { XdpsimError } from '../errors/index.js';
import type { Memory, Region } from '../vm/memory.js';
import { EACCES, EFAULT, EINVAL, ENOMEM } from '../maps/types.js';
import {
  ETH_HLEN,
  MAX_SKB_FRAGS,
  XDP_FRAME_SIZE,
  XDP_FRAME_STRUCT,
  XDP_MAX_LINEAR,
  XDP_MD_DATA,
  XDP_MD_DATA_END,
  XDP_MD_DATA_META,
  XDP_MD_EGRESS_IFINDEX,
  XDP_MD_INGRESS_IFINDEX,
  XDP_MD_RX_QUEUE_INDEX,
  XDP_PACKET_HEADROOM,
  XDP_TAILROOM,
} from './constants.js';

/** The fragments of every linear frame: one shared empty list, so loading a frame allocates nothing. */
const NO_FRAGS: Uint8Array[] = [];

/** A frame the kernel would not run (BPF_PROG_TEST_RUN refuses it with `errno`). */
export class FrameError extends XdpsimError {
  override readonly code = 'FRAME';

  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/**
 * `struct xdp_buff` over the flat memory: one page holding headroom, the linear
 * packet and reserved tailroom, plus fragments for the bytes past 3520, as
 * BPF_PROG_TEST_RUN builds them. Pointers (data, data_end, data_meta) are
 * addresses; every change is mirrored into the `struct xdp_md` the program reads.
 * The fragments are not addressable by the program, as in the kernel: only
 * bpf_xdp_load_bytes / store_bytes reach them.
 */
export class XdpBuff {
  hardStart: number;
  data = 0;
  dataEnd = 0;
  dataMeta = 0;
  /** data_hard_start + frame_sz - tailroom: where the linear part must end. */
  readonly hardEnd: number;
  /**
   * The lowest address adjust_head or adjust_meta exposed in this run: the
   * headroom from there to the default data start is zeroed before the next
   * frame, as the kernel hands every test run a zeroed buffer.
   */
  private lowWater: number;
  /** Fragment pages past the linear part; shared and empty for the common linear frame. */
  frags: Uint8Array[] = NO_FRAGS;
  private readonly u8: Uint8Array;
  private readonly view: DataView;

  constructor(
    memory: Memory,
    frame: Region,
    private readonly ctx: Region,
  ) {
    this.u8 = memory.u8;
    this.view = memory.view;
    this.hardStart = frame.start;
    this.hardEnd = frame.start + XDP_FRAME_SIZE - XDP_TAILROOM;
    this.lowWater = frame.start + XDP_PACKET_HEADROOM;
  }

  /**
   * Loads a packet as BPF_PROG_TEST_RUN does: at least 14 bytes, the first 3520
   * linear after 256 bytes of headroom, the rest in up to 17 page-sized fragments.
   */
  load(packet: Uint8Array, ifindex: number, queue: number): void {
    if (packet.length < ETH_HLEN) {
      throw new FrameError(EINVAL, `frame of ${packet.length} bytes is shorter than an Ethernet header (${ETH_HLEN})`);
    }
    const linear = Math.min(packet.length, XDP_MAX_LINEAR);
    const fragBytes = packet.length - linear;
    if (fragBytes > MAX_SKB_FRAGS * XDP_FRAME_SIZE) {
      throw new FrameError(ENOMEM, `frame of ${packet.length} bytes needs more than ${MAX_SKB_FRAGS} fragments`);
    }
    this.data = this.hardStart + XDP_PACKET_HEADROOM;
    if (this.lowWater < this.data) {
      this.u8.fill(0, this.lowWater, this.data);
      this.lowWater = this.data;
    }
    this.dataMeta = this.data;
    this.dataEnd = this.data + linear;
    this.u8.set(linear === packet.length ? packet : packet.subarray(0, linear), this.data);
    if (fragBytes === 0) {
      if (this.frags.length > 0) this.frags = NO_FRAGS;
    } else {
      this.frags = [];
      for (let at = linear; at < packet.length; at += XDP_FRAME_SIZE) {
        this.frags.push(packet.slice(at, Math.min(at + XDP_FRAME_SIZE, packet.length)));
      }
    }
    this.view.setUint32(this.ctx.start + XDP_MD_INGRESS_IFINDEX, ifindex, true);
    this.view.setUint32(this.ctx.start + XDP_MD_RX_QUEUE_INDEX, queue, true);
    this.view.setUint32(this.ctx.start + XDP_MD_EGRESS_IFINDEX, 0, true);
    this.sync();
  }

  /** Writes data, data_end and data_meta into the context the program reads. */
  private sync(): void {
    const c = this.ctx.start;
    this.view.setUint32(c + XDP_MD_DATA, this.data, true);
    this.view.setUint32(c + XDP_MD_DATA_END, this.dataEnd, true);
    this.view.setUint32(c + XDP_MD_DATA_META, this.dataMeta, true);
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

  /** What BPF_PROG_TEST_RUN returns as data_out: metadata, linear data, then the fragments. */
  output(): Uint8Array {
    const linear = this.u8.subarray(this.dataMeta, this.dataEnd);
    if (this.frags.length === 0) return linear.slice();
    const out = new Uint8Array(linear.length + this.fragsSize);
    out.set(linear);
    let at = linear.length;
    for (const f of this.frags) {
      out.set(f, at);
      at += f.length;
    }
    return out;
  }

  /** bpf_xdp_adjust_head: data may move within [hard_start + 40 + metalen, data_end - 14]; metadata moves along. */
  adjustHead(delta: number): number {
    const metalen = this.data - this.dataMeta;
    const data = this.data + delta;
    if (data < this.hardStart + XDP_FRAME_STRUCT + metalen || data > this.dataEnd - ETH_HLEN) return -EINVAL;
    if (metalen > 0) this.u8.copyWithin(this.dataMeta + delta, this.dataMeta, this.data);
    this.dataMeta += delta;
    this.data = data;
    if (this.dataMeta < this.lowWater) this.lowWater = this.dataMeta;
    this.sync();
    return 0;
  }

  /** bpf_xdp_adjust_meta: metadata in [hard_start + 40, data], a multiple of 4 and at most 255 bytes. */
  adjustMeta(delta: number): number {
    const meta = this.dataMeta + delta;
    const metalen = this.data - meta;
    if (meta < this.hardStart + XDP_FRAME_STRUCT || meta > this.data) return -EINVAL;
    if ((metalen & 3) !== 0 || metalen > 255) return -EACCES;
    this.dataMeta = meta;
    if (meta < this.lowWater) this.lowWater = meta;
    this.sync();
    return 0;
  }

  /**
   * bpf_xdp_adjust_tail. Linear: data_end within [data + 14, hard_end], growth
   * zeroed. With fragments: shrinking frees or trims fragments from the end
   * (then the linear part), keeping 14 bytes; growing extends the last fragment
   * within its page.
   */
  adjustTail(delta: number): number {
    if (this.frags.length > 0) return this.adjustFragsTail(delta);
    const end = this.dataEnd + delta;
    if (end > this.hardEnd || end < this.data + ETH_HLEN) return -EINVAL;
    if (delta > 0) this.u8.fill(0, this.dataEnd, end);
    this.dataEnd = end;
    this.sync();
    return 0;
  }

  private adjustFragsTail(delta: number): number {
    if (delta >= 0) {
      const last = this.frags[this.frags.length - 1]!;
      if (delta > XDP_FRAME_SIZE - last.length) return -EINVAL;
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
    if (this.frags.length === 0 && shrink > 0) {
      this.dataEnd -= shrink;
      this.sync();
    }
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
