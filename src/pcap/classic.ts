import type { PacketBatch } from './batch.js';
import { PcapError } from './error.js';
import type { Input, Progress } from './input.js';
import { MAX_SNAPLEN } from './packet.js';
import type { ParseState, RecordParser } from './parse.js';

// Magic numbers as read in the file's own byte order.
export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;

const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

/**
 * Parses a classic libpcap file (either byte order, microsecond or
 * nanosecond timestamps), header then records. The caller has read the
 * magic, which gives the byte order and the resolution.
 */
export class ClassicParser implements RecordParser {
  readonly format: 'pcap' | 'pcap-ns';
  private readonly fracLimit: number;
  private readonly fracToNsec: number;
  private headerRead = false;
  private snapLen = 0;
  private limit = 0;
  private linkType = 0;

  constructor(
    private readonly le: boolean,
    nanosecond: boolean,
  ) {
    this.format = nanosecond ? 'pcap-ns' : 'pcap';
    this.fracLimit = nanosecond ? 1_000_000_000 : 1_000_000;
    this.fracToNsec = nanosecond ? 1 : 1000;
  }

  parse(input: Input, batch: PacketBatch, state: ParseState): Progress {
    if (!this.headerRead) {
      const progress = this.readHeader(input, state);
      if (progress !== undefined) return progress;
    }
    const view = input.view;
    const le = this.le;
    while (batch.count < batch.capacity) {
      const left = input.available;
      if (left === 0 && input.eof) return 'end';
      const need = this.recordNeeds(input, state);
      if (need < 0) return 'error';
      if (left < need) {
        input.need = need;
        return 'more';
      }
      const off = input.pos;
      const capLen = view.getUint32(off + 8, le);
      batch.push(
        off + RECORD_HEADER_LEN,
        capLen,
        view.getUint32(off + 12, le),
        view.getUint32(off, le),
        view.getUint32(off + 4, le) * this.fracToNsec,
        this.linkType,
        0,
      );
      state.packets += 1;
      input.pos = off + RECORD_HEADER_LEN + capLen;
    }
    return 'full';
  }

  private readHeader(input: Input, state: ParseState): Progress | undefined {
    const left = input.available;
    if (left < FILE_HEADER_LEN) {
      if (!input.eof) {
        input.need = FILE_HEADER_LEN;
        return 'more';
      }
      return fail(state, `truncated pcap file header: ${FILE_HEADER_LEN} bytes needed, ${left} present`);
    }
    const { view, pos } = input;
    const major = view.getUint16(pos + 4, this.le);
    const minor = view.getUint16(pos + 6, this.le);
    if (major !== 2) return fail(state, `unsupported pcap version ${major}.${minor} (only 2.x exists)`);
    this.snapLen = view.getUint32(pos + 16, this.le);
    // Bits above the low 16 of the link-type field hold FCS flags, not the link type (libpcap masks them too).
    this.linkType = view.getUint32(pos + 20, this.le) & 0xffff;
    this.limit = this.snapLen === 0 ? MAX_SNAPLEN : Math.min(this.snapLen, MAX_SNAPLEN);
    state.interfaces.push({ linkType: this.linkType, snapLen: this.snapLen, section: 0, name: '' });
    state.linkTypes.push(this.linkType);
    input.pos = pos + FILE_HEADER_LEN;
    this.headerRead = true;
    return undefined;
  }

  /**
   * The bytes the record at `input.pos` takes as far as can be told from
   * what is in memory, or -1 after setting `state.error` when it is damaged.
   * Truncation is damage only once the file has ended.
   */
  private recordNeeds(input: Input, state: ParseState): number {
    const { view, pos: off } = input;
    const left = input.available;
    if (left < RECORD_HEADER_LEN) {
      return input.eof ? damaged(input, state, `truncated record header: ${RECORD_HEADER_LEN} bytes needed, ${left} left`) : RECORD_HEADER_LEN;
    }
    const frac = view.getUint32(off + 4, this.le);
    const capLen = view.getUint32(off + 8, this.le);
    if (capLen > this.limit) {
      const why = this.snapLen !== 0 && this.snapLen < MAX_SNAPLEN ? `snapshot length ${this.snapLen}` : `limit ${MAX_SNAPLEN}`;
      return damaged(input, state, `capture length ${capLen} exceeds the ${why}`);
    }
    if (frac >= this.fracLimit) {
      return damaged(input, state, `timestamp fraction ${frac} is not below ${this.fracLimit} (${this.fracLimit === 1_000_000 ? 'µs' : 'ns'})`);
    }
    if (left - RECORD_HEADER_LEN < capLen && input.eof) {
      return damaged(input, state, `truncated packet data: capture length ${capLen}, ${left - RECORD_HEADER_LEN} bytes left`);
    }
    return RECORD_HEADER_LEN + capLen;
  }
}

function fail(state: ParseState, problem: string): 'error' {
  state.error = new PcapError(0, 1, 'file header', problem);
  return 'error';
}

function damaged(input: Input, state: ParseState, problem: string): -1 {
  const number = state.packets + 1;
  state.error = new PcapError(input.offset, number, `packet ${number}`, problem);
  return -1;
}
