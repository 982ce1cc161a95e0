import { PcapError } from './error.js';
import { MAX_SNAPLEN, type Capture, type CapturedPacket } from './packet.js';

// Magic numbers as read in the file's own byte order.
export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;

const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

/**
 * Reads a classic libpcap file (either byte order, microsecond or nanosecond
 * timestamps). The caller has checked that the first four bytes are one of
 * the two magics in one of the two byte orders.
 */
export function readClassic(bytes: Uint8Array): Capture {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets: CapturedPacket[] = [];
  const le = view.getUint32(0, true) === PCAP_MAGIC_USEC || view.getUint32(0, true) === PCAP_MAGIC_NSEC;
  const nanosecond = view.getUint32(0, le) === PCAP_MAGIC_NSEC;
  const format = nanosecond ? 'pcap-ns' : 'pcap';
  const fail = (problem: string): Capture => ({
    format,
    packets,
    interfaces: [],
    linkTypes: [],
    error: new PcapError(0, 1, 'file header', problem),
  });

  if (bytes.length < FILE_HEADER_LEN) {
    return fail(`truncated pcap file header: ${FILE_HEADER_LEN} bytes needed, ${bytes.length} present`);
  }
  const major = view.getUint16(4, le);
  const minor = view.getUint16(6, le);
  if (major !== 2) {
    return fail(`unsupported pcap version ${major}.${minor} (only 2.x exists)`);
  }
  const snapLen = view.getUint32(16, le);
  // Bits above the low 16 of the link-type field hold FCS flags, not the link type (libpcap masks them too).
  const linkType = view.getUint32(20, le) & 0xffff;
  const limit = snapLen === 0 ? MAX_SNAPLEN : Math.min(snapLen, MAX_SNAPLEN);
  const fracLimit = nanosecond ? 1_000_000_000 : 1_000_000;
  const fracToNsec = nanosecond ? 1 : 1000;

  const capture: Capture = {
    format,
    packets,
    interfaces: [{ linkType, snapLen, section: 0, name: '' }],
    linkTypes: [linkType],
  };

  let off = FILE_HEADER_LEN;
  while (off < bytes.length) {
    const problem = checkRecord(view, off, le, limit, snapLen, fracLimit);
    if (problem !== undefined) {
      const number = packets.length + 1;
      capture.error = new PcapError(off, number, `packet ${number}`, problem);
      return capture;
    }
    const capLen = view.getUint32(off + 8, le);
    const start = off + RECORD_HEADER_LEN;
    packets.push({
      data: new Uint8Array(bytes.buffer, bytes.byteOffset + start, capLen),
      origLen: view.getUint32(off + 12, le),
      tsSec: view.getUint32(off, le),
      tsNsec: view.getUint32(off + 4, le) * fracToNsec,
      linkType,
      interfaceIndex: 0,
    });
    off = start + capLen;
  }
  return capture;
}

/** What is wrong with the record at `off`, or undefined when it can be read. */
function checkRecord(view: DataView, off: number, le: boolean, limit: number, snapLen: number, fracLimit: number): string | undefined {
  const left = view.byteLength - off;
  if (left < RECORD_HEADER_LEN) {
    return `truncated record header: ${RECORD_HEADER_LEN} bytes needed, ${left} left`;
  }
  const frac = view.getUint32(off + 4, le);
  const capLen = view.getUint32(off + 8, le);
  if (capLen > limit) {
    const why = snapLen !== 0 && snapLen < MAX_SNAPLEN ? `snapshot length ${snapLen}` : `limit ${MAX_SNAPLEN}`;
    return `capture length ${capLen} exceeds the ${why}`;
  }
  if (frac >= fracLimit) {
    return `timestamp fraction ${frac} is not below ${fracLimit} (${fracLimit === 1_000_000 ? 'µs' : 'ns'})`;
  }
  if (left - RECORD_HEADER_LEN < capLen) {
    return `truncated packet data: capture length ${capLen}, ${left - RECORD_HEADER_LEN} bytes left`;
  }
  return undefined;
}
