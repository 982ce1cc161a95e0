import { XdpsimError } from '../errors/index.js';
import { ETH_DATA_LEN, ETH_HLEN, ETH_P_802_2, ETH_P_802_3, ETH_P_802_3_MIN, ETH_P_IP, ETH_P_IPV6 } from '../uapi/if-ether.js';
import { decodeCooked, SLL2_HEADER_LEN, SLL_HEADER_LEN, type CookedHeader } from './cooked.js';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  linkTypeName,
} from './linktype.js';
import type { CapturedPacket } from './packet.js';

/** A packet whose link layer cannot be turned into an Ethernet frame. */
export class LinkTypeError extends XdpsimError {
  override readonly name = 'LinkTypeError';
  override readonly code = 'LINK_TYPE';
  constructor(
    readonly linkType: number,
    problem: string,
  ) {
    super(`link type ${linkType} (${linkTypeName(linkType)}) ${problem}`);
  }
}

/**
 * MAC addresses given to frames whose capture kept none: the receiving NIC
 * and the peer that sent the frame. Both are locally administered unicast.
 */
export const SYNTHETIC_DST_MAC: readonly number[] = [0x02, 0, 0, 0, 0, 0x01];
export const SYNTHETIC_SRC_MAC: readonly number[] = [0x02, 0, 0, 0, 0, 0x02];

const BROADCAST_MAC: readonly number[] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
// SYNTHETIC_DST_MAC with the group bit set, for multicast frames that are not IP.
const SYNTHETIC_GROUP_MAC: readonly number[] = [0x03, 0, 0, 0, 0, 0x01];

// Linux ARPHRD_* and PACKET_* values needed to read cooked headers.
const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const PACKET_BROADCAST = 1;
const PACKET_MULTICAST = 2;

// Address families the LINKTYPE_NULL/LOOP registry lists: AF_INET is 2
// everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS).
// Linux never writes these link types, so its AF_INET6 (10) is not one.
const AF_INET = 2;
const AF_INET6_VALUES: ReadonlySet<number> = new Set([24, 28, 30]);

/**
 * The packet as the Ethernet frame an XDP program would see.
 *
 * - EN10MB: the captured bytes themselves (no copy).
 * - LINUX_SLL / LINUX_SLL2: the cooked header is replaced by a 14-byte
 *   Ethernet header. Ethertype = the cooked protocol field when it is
 *   ≥ 0x0600; on an Ethernet device, protocol 0x0001 (raw 802.3) or
 *   0x0004 (802.2 LLC) becomes an 802.3 length field (payload length,
 *   ≤ 1500). Source MAC = the cooked address when it is a 6-byte Ethernet
 *   or loopback address, else SYNTHETIC_SRC_MAC. Destination MAC =
 *   ff:ff:ff:ff:ff:ff for PACKET_BROADCAST; for PACKET_MULTICAST the MAC of
 *   the IPv4 (01:00:5e + low 23 bits) or IPv6 (33:33 + low 32 bits) group
 *   address, or 03:00:00:00:00:01 when the payload is not IP; otherwise
 *   SYNTHETIC_DST_MAC.
 * - RAW (by IP version nibble), IPV4, IPV6, NULL and LOOP (by address
 *   family, NULL in either byte order): the header (4 bytes for NULL/LOOP,
 *   none otherwise) is replaced by SYNTHETIC_DST_MAC, SYNTHETIC_SRC_MAC and
 *   Ethertype 0x0800 or 0x86dd.
 *
 * Anything else throws a LinkTypeError naming the link type. Converted
 * frames are new arrays of 14 + payload bytes.
 */
export function toEthernet(packet: Pick<CapturedPacket, 'data' | 'linkType'>): Uint8Array {
  const { data, linkType } = packet;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return data;
    case LINKTYPE_LINUX_SLL:
    case LINKTYPE_LINUX_SLL2:
      return fromCooked(data, linkType);
    case LINKTYPE_RAW:
      return fromRaw(data, linkType);
    case LINKTYPE_IPV4:
      return frame(SYNTHETIC_DST_MAC, SYNTHETIC_SRC_MAC, ETH_P_IP, data);
    case LINKTYPE_IPV6:
      return frame(SYNTHETIC_DST_MAC, SYNTHETIC_SRC_MAC, ETH_P_IPV6, data);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return fromLoopback(data, linkType);
    default:
      throw new LinkTypeError(linkType, 'is not Ethernet and cannot be converted');
  }
}

function fromCooked(data: Uint8Array, linkType: number): Uint8Array {
  const headerLen = linkType === LINKTYPE_LINUX_SLL ? SLL_HEADER_LEN : SLL2_HEADER_LEN;
  if (data.length < headerLen) {
    throw new LinkTypeError(linkType, `packet of ${data.length} bytes is shorter than its ${headerLen}-byte header`);
  }
  const sll = decodeCooked(data, linkType);
  const payload = data.subarray(sll.headerLen);
  const ethernetDevice = sll.haType === ARPHRD_ETHER || sll.haType === ARPHRD_LOOPBACK;
  let type = sll.protocol;
  // Below ETH_P_802_3_MIN a cooked protocol is not an Ethertype but Linux's
  // number for a frame that has none; of those, only raw 802.3 and 802.2 LLC
  // are Ethernet frames.
  if (type < ETH_P_802_3_MIN) {
    if (!ethernetDevice || (type !== ETH_P_802_3 && type !== ETH_P_802_2)) {
      throw new LinkTypeError(
        linkType,
        `packet has protocol 0x${type.toString(16).padStart(4, '0')} on ARPHRD ${sll.haType}, which is not an Ethernet frame`,
      );
    }
    if (payload.length > ETH_DATA_LEN) {
      throw new LinkTypeError(linkType, `802.3 payload of ${payload.length} bytes exceeds the 802.3 length field's ${ETH_DATA_LEN}`);
    }
    type = payload.length;
  }
  const src = ethernetDevice && sll.addr.length === 6 ? sll.addr : SYNTHETIC_SRC_MAC;
  return frame(cookedDestination(sll, payload), src, type, payload);
}

function cookedDestination(sll: CookedHeader, payload: Uint8Array): readonly number[] {
  if (sll.pktType === PACKET_BROADCAST) return BROADCAST_MAC;
  if (sll.pktType !== PACKET_MULTICAST) return SYNTHETIC_DST_MAC;
  if (sll.protocol === ETH_P_IP && payload.length >= 20) {
    return [0x01, 0x00, 0x5e, payload[17] & 0x7f, payload[18], payload[19]];
  }
  if (sll.protocol === ETH_P_IPV6 && payload.length >= 40) {
    return [0x33, 0x33, payload[36], payload[37], payload[38], payload[39]];
  }
  return SYNTHETIC_GROUP_MAC;
}

function fromRaw(data: Uint8Array, linkType: number): Uint8Array {
  if (data.length === 0) throw new LinkTypeError(linkType, 'packet holds no IP header');
  const version = data[0] >> 4;
  if (version === 4) return frame(SYNTHETIC_DST_MAC, SYNTHETIC_SRC_MAC, ETH_P_IP, data);
  if (version === 6) return frame(SYNTHETIC_DST_MAC, SYNTHETIC_SRC_MAC, ETH_P_IPV6, data);
  throw new LinkTypeError(linkType, `packet has IP version ${version}, neither 4 nor 6`);
}

function fromLoopback(data: Uint8Array, linkType: number): Uint8Array {
  if (data.length < 4) {
    throw new LinkTypeError(linkType, `packet of ${data.length} bytes is shorter than its 4-byte address family header`);
  }
  const view = new DataView(data.buffer, data.byteOffset, 4);
  // LOOP is big-endian; NULL is in the capturing host's order, which a
  // family number (always < 65536) gives away.
  let family = view.getUint32(0, linkType === LINKTYPE_NULL);
  if (linkType === LINKTYPE_NULL && family > 0xffff) family = view.getUint32(0, false);
  const payload = data.subarray(4);
  if (family === AF_INET) return frame(SYNTHETIC_DST_MAC, SYNTHETIC_SRC_MAC, ETH_P_IP, payload);
  if (AF_INET6_VALUES.has(family)) return frame(SYNTHETIC_DST_MAC, SYNTHETIC_SRC_MAC, ETH_P_IPV6, payload);
  throw new LinkTypeError(linkType, `packet has address family ${family}, neither IPv4 nor IPv6`);
}

function frame(dst: ArrayLike<number>, src: ArrayLike<number>, type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(ETH_HLEN + payload.length);
  out.set(dst, 0);
  out.set(src, 6);
  out[12] = type >> 8;
  out[13] = type & 0xff;
  out.set(payload, ETH_HLEN);
  return out;
}
