// Link types → the Ethernet frames an XDP program sees, checked byte by byte
// against the documented rule and, with tcpdump, by decoding both versions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LinkTypeError,
  readCapture,
  SYNTHETIC_DST_MAC,
  SYNTHETIC_SRC_MAC,
  toEthernet,
  writePcap,
  type CapturedPacket,
} from '../../src/pcap/index.js';
import { sharedDir } from '../support/shared.js';
import { decodeLines, NEEDS_TCPDUMP, tcpdumpPresent } from './support/tcpdump.js';

const BUNDLED = join(import.meta.dirname, '../../captures');
const read = (dir: string, name: string): CapturedPacket[] => readCapture(readFileSync(join(dir, name))).packets;

const hex = (b: ArrayLike<number>): string => Buffer.from(Uint8Array.from(b)).toString('hex');
const be16 = (v: number): number[] => [v >> 8, v & 0xff];
const be32 = (v: number): number[] => [v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
const le32 = (v: number): number[] => be32(v).reverse();
const packet = (linkType: number, data: ArrayLike<number>): CapturedPacket => ({
  data: Uint8Array.from(data),
  origLen: data.length,
  tsSec: 1,
  tsNsec: 0,
  linkType,
  interfaceIndex: 0,
});

/** A Linux cooked v1 header: pkttype, hatype, address, protocol. */
const sll = (pktType: number, haType: number, addr: number[], protocol: number): number[] => [
  ...be16(pktType), ...be16(haType), ...be16(addr.length), ...addr, ...new Array<number>(8 - addr.length).fill(0), ...be16(protocol),
];
/** A Linux cooked v2 header: protocol, ifindex, hatype, pkttype, address. */
const sll2 = (pktType: number, haType: number, addr: number[], protocol: number): number[] => [
  ...be16(protocol), 0, 0, ...be32(2), ...be16(haType), pktType, addr.length, ...addr, ...new Array<number>(8 - addr.length).fill(0),
];

const MAC_A = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

/**
 * Each case: link type, captured packets, and the frames the documented rule
 * gives, for real packets from tcpdump's captures in `dir` (the multicast
 * cases rely on their destination addresses).
 */
function documentedCases(dir: string): [string, number, number[][], number[][]][] {
  // Network-layer payloads (Ethernet header removed) of real IPv4 and IPv6 packets.
  const ipv4 = read(dir, 'dns_tcp.pcap').map((p) => p.data.subarray(14));
  const ipv6 = read(dir, 'icmpv6.pcap').map((p) => p.data.subarray(14));
  return [
    ['RAW (IPv4 and IPv6 by version nibble)', LINKTYPE_RAW, [[...ipv4[0]!], [...ipv6[0]!]],
      [[...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x08, 0x00, ...ipv4[0]!], [...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x86, 0xdd, ...ipv6[0]!]]],
    ['IPV4', LINKTYPE_IPV4, ipv4.slice(0, 3).map((p) => [...p]), ipv4.slice(0, 3).map((p) => [...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x08, 0x00, ...p])],
    ['IPV6', LINKTYPE_IPV6, ipv6.slice(0, 3).map((p) => [...p]), ipv6.slice(0, 3).map((p) => [...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x86, 0xdd, ...p])],
    ['NULL written little-endian (AF_INET 2, AF_INET6 28 of FreeBSD)', LINKTYPE_NULL, [[...le32(2), ...ipv4[1]!], [...le32(28), ...ipv6[1]!]],
      [[...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x08, 0x00, ...ipv4[1]!], [...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x86, 0xdd, ...ipv6[1]!]]],
    ['NULL written big-endian (AF_INET6 30 of macOS)', LINKTYPE_NULL, [[...be32(2), ...ipv4[2]!], [...be32(30), ...ipv6[2]!]],
      [[...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x08, 0x00, ...ipv4[2]!], [...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x86, 0xdd, ...ipv6[2]!]]],
    ['LOOP (AF_INET6 24 and 28 of the BSDs)', LINKTYPE_LOOP, [[...be32(24), ...ipv6[3]!], [...be32(28), ...ipv6[4]!], [...be32(2), ...ipv4[3]!]],
      [[...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x86, 0xdd, ...ipv6[3]!], [...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x86, 0xdd, ...ipv6[4]!],
        [...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x08, 0x00, ...ipv4[3]!]]],
    ['LINUX_SLL: source MAC kept, broadcast and multicast destinations', LINKTYPE_LINUX_SLL, [
      [...sll(0, 1, MAC_A, 0x0800), ...ipv4[4]!],
      [...sll(1, 1, MAC_A, 0x0800), ...ipv4[5]!],
      [...sll(2, 1, MAC_A, 0x86dd), ...ipv6[0]!], // to ff02::1
      [...sll(4, 512, [], 0x0800), ...ipv4[6]!], // outgoing on a PPP device: no MAC
      [...sll(0, 778, [192, 0, 2, 1], 0x0800), ...ipv4[7]!], // GRE device: the address is not a MAC
    ], [
      [...SYNTHETIC_DST_MAC, ...MAC_A, 0x08, 0x00, ...ipv4[4]!],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...MAC_A, 0x08, 0x00, ...ipv4[5]!],
      [0x33, 0x33, 0, 0, 0, 1, ...MAC_A, 0x86, 0xdd, ...ipv6[0]!],
      [...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x08, 0x00, ...ipv4[6]!],
      [...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x08, 0x00, ...ipv4[7]!],
    ]],
    ['LINUX_SLL2', LINKTYPE_LINUX_SLL2, [
      [...sll2(0, 1, MAC_A, 0x0800), ...ipv4[8]!],
      [...sll2(2, 1, MAC_A, 0x86dd), ...ipv6[1]!], // to ff02::16
    ], [
      [...SYNTHETIC_DST_MAC, ...MAC_A, 0x08, 0x00, ...ipv4[8]!],
      [0x33, 0x33, 0, 0, 0, 0x16, ...MAC_A, 0x86, 0xdd, ...ipv6[1]!],
    ]],
  ];
}

describe('toEthernet', () => {
  it('returns Ethernet frames themselves, without copying', () => {
    const p = read(BUNDLED, 'ipv4.pcap')[0]!;
    expect(p.linkType).toBe(LINKTYPE_ETHERNET);
    expect(toEthernet(p)).toBe(p.data);
  });

  const shared = sharedDir('captures');
  if (shared !== undefined) {
    for (const [what, linkType, packets, frames] of documentedCases(shared)) {
      it(`converts ${what} by the documented rule`, () => {
        expect(packets.map((d) => hex(toEthernet(packet(linkType, d))))).toEqual(frames.map(hex));
      });

      it.skipIf(!tcpdumpPresent)(`converts ${what} into frames tcpdump decodes the same ${NEEDS_TCPDUMP}`, () => {
        const records = packets.map((d, i) => ({ data: Uint8Array.from(d), tsSec: 1000 + i, tsNsec: 0 }));
        const original = decodeLines(writePcap(records, { linkType }));
        const converted = decodeLines(writePcap(records.map((r) => ({ ...r, data: toEthernet(packet(linkType, r.data)) }))));
        // SLL2 lines start with the interface and direction ("eth0  In  IP …"); the rest must match exactly.
        const network = (l: string): string => l.replace(/^(\d+\.\d+ )\S+\s+(?:In|Out|B|M|P)\s+/, '$1');
        expect(converted.map(network)).toEqual(original.map(network));
        expect(original).toHaveLength(packets.length);
      });
    }

    it.skipIf(!tcpdumpPresent)(`converts the real LINUX_SLL capture into frames tcpdump decodes the same ${NEEDS_TCPDUMP}`, () => {
      const path = join(shared, 'tcp-handshake-nano.pcap');
      const packets = read(shared, 'tcp-handshake-nano.pcap');
      const frames = writePcap(packets.map((p) => ({ ...p, data: toEthernet(p) })), { nanosecond: true });
      expect(decodeLines(frames)).toEqual(decodeLines(path));
    });
  }

  it('turns 802.2 LLC and raw 802.3 payloads of a cooked Ethernet capture into 802.3 frames', () => {
    const llc = [0x42, 0x42, 0x03, 0, 0, 0, 0];
    expect(hex(toEthernet(packet(LINKTYPE_LINUX_SLL, [...sll(1, 1, MAC_A, 0x0004), ...llc]))))
      .toBe(hex([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...MAC_A, 0, llc.length, ...llc]));
    expect(hex(toEthernet(packet(LINKTYPE_LINUX_SLL2, [...sll2(0, 1, MAC_A, 0x0001), 0xff, 0xff]))))
      .toBe(hex([...SYNTHETIC_DST_MAC, ...MAC_A, 0, 2, 0xff, 0xff]));
  });

  it('gives non-IP multicast the synthetic group MAC', () => {
    const frame = toEthernet(packet(LINKTYPE_LINUX_SLL, [...sll(2, 1, MAC_A, 0x88cc), 1, 2, 3]));
    expect(hex(frame.subarray(0, 6))).toBe('030000000001');
  });

  const refusals: [string, CapturedPacket, string][] = [
    ['802.11', packet(105, [0x80, 0, 0, 0]), 'link type 105 (IEEE802_11) is not Ethernet and cannot be converted'],
    ['an unknown link type', packet(12345, [1]), 'link type 12345 (unknown) is not Ethernet and cannot be converted'],
    ['PPP', packet(9, [0xff, 0x03, 0, 0x21]), 'link type 9 (PPP) is not Ethernet and cannot be converted'],
    ['a cooked packet shorter than its header', packet(LINKTYPE_LINUX_SLL, [0, 0, 0, 1, 0, 6]),
      'link type 113 (LINUX_SLL) packet of 6 bytes is shorter than its 16-byte header'],
    ['a CAN frame in a cooked capture', packet(LINKTYPE_LINUX_SLL2, [...sll2(0, 280, [], 0x000c), 1, 2, 3, 4]),
      'link type 276 (LINUX_SLL2) packet has protocol 0x000c on ARPHRD 280, which is not an Ethernet frame'],
    ['an 802.3 payload longer than 1500 bytes', packet(LINKTYPE_LINUX_SLL, [...sll(0, 1, MAC_A, 0x0004), ...new Array<number>(1501).fill(0)]),
      "link type 113 (LINUX_SLL) 802.3 payload of 1501 bytes exceeds the 802.3 length field's 1500"],
    ['RAW with IP version 5', packet(LINKTYPE_RAW, [0x50, 0, 0, 0]), 'link type 101 (RAW) packet has IP version 5, neither 4 nor 6'],
    ['an empty RAW packet', packet(LINKTYPE_RAW, []), 'link type 101 (RAW) packet holds no IP header'],
    ['NULL with AF_UNIX', packet(LINKTYPE_NULL, [1, 0, 0, 0, 0x45]), 'link type 0 (NULL) packet has address family 1, neither IPv4 nor IPv6'],
    ['NULL with Linux’s AF_INET6', packet(LINKTYPE_NULL, [10, 0, 0, 0, 0x60]), 'link type 0 (NULL) packet has address family 10, neither IPv4 nor IPv6'],
    ['LOOP shorter than its header', packet(LINKTYPE_LOOP, [0, 0]), 'link type 108 (LOOP) packet of 2 bytes is shorter than its 4-byte address family header'],
  ];
  for (const [what, p, message] of refusals) {
    it(`refuses ${what}, naming the link type`, () => {
      let caught: unknown;
      try {
        toEthernet(p);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(LinkTypeError);
      expect((caught as LinkTypeError).linkType).toBe(p.linkType);
      expect((caught as LinkTypeError).message).toBe(message);
    });
  }

  it('turns an empty IPV4 packet into a bare 14-byte Ethernet header', () => {
    expect(hex(toEthernet(packet(LINKTYPE_IPV4, [])))).toBe(hex([...SYNTHETIC_DST_MAC, ...SYNTHETIC_SRC_MAC, 0x08, 0x00]));
  });
});
