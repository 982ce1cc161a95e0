import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC } from './classic.js';
import { PcapError } from './error.js';
import { LINKTYPE_ETHERNET } from './linktype.js';
import { MAX_SNAPLEN } from './packet.js';

/** What the writer needs of a packet; a CapturedPacket is one. */
export interface PcapRecord {
  data: Uint8Array;
  tsSec: number;
  tsNsec: number;
  /** Length on the wire; `data.length` when absent. */
  origLen?: number;
}

export interface PcapWriterOptions {
  /** LINKTYPE_* of every record; Ethernet by default. */
  linkType?: number;
  /** Nanosecond timestamps (magic a1b23c4d); microsecond ones, truncated from tsNsec, by default. */
  nanosecond?: boolean;
  /** Snapshot length written in the header and enforced on records; MAX_SNAPLEN by default. */
  snapLen?: number;
}

export const FILE_HEADER_LEN = 24;
export const RECORD_HEADER_LEN = 16;

/**
 * Builds a classic pcap file (little-endian, version 2.4) record by record,
 * copying each record's bytes so callers may reuse their buffers.
 */
export class PcapWriter {
  private buf: Uint8Array;
  private view: DataView;
  private length = FILE_HEADER_LEN;
  private count = 0;
  private readonly nanosecond: boolean;
  private readonly snapLen: number;

  constructor(options: PcapWriterOptions = {}) {
    const linkType = options.linkType ?? LINKTYPE_ETHERNET;
    this.nanosecond = options.nanosecond ?? false;
    this.snapLen = options.snapLen ?? MAX_SNAPLEN;
    if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) {
      throw new PcapError(0, 1, 'file header', `link type ${linkType} is not a 16-bit unsigned integer`);
    }
    if (!Number.isInteger(this.snapLen) || this.snapLen < 1 || this.snapLen > MAX_SNAPLEN) {
      throw new PcapError(0, 1, 'file header', `snapshot length ${this.snapLen} is not within 1..${MAX_SNAPLEN}`);
    }
    this.buf = new Uint8Array(64 * 1024);
    this.view = new DataView(this.buf.buffer);
    writeFileHeader(this.view, linkType, this.nanosecond, this.snapLen);
  }

  get packetCount(): number {
    return this.count;
  }

  /** Appends one record; throws a PcapError (and writes nothing) when the file cannot represent it. */
  append(record: PcapRecord): void {
    const { data, tsSec, tsNsec } = record;
    const origLen = record.origLen ?? data.length;
    const problem = recordProblem(data.length, tsSec, tsNsec, origLen, this.snapLen);
    if (problem !== undefined) throw new PcapError(this.length, this.count + 1, `packet ${this.count + 1}`, problem);
    this.reserve(RECORD_HEADER_LEN + data.length);
    const at = this.length;
    this.view.setUint32(at, tsSec, true);
    this.view.setUint32(at + 4, this.nanosecond ? tsNsec : Math.floor(tsNsec / 1000), true);
    this.view.setUint32(at + 8, data.length, true);
    this.view.setUint32(at + 12, origLen, true);
    this.buf.set(data, at + RECORD_HEADER_LEN);
    this.length = at + RECORD_HEADER_LEN + data.length;
    this.count += 1;
  }

  /** The file written so far, as a new array. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** The 24-byte file header of a little-endian pcap 2.4 file, at the start of `view`. */
export function writeFileHeader(view: DataView, linkType: number, nanosecond: boolean, snapLen: number): void {
  view.setUint32(0, nanosecond ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  // thiszone and sigfigs (offsets 8 and 12) stay 0, as every modern writer leaves them.
  view.setUint32(16, snapLen, true);
  view.setUint32(20, linkType, true);
}

/** Why a record cannot go into a classic pcap file, or undefined when it can. */
export function recordProblem(capLen: number, tsSec: number, tsNsec: number, origLen: number, snapLen: number): string | undefined {
  if (!Number.isInteger(tsSec) || tsSec < 0 || tsSec > 0xffffffff) {
    return `timestamp seconds ${tsSec} do not fit an unsigned 32-bit field`;
  }
  if (!Number.isInteger(tsNsec) || tsNsec < 0 || tsNsec >= 1_000_000_000) {
    return `timestamp nanoseconds ${tsNsec} are not an integer within 0..999999999`;
  }
  if (capLen > snapLen) return `capture length ${capLen} exceeds the snapshot length ${snapLen}`;
  if (!Number.isInteger(origLen) || origLen < capLen || origLen > 0xffffffff) {
    return `original length ${origLen} is not an unsigned 32-bit integer ≥ the capture length ${capLen}`;
  }
  return undefined;
}

/** A whole classic pcap file holding `records`, in order. */
export function writePcap(records: Iterable<PcapRecord>, options: PcapWriterOptions = {}): Uint8Array {
  const writer = new PcapWriter(options);
  for (const record of records) writer.append(record);
  return writer.toBytes();
}
