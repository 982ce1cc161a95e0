// TCP and UDP frames for the socket and SYN cookie tests: any flags, sequence
// numbers and options, IPv4 or IPv6 by the address length, and a "mode" in
// the last byte of the Ethernet source address, which the test programs read
// to choose their arguments.
import { ETH_P_IP, ETH_P_IPV6 } from '../../src/uapi/if-ether.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../../src/uapi/in.js';
import {
  concat,
  ethernet,
  ipv4,
  ipv4Packet,
  ipv6Packet,
  l4Checksum,
  MAC_B,
  mac,
  udpDatagram,
} from '../oracle/packets.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

/** `a.b.c.d` or an IPv6 address in full or with `::`, as bytes. */
export function ip(text: string): Uint8Array {
  if (!text.includes(':')) return ipv4(text);
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  all.forEach((g, i) => new DataView(out.buffer).setUint16(2 * i, parseInt(g, 16)));
  return out;
}

export interface TcpFrame {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  seq?: number;
  ack?: number;
  flags?: number;
  /** Raw option bytes; padded with EOL to a multiple of 4. */
  options?: Uint8Array;
  /** Bytes after the header; 64 by default, so programs may copy a whole header past it. */
  payload?: number;
  mode?: number;
}

/** MSS option bytes. */
export const mssOption = (mss: number): Uint8Array => Uint8Array.of(2, 4, mss >> 8, mss & 0xff);

function l3(src: Uint8Array, dst: Uint8Array, proto: number, segment: Uint8Array): { type: number; packet: Uint8Array } {
  return src.length === 4
    ? { type: ETH_P_IP, packet: ipv4Packet({ src, dst, proto }, segment) }
    : { type: ETH_P_IPV6, packet: ipv6Packet(src, dst, proto, segment) };
}

const srcMac = (mode: number): Uint8Array => Uint8Array.of(...mac('02:00:00:00:00:00').subarray(0, 5), mode);

export function tcpFrame(f: TcpFrame): Uint8Array {
  const src = ip(f.src);
  const dst = ip(f.dst);
  const options = f.options ?? new Uint8Array(0);
  const padded = concat(options, new Uint8Array((4 - (options.length % 4)) % 4));
  const h = new Uint8Array(20 + padded.length);
  const v = new DataView(h.buffer);
  v.setUint16(0, f.sport);
  v.setUint16(2, f.dport);
  v.setUint32(4, f.seq ?? 1000);
  v.setUint32(8, f.ack ?? 0);
  h[12] = (h.length / 4) << 4;
  h[13] = f.flags ?? TCP_SYN;
  v.setUint16(14, 65535);
  h.set(padded, 20);
  const seg = concat(h, new Uint8Array(f.payload ?? 64));
  new DataView(seg.buffer).setUint16(16, l4Checksum(src, dst, IPPROTO_TCP, seg));
  const { type, packet } = l3(src, dst, IPPROTO_TCP, seg);
  return ethernet(type, packet, [], MAC_B, srcMac(f.mode ?? 0));
}

export function udpFrame(f: { src: string; dst: string; sport: number; dport: number; mode?: number }): Uint8Array {
  const src = ip(f.src);
  const dst = ip(f.dst);
  const { type, packet } = l3(src, dst, IPPROTO_UDP, udpDatagram(src, dst, f.sport, f.dport, new Uint8Array(64)));
  return ethernet(type, packet, [], MAC_B, srcMac(f.mode ?? 0));
}
