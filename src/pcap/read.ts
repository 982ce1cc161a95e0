import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC, readClassic } from './classic.js';
import { hex, PcapError } from './error.js';
import type { Capture } from './packet.js';
import { BT_SHB, readPcapng } from './pcapng.js';

/**
 * Reads a whole capture held in memory: classic pcap (either byte order,
 * microsecond or nanosecond) or pcapng, told apart by the first four bytes.
 * Never throws on bad input: see `Capture.error`.
 */
export function readCapture(bytes: Uint8Array): Capture {
  if (bytes.length < 4) {
    return unreadable(`file of ${bytes.length} bytes is too short to hold a capture file header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const swapped = view.getUint32(0, true);
  if (magic === PCAP_MAGIC_USEC || magic === PCAP_MAGIC_NSEC || swapped === PCAP_MAGIC_USEC || swapped === PCAP_MAGIC_NSEC) {
    return readClassic(bytes);
  }
  if (magic === BT_SHB) return readPcapng(bytes);
  return unreadable(
    `unknown magic number 0x${hex(magic)}: not pcap (a1b2c3d4, a1b23c4d in either byte order) nor pcapng (0a0d0d0a)`,
  );
}

function unreadable(problem: string): Capture {
  return { format: undefined, packets: [], interfaces: [], linkTypes: [], error: new PcapError(0, 1, 'file header', problem) };
}
