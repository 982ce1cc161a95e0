import { LINKTYPE_LINUX_SLL } from './linktype.js';

/** The fields of a Linux "cooked" capture header (LINUX_SLL or LINUX_SLL2) used to rebuild Ethernet. */
export interface CookedHeader {
  /** PACKET_HOST 0, PACKET_BROADCAST 1, PACKET_MULTICAST 2, PACKET_OTHERHOST 3, PACKET_OUTGOING 4. */
  pktType: number;
  /** ARPHRD_* of the capturing device. */
  haType: number;
  /** Link-layer source address (up to 8 bytes kept). */
  addr: Uint8Array;
  /** Ethertype, or a Linux ETH_P_* value below 0x0600 for non-Ethernet-II payloads. */
  protocol: number;
  /** Where the payload (network-layer header) starts. */
  headerLen: number;
}

export const SLL_HEADER_LEN = 16;
export const SLL2_HEADER_LEN = 20;

/** Decodes the cooked header; the caller has checked the packet holds it. Fields are big-endian. */
export function decodeCooked(data: Uint8Array, linkType: number): CookedHeader {
  const be16 = (at: number): number => (data[at] << 8) | data[at + 1];
  if (linkType === LINKTYPE_LINUX_SLL) {
    // pkttype(2) hatype(2) halen(2) addr(8) protocol(2)
    return {
      pktType: be16(0),
      haType: be16(2),
      addr: data.subarray(6, 6 + Math.min(be16(4), 8)),
      protocol: be16(14),
      headerLen: SLL_HEADER_LEN,
    };
  }
  // protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
  return {
    pktType: data[10],
    haType: be16(8),
    addr: data.subarray(12, 12 + Math.min(data[11], 8)),
    protocol: be16(0),
    headerLen: SLL2_HEADER_LEN,
  };
}
