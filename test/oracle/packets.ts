// Frame builders for the oracle tests: Ethernet, VLAN, IPv4, IPv6, TCP, UDP,
// ICMP and ICMPv6, with correct lengths and checksums unless told otherwise.

import { ETH_P_IP } from '../../src/uapi/if-ether.js';
import { IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/uapi/in.js';

export const MAC_A = mac('02:00:00:00:00:0a');
export const MAC_B = mac('02:00:00:00:00:0b');

export function mac(text: string): Uint8Array {
  return Uint8Array.from(text.split(':').map((b) => parseInt(b, 16)));
}

export function ipv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

/** Full IPv6 notation only (eight groups), which is all the tests need. */
export function ipv6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  text.split(':').forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function be16(v: number): Uint8Array {
  return Uint8Array.of(v >> 8, v & 0xff);
}

export function le32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** Bytes 0, 1, 2, ... wrapping at 256: a payload whose every byte is checkable. */
export function pattern(length: number, start = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

/** Ones' complement sum of 16-bit big-endian words, folded, not inverted. */
export function onesSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < data.length; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (data.length % 2) sum += data[data.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesSum(data, initial) & 0xffff;
}

export interface VlanTag {
  tpid: number;
  vid: number;
}

export function ethernet(type: number, payload: Uint8Array, tags: readonly VlanTag[] = [], dst = MAC_B, src = MAC_A): Uint8Array {
  const parts: Uint8Array[] = [dst, src];
  for (const t of tags) parts.push(be16(t.tpid), be16(t.vid));
  parts.push(be16(type), payload);
  return concat(...parts);
}

export interface Ipv4Options {
  src: Uint8Array;
  dst: Uint8Array;
  proto: number;
  ttl?: number;
  /** Raw bytes of IP options, a multiple of 4 long. */
  options?: Uint8Array;
  /** The 16-bit flags + fragment offset field. */
  fragField?: number;
  /** Overrides the computed IHL (for malformed headers). */
  ihl?: number;
  badChecksum?: boolean;
}

export function ipv4Packet(o: Ipv4Options, payload: Uint8Array): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const h = new Uint8Array(20 + opts.length);
  const v = new DataView(h.buffer);
  h[0] = 0x40 | (o.ihl ?? h.length / 4);
  v.setUint16(2, h.length + payload.length);
  v.setUint16(4, 0x1234);
  v.setUint16(6, o.fragField ?? 0);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  h.set(o.src, 12);
  h.set(o.dst, 16);
  h.set(opts, 20);
  v.setUint16(10, internetChecksum(h) ^ (o.badChecksum ? 0x0101 : 0));
  return concat(h, payload);
}

export function ipv6Packet(src: Uint8Array, dst: Uint8Array, nextHeader: number, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(40);
  const v = new DataView(h.buffer);
  v.setUint32(0, 0x60000000);
  v.setUint16(4, payload.length);
  h[6] = nextHeader;
  h[7] = 64;
  h.set(src, 8);
  h.set(dst, 24);
  return concat(h, payload);
}

function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, proto: number, length: number): number {
  const p = new Uint8Array(src.length === 4 ? 12 : 40);
  const v = new DataView(p.buffer);
  p.set(src, 0);
  p.set(dst, src.length);
  if (src.length === 4) {
    p[9] = proto;
    v.setUint16(10, length);
  } else {
    v.setUint32(32, length);
    p[39] = proto;
  }
  return onesSum(p);
}

/** The L4 checksum over the pseudo-header and `segment` (whose checksum field must hold 0 or the checksum). */
export function l4Checksum(src: Uint8Array, dst: Uint8Array, proto: number, segment: Uint8Array): number {
  return internetChecksum(segment, pseudoHeaderSum(src, dst, proto, segment.length));
}

export function tcpSegment(src: Uint8Array, dst: Uint8Array, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(20);
  const v = new DataView(h.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint32(4, 1000);
  h[12] = 5 << 4;
  h[13] = 0x18; // PSH, ACK
  v.setUint16(14, 65535);
  const seg = concat(h, payload);
  new DataView(seg.buffer).setUint16(16, l4Checksum(src, dst, IPPROTO_TCP, seg));
  return seg;
}

export function udpDatagram(src: Uint8Array, dst: Uint8Array, sport: number, dport: number, payload: Uint8Array, withChecksum = true): Uint8Array {
  const seg = concat(new Uint8Array(8), payload);
  const v = new DataView(seg.buffer);
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, seg.length);
  if (withChecksum) v.setUint16(6, l4Checksum(src, dst, IPPROTO_UDP, seg) || 0xffff);
  return seg;
}

export function icmpEcho(type: number, id: number, seq: number, payload: Uint8Array): Uint8Array {
  const m = concat(Uint8Array.of(type, 0, 0, 0), be16(id), be16(seq), payload);
  new DataView(m.buffer).setUint16(2, internetChecksum(m));
  return m;
}

export function icmpv6Echo(src: Uint8Array, dst: Uint8Array, type: number, id: number, seq: number, payload: Uint8Array): Uint8Array {
  const m = concat(Uint8Array.of(type, 0, 0, 0), be16(id), be16(seq), payload);
  new DataView(m.buffer).setUint16(2, l4Checksum(src, dst, IPPROTO_ICMPV6, m));
  return m;
}

export const SRC4 = ipv4('10.0.0.1');
export const DST4 = ipv4('10.0.0.2');
export const SRC6 = ipv6('2001:db8:0:0:0:0:0:1');
export const DST6 = ipv6('2001:db8:0:0:0:0:0:2');

/** An Ethernet/IPv4/TCP frame; `size` pads the TCP payload to that frame length. */
export function tcp4Frame(sport: number, dport: number, size = 64, src = SRC4, dst = DST4): Uint8Array {
  const payload = pattern(Math.max(0, size - 14 - 20 - 20));
  return ethernet(ETH_P_IP, ipv4Packet({ src, dst, proto: IPPROTO_TCP }, tcpSegment(src, dst, sport, dport, payload)));
}

export function udp4Frame(sport: number, dport: number, size = 64, src = SRC4, dst = DST4): Uint8Array {
  const payload = pattern(Math.max(0, size - 14 - 20 - 8));
  return ethernet(ETH_P_IP, ipv4Packet({ src, dst, proto: IPPROTO_UDP }, udpDatagram(src, dst, sport, dport, payload)));
}

/** A frame that is too short for the kernel (it needs an Ethernet header). */
export const RUNT_13 = pattern(13);
/** Only an Ethernet header, announcing IPv4 that is not there. */
export const ETH_ONLY_14 = ethernet(ETH_P_IP, new Uint8Array(0));
