// A small, independent decoder of the headers in the generated captures, so
// the tests check the generator's bytes without trusting its own code.

export interface Decoded {
  dst: string;
  src: string;
  vlans: { tpid: number; vid: number; pcp: number }[];
  etherType: number;
  arpOp?: number;
  ip?: {
    version: 4 | 6;
    src: string;
    dst: string;
    proto: number;
    /** IPv4 only. */
    ihl?: number;
    moreFragments?: boolean;
    fragOffset?: number;
    headerChecksumOk?: boolean;
  };
  l4?: {
    sport?: number;
    dport?: number;
    tcpFlags?: number;
    tcpOptions?: number[];
    icmpType?: number;
    /** Undefined when the message is not whole in this packet (fragments, cut frames). */
    checksumOk?: boolean;
  };
}

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;

export function sum16(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) sum += i % 2 === 0 ? p[i]! << 8 : p[i]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

const macText = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
const ip4Text = (b: Uint8Array): string => Array.from(b).join('.');
function ip6Text(b: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
  return words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export function decode(frame: Uint8Array): Decoded | undefined {
  if (frame.length < 14) return undefined;
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const out: Decoded = { dst: macText(frame.subarray(0, 6)), src: macText(frame.subarray(6, 12)), vlans: [], etherType: 0 };
  let at = 12;
  let type = v.getUint16(at);
  while ((type === 0x8100 || type === 0x88a8) && at + 6 <= frame.length) {
    const tci = v.getUint16(at + 2);
    out.vlans.push({ tpid: type, vid: tci & 0xfff, pcp: tci >> 13 });
    at += 4;
    type = v.getUint16(at);
  }
  out.etherType = type;
  at += 2;
  if (type === 0x0806 && frame.length >= at + 8) out.arpOp = v.getUint16(at + 6);
  let pseudo: Uint8Array | undefined;
  let l4: Uint8Array | undefined;
  let whole = false;
  if (type === 0x0800 && frame.length >= at + 20) {
    const ihl = frame[at]! & 0x0f;
    const total = v.getUint16(at + 2);
    const flags = v.getUint16(at + 6);
    const proto = frame[at + 9]!;
    const header = frame.subarray(at, at + ihl * 4);
    out.ip = {
      version: 4,
      src: ip4Text(frame.subarray(at + 12, at + 16)),
      dst: ip4Text(frame.subarray(at + 16, at + 20)),
      proto,
      ihl,
      moreFragments: (flags & 0x2000) !== 0,
      fragOffset: (flags & 0x1fff) * 8,
      headerChecksumOk: header.length === ihl * 4 ? sum16(header) === 0xffff : undefined,
    };
    l4 = frame.subarray(at + ihl * 4, Math.min(frame.length, at + total));
    whole = at + total <= frame.length && !out.ip.moreFragments && out.ip.fragOffset === 0;
    const len = total - ihl * 4;
    pseudo = Uint8Array.from([...frame.subarray(at + 12, at + 20), 0, proto, len >> 8, len & 0xff]);
  } else if (type === 0x86dd && frame.length >= at + 40) {
    const len = v.getUint16(at + 4);
    const next = frame[at + 6]!;
    out.ip = { version: 6, src: ip6Text(frame.subarray(at + 8, at + 24)), dst: ip6Text(frame.subarray(at + 24, at + 40)), proto: next };
    l4 = frame.subarray(at + 40, Math.min(frame.length, at + 40 + len));
    whole = at + 40 + len <= frame.length;
    pseudo = Uint8Array.from([...frame.subarray(at + 8, at + 40), 0, 0, len >> 8, len & 0xff, 0, 0, 0, next]);
  }
  if (out.ip === undefined || l4 === undefined || pseudo === undefined) return out;
  const lv = new DataView(l4.buffer, l4.byteOffset, l4.byteLength);
  const checksumOk = !whole ? undefined : out.ip.proto === ICMP ? sum16(l4) === 0xffff : sum16(pseudo, l4) === 0xffff;
  if (out.ip.fragOffset !== undefined && out.ip.fragOffset > 0) {
    out.l4 = {}; // a later fragment: no L4 header here
    return out;
  }
  const tcpWhole = l4.length >= 20 && (l4[12]! >> 4) * 4 <= l4.length;
  if ((out.ip.proto === TCP && tcpWhole) || (out.ip.proto === UDP && l4.length >= 8)) {
    out.l4 = { sport: lv.getUint16(0), dport: lv.getUint16(2), checksumOk };
    if (out.ip.proto === TCP) {
      out.l4.tcpFlags = l4[13]!;
      out.l4.tcpOptions = Array.from(l4.subarray(20, (l4[12]! >> 4) * 4));
    }
  } else if ((out.ip.proto === ICMP || out.ip.proto === ICMPV6) && l4.length >= 8) {
    out.l4 = { icmpType: l4[0]!, checksumOk };
  }
  return out;
}
