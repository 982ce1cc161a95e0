import { hex, PcapError } from './error.js';
import { MAX_SNAPLEN, type Capture, type CapturedPacket } from './packet.js';
import { decodeTsResol, MICROSECONDS, splitTimestamp, type TsResolution } from './timestamp.js';

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

const BLOCK_NAMES: ReadonlyMap<number, string> = new Map([
  [BT_SHB, 'section header block'],
  [BT_IDB, 'interface description block'],
  [BT_OPB, 'packet block'],
  [BT_SPB, 'simple packet block'],
  [BT_EPB, 'enhanced packet block'],
]);

interface SectionInterface {
  /** Index into Capture.interfaces. */
  index: number;
  linkType: number;
  snapLen: number;
  tsResol: TsResolution;
  tsOffset: number;
}

/** Thrown inside the reader only, turned into Capture.error at the block's offset. */
class BlockProblem {
  constructor(readonly problem: string) {}
}

/**
 * Reads a pcapng file: any number of sections, each in its own byte order;
 * interface description, enhanced, simple and obsolete packet blocks; every
 * other block type is skipped by its length. The caller has checked that the
 * file starts with a section header block type.
 */
export function readPcapng(bytes: Uint8Array): Capture {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets: CapturedPacket[] = [];
  const capture: Capture = { format: 'pcapng', packets, interfaces: [], linkTypes: [] };
  let section = -1;
  let le = true;
  let ifaces: SectionInterface[] = [];

  const u32 = (at: number): number => view.getUint32(at, le);
  const u16 = (at: number): number => view.getUint16(at, le);

  const readIdb = (body: number, end: number): void => {
    const linkType = u16(body);
    const snapLen = u32(body + 4);
    let tsResol = MICROSECONDS;
    let tsOffset = 0;
    let name = '';
    forEachOption(view, le, body + 8, end, (code, at, len) => {
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
    const index = capture.interfaces.length;
    capture.interfaces.push({ linkType, snapLen, section, name });
    if (!capture.linkTypes.includes(linkType)) capture.linkTypes.push(linkType);
    ifaces.push({ index, linkType, snapLen, tsResol, tsOffset });
  };

  const iface = (id: number): SectionInterface => {
    const found = ifaces[id];
    if (found === undefined) {
      throw new BlockProblem(`refers to interface ${id}, but section ${section} has ${ifaces.length}`);
    }
    return found;
  };

  const checkCapLen = (capLen: number, room: number, snapLen: number): void => {
    if (capLen > room) throw new BlockProblem(`capture length ${capLen} exceeds the ${room} bytes the block holds`);
    if (snapLen !== 0 && capLen > snapLen) {
      throw new BlockProblem(`capture length ${capLen} exceeds the interface's snapshot length ${snapLen}`);
    }
    if (capLen > MAX_SNAPLEN) throw new BlockProblem(`capture length ${capLen} exceeds the limit ${MAX_SNAPLEN}`);
  };

  const pushPacket = (on: SectionInterface, start: number, capLen: number, origLen: number, hi: number, lo: number) => {
    const ts = splitTimestamp(hi, lo, on.tsResol);
    packets.push({
      data: bytes.subarray(start, start + capLen),
      origLen,
      tsSec: ts.sec + on.tsOffset,
      tsNsec: ts.nsec,
      linkType: on.linkType,
      interfaceIndex: on.index,
    });
  };

  let off = 0;
  while (off < bytes.length) {
    const number = packets.length + 1;
    const left = bytes.length - off;
    const isShb = left >= 4 && view.getUint32(off, true) === BT_SHB;
    const type = isShb ? BT_SHB : left >= 4 ? u32(off) : -1;
    const damaged = (problem: string): Capture => {
      const isPacket = type === BT_EPB || type === BT_SPB || type === BT_OPB;
      const where = isPacket ? `packet ${number}` : `${BLOCK_NAMES.get(type) ?? 'block'} before packet ${number}`;
      capture.error = new PcapError(off, number, where, problem);
      return capture;
    };

    if (left < BLOCK_OVERHEAD) {
      return damaged(`truncated block header: ${BLOCK_OVERHEAD} bytes needed, ${left} left`);
    }
    if (isShb) {
      const magic = view.getUint32(off + 8, true);
      if (magic === BYTE_ORDER_MAGIC) le = true;
      else if (magic === 0x4d3c2b1a) le = false;
      else return damaged(`byte-order magic 0x${hex(magic)} is not 0x1a2b3c4d in either byte order`);
    }
    const length = u32(off + 4);
    if (length % 4 !== 0) return damaged(`block total length ${length} is not a multiple of 4`);
    const minLength = minimumLength(type);
    if (length < minLength) return damaged(`block total length ${length} is below the minimum ${minLength}`);
    if (length > left) return damaged(`truncated block: total length ${length}, ${left} bytes left`);
    const trailing = u32(off + length - 4);
    if (trailing !== length) {
      return damaged(`trailing block length ${trailing} does not match the leading ${length}`);
    }
    const body = off + 8;
    const end = off + length - 4;

    try {
      switch (type) {
        case BT_SHB: {
          const major = u16(body + 4);
          if (major !== 1) throw new BlockProblem(`unsupported pcapng version ${major}.${u16(body + 6)}`);
          section += 1;
          ifaces = [];
          break;
        }
        case BT_IDB:
          readIdb(body, end);
          break;
        case BT_EPB: {
          const on = iface(u32(body));
          const capLen = u32(body + 12);
          checkCapLen(capLen, end - (body + 20), on.snapLen);
          pushPacket(on, body + 20, capLen, u32(body + 16), u32(body + 4), u32(body + 8));
          break;
        }
        case BT_OPB: {
          const on = iface(u16(body));
          const capLen = u32(body + 12);
          checkCapLen(capLen, end - (body + 20), on.snapLen);
          pushPacket(on, body + 20, capLen, u32(body + 16), u32(body + 4), u32(body + 8));
          break;
        }
        case BT_SPB: {
          // No timestamp and no capture length: the data is what the block
          // holds, cut to the snapshot length of the section's first interface.
          const on = iface(0);
          const origLen = u32(body);
          const room = end - (body + 4);
          const capLen = Math.min(origLen, room, on.snapLen === 0 ? room : on.snapLen);
          checkCapLen(capLen, room, on.snapLen);
          pushPacket(on, body + 4, capLen, origLen, 0, 0);
          break;
        }
        default:
          // Name resolution, statistics, decryption secrets, custom blocks…: not packets.
          break;
      }
    } catch (e) {
      if (e instanceof BlockProblem) return damaged(e.problem);
      throw e;
    }
    off += length;
  }
  return capture;
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

/** Walks the options between `start` and `end`; stops at opt_endofopt. */
function forEachOption(
  view: DataView,
  le: boolean,
  start: number,
  end: number,
  visit: (code: number, valueAt: number, length: number) => void,
): void {
  let at = start;
  while (at < end) {
    if (end - at < 4) throw new BlockProblem(`option header at byte ${at} overruns the block`);
    const code = view.getUint16(at, le);
    const length = view.getUint16(at + 2, le);
    if (code === OPT_ENDOFOPT) return;
    const padded = (length + 3) & ~3;
    if (padded > end - at - 4) throw new BlockProblem(`option ${code} at byte ${at} (length ${length}) overruns the block`);
    visit(code, at + 4, length);
    at += 4 + padded;
  }
}
