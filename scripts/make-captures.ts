// Writes the small deterministic captures in captures/ (see captures/README.md).
//
// Same bytes on every run: fixed timestamps and a seeded PRNG, nothing read
// from the clock or the environment.
//
// Run from the repository root (compiles this script and what it imports, then runs it):
//   npx tsc --outDir .tmp/make-captures --rootDir . --module NodeNext --moduleResolution NodeNext \
//     --target ES2022 --strict --skipLibCheck --types node scripts/make-captures.ts
//   node .tmp/make-captures/scripts/make-captures.js [outDir]      (outDir defaults to ./captures)
//
// Demo address plan (demo.pcap, traffic arriving at the server's NIC):
//   NIC (server) MAC 02:00:00:00:00:01, upstream router MAC 02:00:00:00:00:02
//   servers  192.0.2.10 (web, TCP 80/443), 192.0.2.53 (DNS, UDP 53),
//            2001:db8::10 (web, TCP 443)
//   clients  198.51.100.1   web browsing (TCP 80 and 443)
//            198.51.100.2   DNS queries and pings
//            2001:db8:1::5  IPv6 web (TCP 443) and ICMPv6 pings
//            10.1.0.5       internal host on VLAN 100 (802.1Q): DNS and web
//            198.51.100.66  scanner: SYNs to allowed and to blocked ports
//            203.0.113.7    in the blocked prefix 203.0.113.0/24: web
//            2001:db8:bad::9 in the blocked prefix 2001:db8:bad::/48: web and pings
//   blocked  source prefixes 203.0.113.0/24 and 2001:db8:bad::/48;
//            destination ports TCP 23, TCP 445, TCP 3389 and UDP 161
//   plus ARP requests for the server from the router (broadcast).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writePcap, type PcapRecord } from '../src/pcap/index.js';
import { ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, ETH_ZLEN } from '../src/uapi/if-ether.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../src/uapi/in.js';

// ---------------------------------------------------------------- bytes

type Bytes = Uint8Array;

function concat(...parts: ArrayLike<number>[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function be16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

function setBe16(b: Bytes, at: number, v: number): void {
  b[at] = (v >> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

/** A recognisable filler: byte i is (start + i) & 0xff. */
function pattern(length: number, start = 0): Bytes {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

/** Internet checksum (RFC 1071) over the concatenation of `parts`. */
function inetChecksum(...parts: Bytes[]): number {
  let sum = 0;
  let odd = false;
  for (const p of parts) {
    for (const byte of p) {
      sum += odd ? byte : byte << 8;
      odd = !odd;
    }
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// ---------------------------------------------------------------- addresses

function mac(text: string): number[] {
  return text.split(':').map((h) => parseInt(h, 16));
}

function ip4(text: string): number[] {
  return text.split('.').map(Number);
}

function ip6(text: string): number[] {
  const [head, tail] = text.split('::') as [string, string | undefined];
  const words = (s: string | undefined): number[] => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const left = words(head);
  const right = words(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap(be16);
}

// ---------------------------------------------------------------- layers

interface VlanTag {
  tpid: number;
  vid: number;
  pcp?: number;
}

function ethernet(dst: number[], src: number[], type: number, payload: Bytes, tags: VlanTag[] = []): Bytes {
  const tagBytes = tags.flatMap((t) => [...be16(t.tpid), ...be16(((t.pcp ?? 0) << 13) | t.vid)]);
  const frame = concat(dst, src, tagBytes, be16(type), payload);
  // NICs hand up short frames padded to ETH_ZLEN, the shortest on the wire without FCS.
  return frame.length >= ETH_ZLEN ? frame : concat(frame, new Uint8Array(ETH_ZLEN - frame.length));
}

/** Where the L4 checksum sits, and whether it covers a pseudo-header. */
const L4_CHECKSUM: Record<number, { at: number; pseudo: boolean }> = {
  [IPPROTO_TCP]: { at: 16, pseudo: true },
  [IPPROTO_UDP]: { at: 6, pseudo: true },
  [IPPROTO_ICMP]: { at: 2, pseudo: false },
  [IPPROTO_ICMPV6]: { at: 2, pseudo: true },
};

/** Fills in the L4 checksum of `l4` (a whole TCP/UDP/ICMP message with its checksum field zero). */
function withL4Checksum(l4: Bytes, proto: number, pseudoAddrs: Bytes): Bytes {
  const spec = L4_CHECKSUM[proto];
  if (spec === undefined) return l4;
  const pseudo = !spec.pseudo
    ? new Uint8Array(0)
    : pseudoAddrs.length === 8
      ? concat(pseudoAddrs, [0, proto], be16(l4.length))
      : concat(pseudoAddrs, be32(l4.length), [0, 0, 0, proto]);
  let sum = inetChecksum(pseudo, l4);
  // A computed UDP checksum of 0 is sent as all ones: 0 means "no checksum".
  if (proto === IPPROTO_UDP && sum === 0) sum = 0xffff;
  const out = l4.slice();
  setBe16(out, spec.at, sum);
  return out;
}

interface Ipv4Header {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  id?: number;
  tos?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** In 8-byte units. */
  fragOffset?: number;
  /** Raw option bytes, a multiple of 4 long. */
  options?: number[];
  badHeaderChecksum?: boolean;
}

function ipv4Header(h: Ipv4Header, payloadLength: number): Bytes {
  const options = h.options ?? [];
  const ihl = 5 + options.length / 4;
  const flags = (h.dontFragment ? 0x4000 : 0) | (h.moreFragments ? 0x2000 : 0) | (h.fragOffset ?? 0);
  const header = concat(
    [0x40 | ihl, h.tos ?? 0],
    be16(ihl * 4 + payloadLength),
    be16(h.id ?? 0),
    be16(flags),
    [h.ttl ?? 64, h.proto, 0, 0],
    ip4(h.src),
    ip4(h.dst),
    options,
  );
  const sum = inetChecksum(header);
  setBe16(header, 10, h.badHeaderChecksum ? sum ^ 0x5a5a : sum);
  return header;
}

/** An IPv4 packet; the L4 checksum is computed unless `badL4Checksum`. */
function ipv4(h: Ipv4Header, l4: Bytes, badL4Checksum = false): Bytes {
  const pseudo = Uint8Array.from([...ip4(h.src), ...ip4(h.dst)]);
  let body = withL4Checksum(l4, h.proto, pseudo);
  if (badL4Checksum) body = corruptChecksum(body, h.proto);
  return concat(ipv4Header(h, body.length), body);
}

/** Splits one L4 message into IPv4 fragments whose payloads are `sizes` bytes (multiples of 8 but the last). */
function ipv4Fragments(h: Ipv4Header, l4: Bytes, sizes: number[]): Bytes[] {
  const pseudo = Uint8Array.from([...ip4(h.src), ...ip4(h.dst)]);
  const body = withL4Checksum(l4, h.proto, pseudo);
  const out: Bytes[] = [];
  let at = 0;
  for (const [i, size] of sizes.entries()) {
    const piece = body.subarray(at, at + size);
    const last = i === sizes.length - 1;
    out.push(concat(ipv4Header({ ...h, moreFragments: !last, fragOffset: at / 8 }, piece.length), piece));
    at += size;
  }
  return out;
}

interface Ipv6Header {
  src: string;
  dst: string;
  next: number;
  hopLimit?: number;
  flowLabel?: number;
}

function ipv6(h: Ipv6Header, l4: Bytes): Bytes {
  const pseudo = Uint8Array.from([...ip6(h.src), ...ip6(h.dst)]);
  const body = withL4Checksum(l4, h.next, pseudo);
  const flow = h.flowLabel ?? 0;
  return concat(
    [0x60, (flow >> 16) & 0x0f, (flow >> 8) & 0xff, flow & 0xff],
    be16(body.length),
    [h.next, h.hopLimit ?? 64],
    ip6(h.src),
    ip6(h.dst),
    body,
  );
}

function corruptChecksum(l4: Bytes, proto: number): Bytes {
  const spec = L4_CHECKSUM[proto];
  const out = l4.slice();
  if (spec !== undefined) setBe16(out, spec.at, ((out[spec.at]! << 8) | out[spec.at + 1]!) ^ 0xa5a5);
  return out;
}

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_PSH = 0x08;
const TH_ACK = 0x10;

interface TcpSegment {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  /** Raw option bytes, a multiple of 4 long. */
  options?: number[];
  payload?: Bytes;
}

function tcp(s: TcpSegment): Bytes {
  const options = s.options ?? [];
  const doff = 5 + options.length / 4;
  return concat(
    be16(s.sport),
    be16(s.dport),
    be32(s.seq),
    be32(s.ack ?? 0),
    [doff << 4, s.flags],
    be16(s.window ?? 64240),
    [0, 0, 0, 0],
    options,
    s.payload ?? [],
  );
}

/** The options Linux puts on a SYN: MSS, SACK permitted, timestamps, window scale. */
function synOptions(mss: number, tsval: number, tsecr = 0, wscale = 7): number[] {
  return [2, 4, ...be16(mss), 4, 2, 8, 10, ...be32(tsval), ...be32(tsecr), 1, 3, 3, wscale];
}

/** NOP, NOP, timestamps: what Linux puts on every other segment. */
function tsOptions(tsval: number, tsecr: number): number[] {
  return [1, 1, 8, 10, ...be32(tsval), ...be32(tsecr)];
}

function udp(sport: number, dport: number, payload: Bytes): Bytes {
  return concat(be16(sport), be16(dport), be16(8 + payload.length), [0, 0], payload);
}

const ICMP_ECHOREPLY = 0;
const ICMP_ECHO = 8;
const ICMPV6_ECHO_REQUEST = 128;
const ICMPV6_ECHO_REPLY = 129;

function icmpEcho(type: number, id: number, seq: number, data: Bytes): Bytes {
  return concat([type, 0, 0, 0], be16(id), be16(seq), data);
}

function arp(op: 1 | 2, sha: number[], spa: string, tha: number[], tpa: string): Bytes {
  return concat(be16(1), be16(ETH_P_IP), [6, 4], be16(op), sha, ip4(spa), tha, ip4(tpa));
}

function dnsQuery(id: number, name: string): Bytes {
  return concat(be16(id), be16(0x0100), be16(1), be16(0), be16(0), be16(0), dnsName(name), be16(1), be16(1));
}

function dnsAnswer(id: number, name: string, address: string): Bytes {
  const answer = concat(be16(0xc00c), be16(1), be16(1), be32(300), be16(4), ip4(address));
  return concat(be16(id), be16(0x8180), be16(1), be16(1), be16(0), be16(0), dnsName(name), be16(1), be16(1), answer);
}

function dnsName(name: string): Bytes {
  return concat(...name.split('.').map((label) => [label.length, ...Array.from(label, (c) => c.charCodeAt(0))]), [0]);
}

function ascii(text: string): Bytes {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

// ---------------------------------------------------------------- hosts

const NIC_MAC = mac('02:00:00:00:00:01');
const ROUTER_MAC = mac('02:00:00:00:00:02');
const BROADCAST = mac('ff:ff:ff:ff:ff:ff');
const ZERO_MAC = mac('00:00:00:00:00:00');
const WEB = '192.0.2.10';
const DNS = '192.0.2.53';
const WEB6 = '2001:db8::10';
const DNS6 = '2001:db8::53';

/** Frames from the router to the NIC. */
function inbound(type: number, payload: Bytes, tags: VlanTag[] = []): Bytes {
  return ethernet(NIC_MAC, ROUTER_MAC, type, payload, tags);
}

/** Frames from the NIC to the router. */
function outbound(type: number, payload: Bytes, tags: VlanTag[] = []): Bytes {
  return ethernet(ROUTER_MAC, NIC_MAC, type, payload, tags);
}

// ---------------------------------------------------------------- PRNG

/** mulberry32: a small seeded generator, enough for reproducible traffic (and fuzzing). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- captures

const T0 = 1_700_000_000; // 2023-11-14T22:13:20Z

/** Records 1 ms apart starting at `T0 + startSec`. */
function timed(frames: Bytes[], startSec: number): PcapRecord[] {
  return frames.map((data, i) => ({ data, tsSec: T0 + startSec + Math.floor(i / 1000), tsNsec: (i % 1000) * 1_000_000 }));
}

function ipv4Frames(): Bytes[] {
  const client = '198.51.100.1';
  const syn = { sport: 40000, dport: 80, window: 64240 };
  const get = ascii('GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n');
  const fragHeader: Ipv4Header = { src: '198.51.100.2', dst: DNS, proto: IPPROTO_UDP, id: 0x1234 };
  const [firstFragment, lastFragment] = ipv4Fragments(fragHeader, udp(53001, 9, pattern(92)), [64, 36]) as [Bytes, Bytes];
  // Timestamp option (type 68) filling the 40-byte maximum: IHL 15.
  const tsOption = [68, 40, 5, 0, ...new Array<number>(36).fill(0)];
  const routerAlert = [148, 4, 0, 0];
  return [
    inbound(ETH_P_IP, ipv4({ src: client, dst: WEB, proto: IPPROTO_TCP, id: 1, dontFragment: true },
      tcp({ ...syn, seq: 1000, flags: TH_SYN, options: synOptions(1460, 111) }))),
    outbound(ETH_P_IP, ipv4({ src: WEB, dst: client, proto: IPPROTO_TCP, id: 0, dontFragment: true },
      tcp({ sport: 80, dport: 40000, seq: 5000, ack: 1001, flags: TH_SYN | TH_ACK, window: 65160, options: synOptions(1460, 222, 111) }))),
    inbound(ETH_P_IP, ipv4({ src: client, dst: WEB, proto: IPPROTO_TCP, id: 2, dontFragment: true },
      tcp({ ...syn, seq: 1001, ack: 5001, flags: TH_ACK, window: 502, options: tsOptions(112, 222) }))),
    inbound(ETH_P_IP, ipv4({ src: client, dst: WEB, proto: IPPROTO_TCP, id: 3, dontFragment: true },
      tcp({ ...syn, seq: 1001, ack: 5001, flags: TH_PSH | TH_ACK, window: 502, options: tsOptions(113, 222), payload: get }))),
    inbound(ETH_P_IP, ipv4({ src: '198.51.100.2', dst: DNS, proto: IPPROTO_UDP, id: 4 }, udp(53000, 53, dnsQuery(0xbeef, 'www.example.com')))),
    outbound(ETH_P_IP, ipv4({ src: DNS, dst: '198.51.100.2', proto: IPPROTO_UDP, id: 5 },
      udp(53, 53000, dnsAnswer(0xbeef, 'www.example.com', WEB)))),
    inbound(ETH_P_IP, ipv4({ src: '198.51.100.2', dst: WEB, proto: IPPROTO_ICMP, id: 6, dontFragment: true },
      icmpEcho(ICMP_ECHO, 0x4242, 1, pattern(56)))),
    outbound(ETH_P_IP, ipv4({ src: WEB, dst: '198.51.100.2', proto: IPPROTO_ICMP, id: 7 }, icmpEcho(ICMP_ECHOREPLY, 0x4242, 1, pattern(56)))),
    inbound(ETH_P_IP, firstFragment),
    inbound(ETH_P_IP, lastFragment),
    inbound(ETH_P_IP, ipv4({ src: '198.51.100.2', dst: DNS, proto: IPPROTO_UDP, id: 8, ttl: 1, options: routerAlert },
      udp(53002, 53, dnsQuery(0x0101, 'example.com')))),
    inbound(ETH_P_IP, ipv4({ src: client, dst: WEB, proto: IPPROTO_TCP, id: 9, dontFragment: true, options: tsOption },
      tcp({ ...syn, seq: 1043, ack: 5001, flags: TH_ACK, window: 502 }))),
  ];
}

function ipv6Frames(): Bytes[] {
  const client = '2001:db8:1::5';
  return [
    inbound(ETH_P_IPV6, ipv6({ src: client, dst: WEB6, next: IPPROTO_TCP, flowLabel: 0x12345 },
      tcp({ sport: 40001, dport: 443, seq: 7000, flags: TH_SYN, options: synOptions(1440, 333) }))),
    inbound(ETH_P_IPV6, ipv6({ src: client, dst: WEB6, next: IPPROTO_TCP, flowLabel: 0x12345 },
      tcp({ sport: 40001, dport: 443, seq: 7001, ack: 9001, flags: TH_ACK, window: 502, options: tsOptions(334, 444) }))),
    inbound(ETH_P_IPV6, ipv6({ src: client, dst: DNS6, next: IPPROTO_UDP }, udp(53003, 53, dnsQuery(0x0606, 'www.example.com')))),
    inbound(ETH_P_IPV6, ipv6({ src: client, dst: WEB6, next: IPPROTO_ICMPV6 }, icmpEcho(ICMPV6_ECHO_REQUEST, 0x0606, 1, pattern(56)))),
    outbound(ETH_P_IPV6, ipv6({ src: WEB6, dst: client, next: IPPROTO_ICMPV6 }, icmpEcho(ICMPV6_ECHO_REPLY, 0x0606, 1, pattern(56)))),
  ];
}

function vlanFrames(): Bytes[] {
  const q100: VlanTag[] = [{ tpid: ETH_P_8021Q, vid: 100 }];
  const qinq: VlanTag[] = [
    { tpid: ETH_P_8021AD, vid: 200 },
    { tpid: ETH_P_8021Q, vid: 100, pcp: 3 },
  ];
  return [
    inbound(ETH_P_IP, ipv4({ src: '10.1.0.5', dst: WEB, proto: IPPROTO_TCP, id: 21, dontFragment: true },
      tcp({ sport: 40100, dport: 80, seq: 1, flags: TH_SYN, options: synOptions(1460, 1) })), q100),
    inbound(ETH_P_IPV6, ipv6({ src: 'fd00:1::5', dst: DNS6, next: IPPROTO_UDP }, udp(53100, 53, dnsQuery(0x0707, 'example.org'))),
      [{ tpid: ETH_P_8021Q, vid: 100, pcp: 5 }]),
    ethernet(BROADCAST, ROUTER_MAC, ETH_P_ARP, arp(1, ROUTER_MAC, '10.1.0.1', ZERO_MAC, '10.1.0.5'), q100),
    inbound(ETH_P_IP, ipv4({ src: '10.2.0.7', dst: WEB, proto: IPPROTO_ICMP, id: 22 }, icmpEcho(ICMP_ECHO, 0x0909, 3, pattern(32))), qinq),
    inbound(ETH_P_IPV6, ipv6({ src: 'fd00:2::7', dst: WEB6, next: IPPROTO_TCP },
      tcp({ sport: 40200, dport: 443, seq: 77, flags: TH_SYN, options: synOptions(1440, 7) })), qinq),
  ];
}

function arpFrames(): Bytes[] {
  return [
    ethernet(BROADCAST, ROUTER_MAC, ETH_P_ARP, arp(1, ROUTER_MAC, '192.0.2.1', ZERO_MAC, WEB)),
    outbound(ETH_P_ARP, arp(2, NIC_MAC, WEB, ROUTER_MAC, '192.0.2.1')),
  ];
}

function malformedFrames(): Bytes[] {
  const good = ipv4({ src: '198.51.100.1', dst: WEB, proto: IPPROTO_TCP, id: 31 },
    tcp({ sport: 40000, dport: 80, seq: 1, ack: 1, flags: TH_ACK }));
  const goodUdp = ipv4({ src: '198.51.100.2', dst: DNS, proto: IPPROTO_UDP, id: 32 }, udp(53004, 53, dnsQuery(0x0808, 'example.com')));
  const header = (type: number): Bytes => Uint8Array.from([...NIC_MAC, ...ROUTER_MAC, ...be16(type)]);
  // IHL 8 promises 32 header bytes; the frame ends after 20.
  const ihlBeyond = ipv4Header({ src: '198.51.100.1', dst: WEB, proto: IPPROTO_TCP, options: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0] }, 0);
  // Data offset 15 promises 60 TCP header bytes; the segment holds 20.
  const doffBeyond = tcp({ sport: 40000, dport: 80, seq: 1, flags: TH_ACK });
  doffBeyond[12] = 15 << 4;
  return [
    header(ETH_P_IP), // 14 bytes: Ethernet header and nothing else
    concat(header(ETH_P_IP), good.subarray(0, 10)), // IPv4 header cut after 10 bytes
    concat(header(ETH_P_IP), ihlBeyond.subarray(0, 20)),
    concat(header(ETH_P_IP), good.subarray(0, 30)), // TCP header cut after 10 bytes
    concat(header(ETH_P_IP), ipv4({ src: '198.51.100.1', dst: WEB, proto: IPPROTO_TCP, id: 33 }, doffBeyond)),
    concat(header(ETH_P_IP), goodUdp.subarray(0, 24)), // UDP header cut after 4 bytes
    concat(header(ETH_P_IPV6), ipv6({ src: '2001:db8:1::5', dst: WEB6, next: IPPROTO_UDP }, udp(1, 2, new Uint8Array(0))).subarray(0, 20)),
    header(ETH_P_IP).subarray(0, 13), // runt: the kernel refuses frames under 14 bytes
    inbound(ETH_P_IP, ipv4({ src: '198.51.100.2', dst: DNS, proto: IPPROTO_UDP, id: 34, badHeaderChecksum: true },
      udp(53005, 53, dnsQuery(0x0909, 'example.com')))),
    inbound(ETH_P_IP, ipv4({ src: '198.51.100.1', dst: WEB, proto: IPPROTO_TCP, id: 35 },
      tcp({ sport: 40000, dport: 80, seq: 1, ack: 1, flags: TH_ACK, payload: ascii('bad checksum') }), true)),
  ];
}

/** A frame of exactly `size` bytes: Ethernet + IPv4/IPv6 + UDP or TCP + filler. */
function sized(size: number, family: 4 | 6, proto: number, id: number): Bytes {
  const ipLen = family === 4 ? 20 : 40;
  const l4Len = proto === IPPROTO_TCP ? 20 : 8;
  const data = pattern(size - 14 - ipLen - l4Len, id);
  const l4 = proto === IPPROTO_TCP
    ? tcp({ sport: 40300, dport: 80, seq: id, ack: 1, flags: TH_ACK, payload: data })
    : udp(40300, 9000, data);
  return family === 4
    ? inbound(ETH_P_IP, ipv4({ src: '198.51.100.1', dst: WEB, proto, id, dontFragment: true }, l4))
    : inbound(ETH_P_IPV6, ipv6({ src: '2001:db8:1::5', dst: WEB6, next: proto }, l4));
}

function jumboFrames(): Bytes[] {
  return [
    sized(3520, 4, IPPROTO_UDP, 41), // the largest linear XDP frame (4096 - 256 - 320)
    sized(3521, 4, IPPROTO_UDP, 42), // one byte more
    sized(4000, 4, IPPROTO_TCP, 43),
    sized(9000, 4, IPPROTO_UDP, 44),
    sized(9000, 6, IPPROTO_TCP, 45),
  ];
}

/** Mixed inbound traffic from the clients of the address plan at the top of this file. */
function demoRecords(count: number): PcapRecord[] {
  const random = prng(0x5eed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const frames: Bytes[] = [];
  let ipId = 1;
  let nextPort = 41000;

  const tcpSession4 = (src: string, dst: string, dport: number, tags: VlanTag[] = [], blocked = false): void => {
    const sport = nextPort++;
    const isn = Math.floor(random() * 0x7fffffff);
    const ts = Math.floor(random() * 1e6);
    const send = (s: Omit<TcpSegment, 'sport' | 'dport'>): void => {
      frames.push(inbound(ETH_P_IP, ipv4({ src, dst, proto: IPPROTO_TCP, id: ipId++, dontFragment: true }, tcp({ sport, dport, ...s })), tags));
    };
    send({ seq: isn, flags: TH_SYN, options: synOptions(1460, ts) });
    if (blocked) {
      // Nobody answers: the client retransmits its SYN.
      send({ seq: isn, flags: TH_SYN, options: synOptions(1460, ts + 1000) });
      return;
    }
    const request = ascii(`GET /${Math.floor(random() * 1000)} HTTP/1.1\r\nHost: www.example.com\r\n\r\n`);
    send({ seq: isn + 1, ack: 1, flags: TH_ACK, window: 502, options: tsOptions(ts + 1, 1) });
    send({ seq: isn + 1, ack: 1, flags: TH_PSH | TH_ACK, window: 502, options: tsOptions(ts + 2, 1), payload: request });
    send({ seq: isn + 1 + request.length, ack: 1 + 1400, flags: TH_ACK, window: 502, options: tsOptions(ts + 30, 2) });
    send({ seq: isn + 1 + request.length, ack: 1 + 1400, flags: TH_FIN | TH_ACK, window: 502, options: tsOptions(ts + 31, 2) });
  };
  const tcpSession6 = (src: string, dport: number, blocked = false): void => {
    const sport = nextPort++;
    const isn = Math.floor(random() * 0x7fffffff);
    const send = (s: Omit<TcpSegment, 'sport' | 'dport'>): void => {
      frames.push(inbound(ETH_P_IPV6, ipv6({ src, dst: WEB6, next: IPPROTO_TCP }, tcp({ sport, dport, ...s }))));
    };
    send({ seq: isn, flags: TH_SYN, options: synOptions(1440, 5) });
    if (blocked) return;
    send({ seq: isn + 1, ack: 1, flags: TH_ACK, window: 502, options: tsOptions(6, 1) });
    send({ seq: isn + 1, ack: 1, flags: TH_RST | TH_ACK, window: 0 });
  };
  const dns = (src: string, tags: VlanTag[] = []): void => {
    const name = pick(['www.example.com', 'example.org', 'mail.example.net', 'cdn.example.com']);
    frames.push(inbound(ETH_P_IP, ipv4({ src, dst: DNS, proto: IPPROTO_UDP, id: ipId++ }, udp(nextPort++, 53, dnsQuery(ipId & 0xffff, name))), tags));
  };
  const ping4 = (src: string, seq: number): void => {
    frames.push(inbound(ETH_P_IP, ipv4({ src, dst: WEB, proto: IPPROTO_ICMP, id: ipId++ }, icmpEcho(ICMP_ECHO, 0x1111, seq, pattern(56, seq)))));
  };
  const ping6 = (src: string, seq: number): void => {
    frames.push(inbound(ETH_P_IPV6, ipv6({ src, dst: WEB6, next: IPPROTO_ICMPV6 }, icmpEcho(ICMPV6_ECHO_REQUEST, 0x2222, seq, pattern(56, seq)))));
  };
  const scan = (): void => {
    const dport = pick([22, 23, 80, 443, 445, 3389, 8080]);
    frames.push(inbound(ETH_P_IP, ipv4({ src: '198.51.100.66', dst: WEB, proto: IPPROTO_TCP, id: ipId++ },
      tcp({ sport: 61000, dport, seq: 0x5ca9, flags: TH_SYN, window: 1024, options: [2, 4, ...be16(1460)] }))));
  };
  const snmp = (): void => {
    frames.push(inbound(ETH_P_IP, ipv4({ src: '198.51.100.66', dst: WEB, proto: IPPROTO_UDP, id: ipId++ }, udp(61001, 161, pattern(40)))));
  };
  const arpRequest = (): void => {
    frames.push(ethernet(BROADCAST, ROUTER_MAC, ETH_P_ARP, arp(1, ROUTER_MAC, '192.0.2.1', ZERO_MAC, WEB)));
  };

  const vlan100: VlanTag[] = [{ tpid: ETH_P_8021Q, vid: 100 }];
  const events: readonly (() => void)[] = [
    () => tcpSession4('198.51.100.1', WEB, pick([80, 443])),
    () => dns('198.51.100.2'),
    () => ping4('198.51.100.2', frames.length),
    () => tcpSession6('2001:db8:1::5', 443),
    () => ping6('2001:db8:1::5', frames.length),
    () => dns('10.1.0.5', vlan100),
    () => tcpSession4('10.1.0.5', WEB, 80, vlan100),
    () => scan(),
    () => scan(),
    () => snmp(),
    () => tcpSession4('203.0.113.7', WEB, 80, [], true),
    () => tcpSession6('2001:db8:bad::9', 443, true),
    () => ping6('2001:db8:bad::9', frames.length),
    () => arpRequest(),
  ];
  while (frames.length < count) pick(events)();

  let sec = T0 + 3600;
  let nsec = 0;
  return frames.slice(0, count).map((data) => {
    nsec += Math.floor(random() * 20_000_000) + 50_000;
    sec += Math.floor(nsec / 1e9);
    nsec %= 1e9;
    return { data, tsSec: sec, tsNsec: nsec };
  });
}

/** Every capture file, by name, in the order the README lists them. */
export function makeCaptures(): Map<string, Uint8Array> {
  return new Map([
    ['ipv4.pcap', writePcap(timed(ipv4Frames(), 0))],
    ['ipv6.pcap', writePcap(timed(ipv6Frames(), 10))],
    ['vlan.pcap', writePcap(timed(vlanFrames(), 20))],
    ['arp.pcap', writePcap(timed(arpFrames(), 30))],
    ['malformed.pcap', writePcap(timed(malformedFrames(), 40))],
    ['jumbo.pcap', writePcap(timed(jumboFrames(), 50))],
    ['demo.pcap', writePcap(demoRecords(300))],
  ]);
}

function main(outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  for (const [name, bytes] of makeCaptures()) {
    writeFileSync(join(outDir, name), bytes);
    console.log(`${join(outDir, name)}: ${bytes.length} bytes`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(resolve(process.argv[2] ?? 'captures'));
}
