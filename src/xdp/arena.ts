import type { BpfMap } from '../maps/map.js';
import { EINVAL, ENOMEM } from '../uapi/errno.js';
import type { Memory, Region } from '../vm/memory.js';
import { FrameError } from './frame-error.js';
import { XDP_PACKET_HEADROOM } from '../uapi/bpf.js';
import { ETH_HLEN } from '../uapi/if-ether.js';
import { MAX_SKB_FRAGS, XDP_FRAME_SIZE, XDP_TAILROOM } from './constants.js';

/** The fragments of every linear frame: one shared empty list, so loading a frame allocates nothing. */
export const NO_FRAGS: Uint8Array[] = [];

/** Frames up to this many linear bytes are copied into a slot word by word (see load). */
const WORD_COPY_MAX = 192;
/** Frames from this memory itself longer than this are copied with copyWithin, shorter ones word by word. */
const WORD_COPY_MIN_WITHIN = 64;

/** Frames one batch runs at most, as NAPI's budget (and one arena's slots by default). */
export const XDP_BATCH = 64;

/**
 * Frame slots in the flat memory, each one page laid out as a driver's
 * receive buffer: 256 bytes of headroom, the packet, and the tailroom the
 * kernel reserves. A frame is loaded into a slot once and the program runs
 * on it there, editing it in place; afterwards the slot says where the frame
 * lies (adjust_head, adjust_meta and adjust_tail move its ends) and where it
 * was redirected, so a batch of frames can be run first and acted on after.
 * Frames past the linear limit keep their fragments beside the slot, as
 * BPF_PROG_TEST_RUN builds them; only bpf_xdp_load_bytes/store_bytes reach them.
 * Past the pages lies one large slot (`largeSlot`), for a frame that must
 * lie linear beyond a page: the socket buffer generic XDP runs a program
 * without fragments on.
 */
export class FrameArena {
  /** Page-sized slots: 0 .. slots - 1. */
  readonly slots: number;
  /** The large slot's index: `slots`, past the pages. */
  readonly largeSlot: number;
  /** Address of each slot's first byte (data_hard_start), and its size in bytes. */
  readonly start: Int32Array;
  readonly size: Int32Array;
  /** After loading, and after a run: data_meta, data and data_end of each slot's frame. */
  readonly dataMeta: Int32Array;
  readonly data: Int32Array;
  readonly dataEnd: Int32Array;
  /** Fragment pages past the linear part, per slot; NO_FRAGS for a linear frame. */
  readonly frags: Uint8Array[][];
  /**
   * The lowest headroom address a run exposed in each slot (adjust_head or
   * adjust_meta); the next frame loaded there finds it zeroed again, as the
   * kernel hands every test run a zeroed buffer.
   */
  readonly lowWater: Int32Array;
  /**
   * frame_sz of each slot's frame: data_hard_start + frame_sz - 320 is where
   * adjust_tail may grow the linear part to. A page for a driver's buffer;
   * less for the socket buffer generic XDP runs on, whose size follows the
   * packet's.
   */
  readonly frameSize: Int32Array;
  /**
   * frag_size of the xdp_rxq_info the frames come in by: how far
   * bpf_xdp_adjust_tail may grow a frame's last fragment (its page, from
   * the fragment's start). BPF_PROG_TEST_RUN registers a page; 0 says the
   * fragments cannot grow at all, as a veth's and the core's RX queues say.
   */
  fragSize = XDP_FRAME_SIZE;
  /**
   * After a run: the target bpf_redirect or bpf_redirect_map recorded, for
   * a verdict of XDP_REDIRECT; ifindex 0 and no map when the run recorded none.
   */
  readonly redirectIfindex: Uint32Array;
  readonly redirectMap: Array<BpfMap | undefined>;
  readonly redirectKey: Uint32Array;
  readonly redirectFlags: Uint32Array;
  private readonly u8: Uint8Array;
  private readonly view: DataView;

  /** `slots` are page-sized regions, `large` the large slot's. */
  constructor(memory: Memory, slots: readonly Region[], large: Region) {
    const regions = [...slots, large];
    const n = regions.length;
    this.slots = slots.length;
    this.largeSlot = slots.length;
    this.u8 = memory.u8;
    this.view = memory.view;
    this.start = Int32Array.from(regions, (r) => r.start);
    this.size = Int32Array.from(regions, (r) => r.end - r.start);
    this.dataMeta = new Int32Array(n);
    this.data = new Int32Array(n);
    this.dataEnd = new Int32Array(n);
    this.frags = Array.from({ length: n }, () => NO_FRAGS);
    this.lowWater = Int32Array.from(regions, (r) => r.start + XDP_PACKET_HEADROOM);
    this.frameSize = new Int32Array(n).fill(XDP_FRAME_SIZE);
    this.redirectIfindex = new Uint32Array(n);
    this.redirectMap = new Array<BpfMap | undefined>(n).fill(undefined);
    this.redirectKey = new Uint32Array(n);
    this.redirectFlags = new Uint32Array(n);
  }

  /**
   * Copies `length` bytes of `bytes` from `offset` into `slot` as
   * BPF_PROG_TEST_RUN lays a frame out: at least 14 bytes, linear after 256
   * bytes of headroom as far as `frameSize` (frame_sz) leaves room before
   * the tailroom (3520 bytes in a page), the rest in up to 17 page-sized
   * fragments. Allocates nothing for a linear frame. `frameSize` is at most
   * the slot's size: a page, or the large slot's.
   */
  load(slot: number, bytes: Uint8Array, offset = 0, length = bytes.length - offset, frameSize = XDP_FRAME_SIZE): void {
    if (length < ETH_HLEN) {
      throw new FrameError(EINVAL, `frame of ${length} bytes is shorter than an Ethernet header (${ETH_HLEN})`);
    }
    // The caller picks the slot for the frame: one too small for it is xdpsim's bug, not the input's.
    if (frameSize > this.size[slot]!) throw new RangeError(`a frame_sz of ${frameSize} does not fit slot ${slot} of ${this.size[slot]} bytes`);
    const linear = Math.min(length, frameSize - XDP_PACKET_HEADROOM - XDP_TAILROOM);
    const fragBytes = length - linear;
    if (fragBytes > MAX_SKB_FRAGS * XDP_FRAME_SIZE) {
      throw new FrameError(ENOMEM, `frame of ${length} bytes needs more than ${MAX_SKB_FRAGS} fragments`);
    }
    const data = this.start[slot]! + XDP_PACKET_HEADROOM;
    const low = this.lowWater[slot]!;
    if (low < data) {
      this.u8.fill(0, low, data);
      this.lowWater[slot] = data;
    }
    this.dataMeta[slot] = data;
    this.data[slot] = data;
    this.dataEnd[slot] = data + linear;
    this.frameSize[slot] = frameSize;
    // A whole array copies as it is. A part of a larger one (a frame in a capture's buffer): a small
    // frame word by word through a DataView over the source, which beats any native copy into shared
    // memory for a few hundred bytes (80 bytes: 36 ns against 76); a larger one through a Buffer over
    // the source. Both views are made once per source, since a view per frame costs as much as the copy.
    // A frame already in this memory (a replay's staging area) moves with copyWithin, which beats
    // both past the smallest frames (576 bytes: 47 ns against 82).
    const base = this.baseInMemory(bytes);
    if (base >= 0 && linear > WORD_COPY_MIN_WITHIN) this.u8.copyWithin(data, base + offset, base + offset + linear);
    else if (offset === 0 && linear === bytes.length) this.u8.set(bytes, data);
    else if (linear <= WORD_COPY_MAX) this.copyWords(bytes, offset, data, linear);
    else this.sourceOf(bytes).copy(this.u8, data, offset, offset + linear);
    if (fragBytes === 0) {
      if (this.frags[slot]!.length > 0) this.frags[slot] = NO_FRAGS;
      return;
    }
    const frags: Uint8Array[] = [];
    for (let at = offset + linear; at < offset + length; at += XDP_FRAME_SIZE) {
      frags.push(bytes.slice(at, Math.min(at + XDP_FRAME_SIZE, offset + length)));
    }
    this.frags[slot] = frags;
  }

  /** Copies `length` bytes of `bytes` from `offset` to `to` in the flat memory, four at a time. */
  private copyWords(bytes: Uint8Array, offset: number, to: number, length: number): void {
    const from = this.sourceView(bytes);
    const into = this.view;
    let k = 0;
    for (; k + 4 <= length; k += 4) into.setInt32(to + k, from.getInt32(offset + k, true), true);
    const u8 = this.u8;
    for (; k < length; k++) u8[to + k] = bytes[offset + k]!;
  }

  /**
   * A DataView over the same bytes as `bytes`, kept while frames keep coming
   * from that array (compared by identity: a view's buffer and offsets are
   * getters that cost more than a small copy).
   */
  private sourceView(bytes: Uint8Array): DataView {
    if (bytes === this.viewedSource) return this.sourceDataView;
    this.viewedSource = bytes;
    this.sourceDataView = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    return this.sourceDataView;
  }

  private viewedSource: Uint8Array | undefined = undefined;
  private sourceDataView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /** A Buffer over the same bytes as `bytes`, kept while frames keep coming from that array (see sourceView). */
  private sourceOf(bytes: Uint8Array): Buffer {
    if (bytes === this.bufferedSource) return this.source;
    this.bufferedSource = bytes;
    this.source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    return this.source;
  }

  private bufferedSource: Uint8Array | undefined = undefined;
  private source: Buffer = Buffer.alloc(0);

  /** Where `bytes` starts in this memory, or -1 when it lies in another buffer; kept per source array, as the views above. */
  private baseInMemory(bytes: Uint8Array): number {
    if (bytes === this.basedSource) return this.sourceBase;
    this.basedSource = bytes;
    this.sourceBase = bytes.buffer === this.u8.buffer ? bytes.byteOffset : -1;
    return this.sourceBase;
  }

  private basedSource: Uint8Array | undefined = undefined;
  private sourceBase = -1;

  /**
   * Copies the frame in slot `from` into slot `to` as it lies there: the
   * same offsets from data_hard_start (headroom, metadata, linear part), the
   * same frame_sz, and copies of its fragments. A clone a program may edit
   * without touching the original, as each device of a broadcast gets its own.
   */
  copy(from: number, to: number): void {
    const shift = this.start[to]! - this.start[from]!;
    const end = this.dataEnd[from]!;
    if (this.frameSize[from]! > this.size[to]!) throw new RangeError(`the frame in slot ${from} does not fit slot ${to}`);
    // Below lowWater the source is all zeros; what the target exposed below that is zeroed, as load zeroes it.
    const low = this.lowWater[from]!;
    if (this.lowWater[to]! < low + shift) this.u8.fill(0, this.lowWater[to]!, low + shift);
    this.u8.copyWithin(low + shift, low, end);
    this.lowWater[to] = low + shift;
    this.dataMeta[to] = this.dataMeta[from]! + shift;
    this.data[to] = this.data[from]! + shift;
    this.dataEnd[to] = end + shift;
    this.frameSize[to] = this.frameSize[from]!;
    const frags = this.frags[from]!;
    this.frags[to] = frags.length === 0 ? NO_FRAGS : frags.map((f) => f.slice());
  }

  /** Bytes of the frame in `slot` from data to data_end, and its fragments: xdp_get_frame_len, an skb's len. */
  frameLength(slot: number): number {
    let n = this.dataEnd[slot]! - this.data[slot]!;
    for (const f of this.frags[slot]!) n += f.length;
    return n;
  }

  /** Bytes of the frame in `slot` from data_meta to data_end, then its fragments. */
  outputLength(slot: number): number {
    let n = this.dataEnd[slot]! - this.dataMeta[slot]!;
    for (const f of this.frags[slot]!) n += f.length;
    return n;
  }

  /**
   * The linear part of the frame in `slot`, data_meta to data_end, where it
   * lies: no copy, valid until the slot is loaded again.
   */
  linear(slot: number): Uint8Array {
    return this.u8.subarray(this.dataMeta[slot]!, this.dataEnd[slot]!);
  }

  /** What BPF_PROG_TEST_RUN returns as data_out: metadata, linear data, then the fragments (a copy). */
  output(slot: number): Uint8Array {
    const linear = this.linear(slot);
    const frags = this.frags[slot]!;
    if (frags.length === 0) return linear.slice();
    const out = new Uint8Array(this.outputLength(slot));
    out.set(linear);
    let at = linear.length;
    for (const f of frags) {
      out.set(f, at);
      at += f.length;
    }
    return out;
  }
}
