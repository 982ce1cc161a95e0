import { describe, expect, it } from 'vitest';

import { DEFAULT_RSS_KEY, Rss, toeplitz } from '../../src/nic/rss.js';

// Microsoft's "Verifying the RSS Hash Calculation" suite, also in Intel's 82599
// datasheet (7.1.2.8.3) and DPDK's test_thash.c: source, destination, their
// ports, the hash over the addresses and the hash with the ports.
const V4: Array<[string, string, number, number, number, number]> = [
  ['66.9.149.187', '161.142.100.80', 2794, 1766, 0x323e8fc2, 0x51ccc178],
  ['199.92.111.2', '65.69.140.83', 14230, 4739, 0xd718262a, 0xc626b0ea],
  ['24.19.198.95', '12.22.207.184', 12898, 38024, 0xd2d0a5de, 0x5c2b394a],
  ['38.27.205.30', '209.142.163.6', 48228, 2217, 0x82989176, 0xafc7327f],
  ['153.39.163.191', '202.188.127.2', 44251, 1303, 0x5d1809c5, 0x10e828a2],
];
const V6: Array<[string, string, number, number, number, number]> = [
  ['3ffe:2501:200:1fff::7', '3ffe:2501:200:3::1', 2794, 1766, 0x2cc18cd5, 0x40207d3d],
  ['3ffe:501:8::260:97ff:fe40:efab', 'ff02::1', 14230, 4739, 0x0f0c461c, 0xdde51bbf],
  ['3ffe:1900:4545:3:200:f8ff:fe21:67cf', 'fe80::200:f8ff:fe21:67cf', 44251, 38024, 0x4b61e985, 0x02d1feef],
];

const v4 = (a: string): number[] => a.split('.').map(Number);
function v6(a: string): number[] {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const words = (s: string | undefined): number[] => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = words(head);
  const t = words(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}
const be16 = (n: number): number[] => [n >> 8, n & 0xff];
const eth = (type: number, tags: number[] = []): number[] => [...new Array<number>(12).fill(0xaa), ...tags, ...be16(type)];

function ipv4Frame(src: string, dst: string, proto: number, l4: number[], fragment = 0, tags: number[] = []): Uint8Array {
  const ip = [0x45, 0, ...be16(20 + l4.length), 0, 1, ...be16(fragment), 64, proto, 0, 0, ...v4(src), ...v4(dst)];
  return Uint8Array.from([...eth(0x0800, tags), ...ip, ...l4]);
}
function ipv6Frame(src: string, dst: string, next: number, rest: number[]): Uint8Array {
  const ip = [0x60, 0, 0, 0, ...be16(rest.length), next, 64, ...v6(src), ...v6(dst)];
  return Uint8Array.from([...eth(0x86dd), ...ip, ...rest]);
}
const ports = (s: number, d: number): number[] => [...be16(s), ...be16(d), 0, 0, 0, 0];
const hashOf = (rss: Rss, f: Uint8Array): number => rss.hash(f, 0, f.length);

describe('RSS (Toeplitz)', () => {
  const rss = new Rss(4);

  it('gives the verification suite hashes for IPv4 with and without ports', () => {
    for (const [src, dst, sp, dp, l3, l4] of V4) {
      expect(hashOf(rss, ipv4Frame(src, dst, 6, ports(sp, dp)))).toBe(l4);
      expect(hashOf(rss, ipv4Frame(src, dst, 17, ports(sp, dp)))).toBe(l4);
      expect(hashOf(rss, ipv4Frame(src, dst, 1, [8, 0, 0, 0]))).toBe(l3);
      expect(toeplitz(DEFAULT_RSS_KEY, Uint8Array.from([...v4(src), ...v4(dst), ...be16(sp), ...be16(dp)]))).toBe(l4);
    }
  });

  it('gives the verification suite hashes for IPv6, through extension headers', () => {
    for (const [src, dst, sp, dp, l3, l4] of V6) {
      expect(hashOf(rss, ipv6Frame(src, dst, 6, ports(sp, dp)))).toBe(l4);
      expect(hashOf(rss, ipv6Frame(src, dst, 58, [128, 0, 0, 0]))).toBe(l3);
      // A hop-by-hop header (8 bytes) before UDP: still the 4-tuple.
      expect(hashOf(rss, ipv6Frame(src, dst, 0, [17, 0, 1, 4, 0, 0, 0, 0, ...ports(sp, dp)]))).toBe(l4);
      // A fragment header: the addresses only.
      expect(hashOf(rss, ipv6Frame(src, dst, 44, [6, 0, 0, 1, 0, 0, 0, 1, ...ports(sp, dp)]))).toBe(l3);
    }
  });

  it('hashes IPv4 fragments over the addresses, and reads through VLAN tags', () => {
    const [src, dst, sp, dp, l3, l4] = V4[0]!;
    expect(hashOf(rss, ipv4Frame(src, dst, 6, ports(sp, dp), 0x2000))).toBe(l3); // MF
    expect(hashOf(rss, ipv4Frame(src, dst, 6, ports(sp, dp), 0x0010))).toBe(l3); // offset
    expect(hashOf(rss, ipv4Frame(src, dst, 6, ports(sp, dp), 0x4000))).toBe(l4); // DF only
    expect(hashOf(rss, ipv4Frame(src, dst, 6, ports(sp, dp), 0, [0x81, 0, 0, 5]))).toBe(l4);
    expect(hashOf(rss, ipv4Frame(src, dst, 6, ports(sp, dp), 0, [0x88, 0xa8, 0, 5, 0x81, 0, 0, 7]))).toBe(l4);
  });

  it('files non-IP frames and frames cut short in the IP header on queue 0', () => {
    const arp = Uint8Array.from([...eth(0x0806), ...new Array<number>(28).fill(1)]);
    expect(hashOf(rss, arp)).toBe(0);
    expect(rss.queue(arp, 0, arp.length)).toBe(0);
    const f = ipv4Frame(V4[1]![0], V4[1]![1], 6, ports(1, 2));
    expect(rss.hash(f, 0, 14 + 19)).toBe(0);
    // Ports cut off: the addresses still count.
    expect(rss.hash(f, 0, 14 + 22)).toBe(V4[1]![4]);
    expect(rss.hash(f, 0, 10)).toBe(0);
  });

  it('maps hashes to queues through the indirection table, reading the frame where it lies', () => {
    const frame = ipv4Frame(V4[2]![0], V4[2]![1], 6, ports(V4[2]![2], V4[2]![3]));
    const memory = new Uint8Array(4096);
    memory.set(frame, 300);
    expect(rss.hash(memory, 300, 300 + frame.length)).toBe(V4[2]![5]);
    for (const queues of [1, 2, 3, 4, 16]) {
      const r = new Rss(queues);
      expect(r.queue(memory, 300, 300 + frame.length)).toBe((V4[2]![5] % 128) % queues);
    }
    expect(new Rss(3, DEFAULT_RSS_KEY, 512).queue(frame, 0, frame.length)).toBe((V4[2]![5] % 512) % 3);
  });

  it('agrees with the bit-by-bit definition on random flows and keys', () => {
    let seed = 1;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    for (let round = 0; round < 200; round++) {
      const key = Uint8Array.from({ length: 40 }, rand);
      const r = new Rss(8, key);
      const src = Array.from({ length: 16 }, rand);
      const dst = Array.from({ length: 16 }, rand);
      const sp = Array.from({ length: 2 }, rand);
      const dp = Array.from({ length: 2 }, rand);
      const frame = Uint8Array.from([...eth(0x86dd), 0x60, 0, 0, 0, 0, 8, 17, 64, ...src, ...dst, ...sp, ...dp, 0, 8, 0, 0]);
      expect(r.hash(frame, 0, frame.length)).toBe(toeplitz(key, Uint8Array.from([...src, ...dst, ...sp, ...dp])));
    }
  });

  it('refuses a key too short for IPv6 flows and impossible sizes', () => {
    expect(() => new Rss(4, new Uint8Array(39))).toThrow(/at least 40 bytes/);
    expect(() => new Rss(0)).toThrow(/1\.\.65535 queues/);
    expect(() => new Rss(2, DEFAULT_RSS_KEY, 0)).toThrow(/indirection table/);
    expect(() => new Rss(2, DEFAULT_RSS_KEY, 96)).toThrow('an indirection table needs a power of two entries, 1 to 65536, not 96');
  });
});
