// The committed captures in captures/: what the generator makes, byte for
// byte, and what the README says they hold, decoded independently.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCaptures } from '../../scripts/make-captures.js';
import { readCapture, type CapturedPacket } from '../../src/pcap/index.js';
import { decode, type Decoded } from './support/frame.js';
import { dumpPackets, NEEDS_TCPDUMP, tcpdump, tcpdumpPresent } from './support/tcpdump.js';

const DIR = join(import.meta.dirname, '../../captures');
const COUNTS: Record<string, number> = {
  'ipv4.pcap': 12,
  'ipv6.pcap': 5,
  'vlan.pcap': 5,
  'arp.pcap': 2,
  'malformed.pcap': 10,
  'jumbo.pcap': 5,
  'demo.pcap': 300,
};
const packetsOf = (name: string): CapturedPacket[] => {
  const capture = readCapture(readFileSync(join(DIR, name)));
  expect(capture.error).toBeUndefined();
  return capture.packets;
};
const decoded = (name: string): Decoded[] => packetsOf(name).map((p) => decode(p.data)!);
const TCP = 6;
const UDP = 17;
const SYN = 0x02;
const ACK = 0x10;

describe('generated captures', () => {
  it('are exactly what scripts/make-captures.ts makes, on every run', () => {
    const first = makeCaptures();
    const second = makeCaptures();
    expect([...first.keys()]).toEqual(Object.keys(COUNTS));
    for (const [name, bytes] of first) {
      expect(Buffer.from(second.get(name)!).equals(Buffer.from(bytes)), `${name} deterministic`).toBe(true);
      expect(Buffer.from(readFileSync(join(DIR, name))).equals(Buffer.from(bytes)), `${name} committed = generated`).toBe(true);
    }
  });

  it('stay under 1 MB together, with nothing else in the folder but the README', () => {
    const files = readdirSync(DIR).sort();
    expect(files).toEqual([...Object.keys(COUNTS), 'README.md'].sort());
    expect(files.reduce((n, f) => n + statSync(join(DIR, f)).size, 0)).toBeLessThan(1 << 20);
  });

  for (const [name, count] of Object.entries(COUNTS)) {
    it(`${name} holds ${count} Ethernet packets with fixed timestamps`, () => {
      const packets = packetsOf(name);
      expect(packets).toHaveLength(count);
      expect(packets.every((p) => p.linkType === 1 && p.origLen === p.data.length && p.tsSec >= 1_700_000_000)).toBe(true);
    });
  }

  it('every IPv4 header and L4 checksum is right except the two broken on purpose', () => {
    const wrong: string[] = [];
    let verified = 0;
    for (const name of Object.keys(COUNTS)) {
      decoded(name).forEach((d, i) => {
        if (d?.ip?.headerChecksumOk === false) wrong.push(`${name} #${i + 1} IPv4 header`);
        if (d?.l4?.checksumOk === false) wrong.push(`${name} #${i + 1} L4`);
        if (d?.l4?.checksumOk === true) verified += 1;
      });
    }
    expect(wrong).toEqual(['malformed.pcap #9 IPv4 header', 'malformed.pcap #10 L4']);
    expect(verified).toBeGreaterThan(250);
  });

  it('ipv4.pcap: SYN with options, fragments, IP options, ICMP', () => {
    const d = decoded('ipv4.pcap');
    expect(d[0]).toMatchObject({ dst: '02:00:00:00:00:01', src: '02:00:00:00:00:02', etherType: 0x0800,
      ip: { version: 4, src: '198.51.100.1', dst: '192.0.2.10', proto: TCP, ihl: 5 }, l4: { sport: 40000, dport: 80, tcpFlags: SYN } });
    // MSS 1460, SACK permitted, timestamps (val 111), NOP, window scale 7.
    expect(d[0]!.l4!.tcpOptions).toEqual([2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 111, 0, 0, 0, 0, 1, 3, 3, 7]);
    expect(d[1]!.l4!.tcpFlags).toBe(SYN | ACK);
    expect(d[2]!.l4!.tcpOptions!.slice(0, 4)).toEqual([1, 1, 8, 10]);
    expect(d[4]).toMatchObject({ ip: { proto: UDP }, l4: { dport: 53, checksumOk: true } });
    expect([d[6]!.l4!.icmpType, d[7]!.l4!.icmpType]).toEqual([8, 0]);
    expect(d[8]!.ip).toMatchObject({ moreFragments: true, fragOffset: 0 });
    expect(d[9]!.ip).toMatchObject({ moreFragments: false, fragOffset: 64 });
    expect(d[9]!.l4).toEqual({});
    expect([d[10]!.ip!.ihl, d[11]!.ip!.ihl]).toEqual([6, 15]);
    expect(d[11]!.l4).toMatchObject({ tcpFlags: ACK, checksumOk: true });
  });

  it('ipv6.pcap: TCP, UDP and ICMPv6 echo', () => {
    const d = decoded('ipv6.pcap');
    expect(d.map((x) => [x.etherType, x.ip!.version, x.ip!.proto])).toEqual([
      [0x86dd, 6, TCP], [0x86dd, 6, TCP], [0x86dd, 6, UDP], [0x86dd, 6, 58], [0x86dd, 6, 58],
    ]);
    expect(d[0]!.ip).toMatchObject({ src: '2001:db8:1::5', dst: '2001:db8::10' });
    expect([d[3]!.l4!.icmpType, d[4]!.l4!.icmpType]).toEqual([128, 129]);
  });

  it('vlan.pcap: 802.1Q and QinQ tags in front of IPv4, IPv6 and ARP', () => {
    const d = decoded('vlan.pcap');
    expect(d.map((x) => x.vlans.map((t) => `${t.tpid.toString(16)}/${t.vid}/${t.pcp}`))).toEqual([
      ['8100/100/0'], ['8100/100/5'], ['8100/100/0'], ['88a8/200/0', '8100/100/3'], ['88a8/200/0', '8100/100/3'],
    ]);
    expect(d.map((x) => x.etherType)).toEqual([0x0800, 0x86dd, 0x0806, 0x0800, 0x86dd]);
    expect(d[2]).toMatchObject({ dst: 'ff:ff:ff:ff:ff:ff', arpOp: 1 });
    expect(d[3]!.l4).toMatchObject({ icmpType: 8, checksumOk: true });
  });

  it('arp.pcap: a request and a reply, padded to 60 bytes', () => {
    const packets = packetsOf('arp.pcap');
    expect(packets.map((p) => p.data.length)).toEqual([60, 60]);
    expect(packets.map((p) => decode(p.data)!.arpOp)).toEqual([1, 2]);
  });

  it('malformed.pcap: short frames of the documented lengths', () => {
    expect(packetsOf('malformed.pcap').map((p) => p.data.length)).toEqual([14, 24, 34, 44, 54, 38, 34, 13, 71, 66]);
    const d = decoded('malformed.pcap');
    expect(d[2]!.ip!.ihl).toBe(8);
    expect(d[4]!.l4).toBeUndefined(); // data offset 15 points past the segment
  });

  it('jumbo.pcap: frames around and beyond the 3520-byte linear XDP frame', () => {
    expect(packetsOf('jumbo.pcap').map((p) => p.data.length)).toEqual([3520, 3521, 4000, 9000, 9000]);
    expect(decoded('jumbo.pcap').every((d) => d.l4?.checksumOk === true)).toBe(true);
  });

  it('demo.pcap: the README’s address plan and counts', () => {
    const d = decoded('demo.pcap');
    const bySource = new Map<string, number>();
    for (const x of d) {
      const key = x.etherType === 0x0806 ? 'arp' : x.ip!.src;
      bySource.set(key, (bySource.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(bySource)).toEqual({
      '198.51.100.1': 70,
      '198.51.100.2': 26,
      '2001:db8:1::5': 61,
      '10.1.0.5': 43,
      '198.51.100.66': 37,
      '203.0.113.7': 22,
      '2001:db8:bad::9': 21,
      arp: 20,
    });
    const blockedPorts = (x: Decoded): boolean =>
      (x.ip?.proto === TCP && [23, 445, 3389].includes(x.l4!.dport!)) || (x.ip?.proto === UDP && x.l4!.dport === 161);
    const blockedPrefix = (x: Decoded): boolean => x.ip?.src.startsWith('203.0.113.') === true || x.ip?.src.startsWith('2001:db8:bad:') === true;
    expect(d.filter(blockedPrefix)).toHaveLength(43);
    expect(d.filter(blockedPorts)).toHaveLength(25);
    expect(d.filter((x) => blockedPrefix(x) || blockedPorts(x))).toHaveLength(68);
    expect(d.filter((x) => x.vlans.length === 1 && x.vlans[0]!.vid === 100)).toHaveLength(43);
    const protos = d.map((x) => x.ip?.proto ?? x.etherType);
    expect([TCP, UDP, 1, 58, 0x0806].map((p) => protos.filter((q) => q === p).length)).toEqual([203, 44, 6, 27, 20]);
    const times = packetsOf('demo.pcap').map((p) => p.tsSec * 1e9 + p.tsNsec);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
  });

  for (const name of Object.keys(COUNTS)) {
    it.skipIf(!tcpdumpPresent)(`${name}: tcpdump reads it whole and finds no bad checksum ${NEEDS_TCPDUMP}`, () => {
      const path = join(DIR, name);
      const dumped = dumpPackets(path);
      const packets = packetsOf(name);
      expect(dumped).toHaveLength(packets.length);
      dumped.forEach((p, i) => expect(Buffer.from(p.bytes).equals(Buffer.from(packets[i]!.data))).toBe(true));
      const verbose = tcpdump(path, ['-vv']);
      expect(verbose.status).toBe(0);
      expect(verbose.stderr).toMatch(/^reading from file .*, link-type EN10MB \(Ethernet\), snapshot length 262144\n$/);
      const complaints = verbose.stdout.split('\n').filter((l) => /incorrect|bad cksum|wrong/.test(l));
      expect(complaints).toHaveLength(name === 'malformed.pcap' ? 2 : 0);
    });
  }
});
