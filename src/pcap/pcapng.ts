import type { PacketBatch } from './batch.js';
import { hex, PcapError } from './error.js';
import type { Input, Progress } from './input.js';
import { MAX_SNAPLEN } from './packet.js';
import type { ParseState, RecordParser } from './parse.js';
import { decodeTsResol, MICROSECONDS, splitTimestamp, type Timestamp, type TsResolution } from './timestamp.js';

// Block types of the pcapng specification.
export const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_OPB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

// Option codes used here.
const OPT_ENDOFOPT = 0;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

const BLOCK_OVERHEAD = 12; // type, leading and trailing total length
const SHB_MIN_LEN = 28;
const IDB_MIN_LEN = 20;
const EPB_MIN_LEN = 32;
const OPB_MIN_LEN = 32;
const SPB_MIN_LEN = 16;

/**
 * Longest block accepted, whatever the file claims: a block is held whole
 * in memory, so this bounds what a hostile length can make a reader take.
 * libpcap refuses longer blocks too (its INITIAL_MAX_BLOCKSIZE); a packet
 * block is far shorter, its data being at most MAX_SNAPLEN.
 */
export const MAX_BLOCK_LEN = 16 * 1024 * 1024;

const BLOCK_NAMES: ReadonlyMap<number, string> = new Map([
  [BT_SHB, 'section header block'],
  [BT_IDB, 'interface description block'],
  [BT_OPB, 'packet block'],
  [BT_SPB, 'simple packet block'],
  [BT_EPB, 'enhanced packet block'],
]);

interface SectionInterface {
  /** Index into ParseState.interfaces. */
  index: number;
  linkType: number;
  snapLen: number;
  tsResol: TsResolution;
  tsOffset: number;
}

/** Thrown inside a block's reading only, turned into ParseState.error at the block's offset. */
class BlockProblem {
  constructor(readonly problem: string) {}
}

/**
 * Parses a pcapng file block by block: any number of sections, each in its
 * own byte order; interface description, enhanced, simple and obsolete
 * packet blocks; every other block type is skipped by its length. The
 * caller has checked that the file starts with a section header block type.
 */
export class PcapngParser implements RecordParser {
  private section = -1;
  private le = true;
  private ifaces: SectionInterface[] = [];
  /** Type of the block at `input.pos`, -1 when too little of it is there to tell. */
  private type = -1;
  // Reused for every packet's timestamp, so that splitting one allocates nothing.
  private readonly ts: Timestamp = { sec: 0, nsec: 0 };

  parse(input: Input, batch: PacketBatch, state: ParseState): Progress {
    while (batch.count < batch.capacity) {
      const left = input.available;
      if (left === 0 && input.eof) return 'end';
      const length = this.blockNeeds(input, state);
      if (length < 0) return 'error';
      if (left < length) {
        input.need = length;
        return 'more';
      }
      const off = input.pos;
      try {
        this.readBlock(input, off + 8, off + length - 4, batch, state);
      } catch (e) {
        if (!(e instanceof BlockProblem)) throw e;
        this.damaged(input, state, e.problem);
        return 'error';
      }
      input.pos = off + length;
    }
    return 'full';
  }

  /**
   * The length of the block at `input.pos` as far as can be told from what
   * is in memory, or -1 after setting `state.error` when it is damaged.
   * Truncation is damage only once the file has ended.
   */
  private blockNeeds(input: Input, state: ParseState): number {
    const { view, pos: off } = input;
    const left = input.available;
    const isShb = left >= 4 && view.getUint32(off, true) === BT_SHB;
    this.type = isShb ? BT_SHB : left >= 4 ? view.getUint32(off, this.le) : -1;
    if (left < BLOCK_OVERHEAD) {
      return input.eof ? this.damaged(input, state, `truncated block header: ${BLOCK_OVERHEAD} bytes needed, ${left} left`) : BLOCK_OVERHEAD;
    }
    if (isShb) {
      const magic = view.getUint32(off + 8, true);
      if (magic === BYTE_ORDER_MAGIC) this.le = true;
      else if (magic === 0x4d3c2b1a) this.le = false;
      else return this.damaged(input, state, `byte-order magic 0x${hex(magic)} is not 0x1a2b3c4d in either byte order`);
    }
    const length = view.getUint32(off + 4, this.le);
    if (length % 4 !== 0) return this.damaged(input, state, `block total length ${length} is not a multiple of 4`);
    const minLength = minimumLength(this.type);
    if (length < minLength) return this.damaged(input, state, `block total length ${length} is below the minimum ${minLength}`);
    if (length > left) {
      if (input.eof) return this.damaged(input, state, truncatedBlock(length, left));
      if (length <= MAX_BLOCK_LEN) return length;
    }
    if (length > MAX_BLOCK_LEN) {
      // Too long to take in, so the file's length tells whether it holds the block, as reading it whole would.
      const fileLeft = input.size - input.offset;
      return this.damaged(input, state, length > fileLeft ? truncatedBlock(length, fileLeft) : `block total length ${length} exceeds the limit ${MAX_BLOCK_LEN}`);
    }
    const trailing = view.getUint32(off + length - 4, this.le);
    if (trailing !== length) {
      return this.damaged(input, state, `trailing block length ${trailing} does not match the leading ${length}`);
    }
    return length;
  }

  /** Reads the whole block whose body is `[body, end)`; throws a BlockProblem when it is damaged. */
  private readBlock(input: Input, body: number, end: number, batch: PacketBatch, state: ParseState): void {
    const view = input.view;
    const le = this.le;
    switch (this.type) {
      case BT_SHB: {
        const major = view.getUint16(body + 4, le);
        if (major !== 1) throw new BlockProblem(`unsupported pcapng version ${major}.${view.getUint16(body + 6, le)}`);
        this.section += 1;
        this.ifaces = [];
        break;
      }
      case BT_IDB:
        this.readIdb(input, body, end, state);
        break;
      case BT_EPB:
      case BT_OPB: {
        // The same layout but for the interface field: 32 bits in an EPB, 16 (then 16 of drop count) in the obsolete block.
        const on = this.iface(this.type === BT_EPB ? view.getUint32(body, le) : view.getUint16(body, le));
        const capLen = view.getUint32(body + 12, le);
        checkCapLen(capLen, end - (body + 20), on.snapLen);
        this.push(batch, state, on, body + 20, capLen, view.getUint32(body + 16, le), view.getUint32(body + 4, le), view.getUint32(body + 8, le));
        break;
      }
      case BT_SPB: {
        // No timestamp and no capture length: the data is what the block
        // holds, cut to the snapshot length of the section's first interface.
        const on = this.iface(0);
        const origLen = view.getUint32(body, le);
        const room = end - (body + 4);
        const capLen = Math.min(origLen, room, on.snapLen === 0 ? room : on.snapLen);
        checkCapLen(capLen, room, on.snapLen);
        this.push(batch, state, on, body + 4, capLen, origLen, 0, 0);
        break;
      }
      default:
        // Name resolution, statistics, decryption secrets, custom blocks…: not packets.
        break;
    }
  }

  private readIdb(input: Input, body: number, end: number, state: ParseState): void {
    const { view, bytes } = input;
    const le = this.le;
    const linkType = view.getUint16(body, le);
    const snapLen = view.getUint32(body + 4, le);
    let tsResol = MICROSECONDS;
    let tsOffset = 0;
    let name = '';
    forEachOption(input, le, body + 8, end, (code, at, len) => {
      if (code === IF_TSRESOL) {
        if (len !== 1) throw new BlockProblem(`if_tsresol option has length ${len}, expected 1`);
        tsResol = decodeTsResol(view.getUint8(at));
      } else if (code === IF_TSOFFSET) {
        if (len !== 8) throw new BlockProblem(`if_tsoffset option has length ${len}, expected 8`);
        tsOffset = Number(view.getBigInt64(at, le));
      } else if (code === IF_NAME) {
        name = new TextDecoder().decode(bytes.subarray(at, at + len));
      }
    });
    const index = state.interfaces.length;
    state.interfaces.push({ linkType, snapLen, section: this.section, name });
    if (!state.linkTypes.includes(linkType)) state.linkTypes.push(linkType);
    this.ifaces.push({ index, linkType, snapLen, tsResol, tsOffset });
  }

  private iface(id: number): SectionInterface {
    const found = this.ifaces[id];
    if (found === undefined) {
      throw new BlockProblem(`refers to interface ${id}, but section ${this.section} has ${this.ifaces.length}`);
    }
    return found;
  }

  private push(batch: PacketBatch, state: ParseState, on: SectionInterface, start: number, capLen: number, origLen: number, hi: number, lo: number): void {
    splitTimestamp(hi, lo, on.tsResol, this.ts);
    batch.push(start, capLen, origLen, this.ts.sec + on.tsOffset, this.ts.nsec, on.linkType, on.index);
    state.packets += 1;
  }

  /** Sets `state.error` for the block at `input.pos`; returns -1 for blockNeeds to pass on. */
  private damaged(input: Input, state: ParseState, problem: string): -1 {
    const number = state.packets + 1;
    const type = this.type;
    const isPacket = type === BT_EPB || type === BT_SPB || type === BT_OPB;
    const where = isPacket ? `packet ${number}` : `${BLOCK_NAMES.get(type) ?? 'block'} before packet ${number}`;
    state.error = new PcapError(input.offset, number, where, problem);
    return -1;
  }
}

function truncatedBlock(length: number, left: number): string {
  return `truncated block: total length ${length}, ${left} bytes left`;
}

function checkCapLen(capLen: number, room: number, snapLen: number): void {
  if (capLen > room) throw new BlockProblem(`capture length ${capLen} exceeds the ${room} bytes the block holds`);
  if (snapLen !== 0 && capLen > snapLen) {
    throw new BlockProblem(`capture length ${capLen} exceeds the interface's snapshot length ${snapLen}`);
  }
  if (capLen > MAX_SNAPLEN) throw new BlockProblem(`capture length ${capLen} exceeds the limit ${MAX_SNAPLEN}`);
}

function minimumLength(type: number): number {
  switch (type) {
    case BT_SHB:
      return SHB_MIN_LEN;
    case BT_IDB:
      return IDB_MIN_LEN;
    case BT_EPB:
      return EPB_MIN_LEN;
    case BT_OPB:
      return OPB_MIN_LEN;
    case BT_SPB:
      return SPB_MIN_LEN;
    default:
      return BLOCK_OVERHEAD;
  }
}

/**
 * Walks the options between `start` and `end` of `input.bytes`; stops at
 * opt_endofopt. Messages give file offsets.
 */
function forEachOption(
  input: Input,
  le: boolean,
  start: number,
  end: number,
  visit: (code: number, valueAt: number, length: number) => void,
): void {
  const view = input.view;
  let at = start;
  while (at < end) {
    if (end - at < 4) throw new BlockProblem(`option header at byte ${input.base + at} overruns the block`);
    const code = view.getUint16(at, le);
    const length = view.getUint16(at + 2, le);
    if (code === OPT_ENDOFOPT) return;
    const padded = (length + 3) & ~3;
    if (padded > end - at - 4) throw new BlockProblem(`option ${code} at byte ${input.base + at} (length ${length}) overruns the block`);
    visit(code, at + 4, length);
    at += 4 + padded;
  }
}
