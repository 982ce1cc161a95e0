// Every capture in shared/captures (from tcpdump's own test suite) must read
// completely, packet for packet and byte for byte as tcpdump reads it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, readCapture, toEthernet } from '../../src/pcap/index.js';
import { sharedDir } from '../support/shared.js';
import { dumpPackets, NEEDS_TCPDUMP, tcpdumpPresent } from './support/tcpdump.js';

// Packet counts and first timestamps as `tcpdump -r FILE -tt --time-stamp-precision=nano` gives them.
const EXPECTED: Record<string, { format: string; linkType: number; count: number; first: string }> = {
  '802.1ad_QinQ.pcap': { format: 'pcap', linkType: 1, count: 2, first: '1575842394.599412000' },
  'IGMP_V2.pcap': { format: 'pcap', linkType: 1, count: 18, first: '1235470907.698870000' },
  'LLDP_and_CDP.pcap': { format: 'pcap', linkType: 1, count: 12, first: '1285988434.141848000' },
  'accecn_handshake.pcap': { format: 'pcap', linkType: 1, count: 6, first: '1658816767.794026000' },
  'bgp-shutdown-communication.pcapng': { format: 'pcapng', linkType: 1, count: 2, first: '1483463332.850795000' },
  'bigtcp-ipv4.pcap': { format: 'pcap', linkType: 1, count: 1, first: '1759417540.030951000' },
  'dhcp-option-108.pcapng': { format: 'pcapng', linkType: 1, count: 2, first: '1742291025.393317000' },
  'dhcp-rfc3004.pcap': { format: 'pcap', linkType: 1, count: 4, first: '1417167498.352570000' },
  'dns_tcp.pcap': { format: 'pcap', linkType: 1, count: 11, first: '1591780863.720289000' },
  'dns_udp.pcap': { format: 'pcap', linkType: 1, count: 2, first: '1591780794.740079000' },
  'erspan-type-ii-2.pcap': { format: 'pcap', linkType: 1, count: 16, first: '1187335581.649556000' },
  'espudp1.pcap': { format: 'pcap', linkType: 1, count: 8, first: '0.000000000' },
  'geneve.pcap': { format: 'pcap', linkType: 1, count: 39, first: '1422828273.817203000' },
  'gso-ipv6.pcap': { format: 'pcap', linkType: 1, count: 1, first: '1759508853.363746000' },
  'icmp-rfc8335.pcap': { format: 'pcap', linkType: 1, count: 10, first: '1704147702.293205000' },
  'icmpv6.pcap': { format: 'pcap', linkType: 1, count: 5, first: '1334319972.631155000' },
  'ipv4_tcp_http_xml.pcap': { format: 'pcap', linkType: 1, count: 1, first: '1395173523.342266000' },
  'ipv6-routing-header.pcap': { format: 'pcap', linkType: 1, count: 4, first: '1170175891.766766000' },
  'ipv6-srh-ext-header.pcap': { format: 'pcap', linkType: 1, count: 1, first: '1514564971.085223000' },
  'isup.pcap': { format: 'pcap', linkType: 1, count: 6, first: '1089032999.862196000' },
  'mpls-over-udp.pcap': { format: 'pcap', linkType: 1, count: 2, first: '1581189012.233047000' },
  'ntp.pcap': { format: 'pcap', linkType: 1, count: 8, first: '1497881530.230949000' },
  'of10_7050q.pcapng': { format: 'pcapng', linkType: 1, count: 4, first: '1371290119.501959000' },
  'pppoes.pcap': { format: 'pcap', linkType: 1, count: 2, first: '1368801971.554753000' },
  'syslog_udp.pcap': { format: 'pcap', linkType: 1, count: 4, first: '1378998972.250127000' },
  'tcp-handshake-nano.pcap': { format: 'pcap-ns', linkType: 113, count: 3, first: '1418145369.924505488' },
  'tcp_rst_data.pcap': { format: 'pcap', linkType: 1, count: 1, first: '1361916199.190965000' },
  'various_gre.pcap': { format: 'pcap', linkType: 1, count: 100, first: '1497606301.394037000' },
  'vxlan.pcap': { format: 'pcap', linkType: 1, count: 10, first: '1368908504.837063000' },
};

/** A little-endian classic pcap rewritten big-endian: header and record header fields swapped. */
function byteSwapClassic(file: Uint8Array): Uint8Array {
  const out = file.slice();
  const src = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const dst = new DataView(out.buffer);
  const swap32 = (at: number): void => dst.setUint32(at, src.getUint32(at, true), false);
  const swap16 = (at: number): void => dst.setUint16(at, src.getUint16(at, true), false);
  [0, 8, 12, 16, 20].forEach(swap32);
  [4, 6].forEach(swap16);
  for (let at = 24; at < file.length; at += 16 + src.getUint32(at + 8, true)) [0, 4, 8, 12].forEach((f) => swap32(at + f));
  return out;
}

const ts = (p: { tsSec: number; tsNsec: number }): string => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`;

const DIR = sharedDir('captures');
if (DIR !== undefined) {
  describe('captures from tcpdump’s test suite', () => {
    it('the table covers every capture file in the folder', () => {
      const files = readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
      expect(files).toEqual(Object.keys(EXPECTED).sort());
    });

    for (const [file, want] of Object.entries(EXPECTED)) {
      it(`${file}: ${want.count} packets, ${want.format}, link type ${want.linkType}`, () => {
        const capture = readCapture(readFileSync(join(DIR, file)));
        expect(capture.error).toBeUndefined();
        expect(capture.format).toBe(want.format);
        expect(capture.linkTypes).toEqual([want.linkType]);
        expect(capture.packets).toHaveLength(want.count);
        expect(ts(capture.packets[0]!)).toBe(want.first);
        for (const p of capture.packets) {
          expect(p.origLen).toBeGreaterThanOrEqual(p.data.length);
          expect(p.tsNsec).toBeGreaterThanOrEqual(0);
          expect(p.tsNsec).toBeLessThan(1e9);
          expect(capture.interfaces[p.interfaceIndex]!.linkType).toBe(p.linkType);
        }
        // Every one of them is Ethernet already or converts to it.
        for (const p of capture.packets) {
          const frame = toEthernet(p);
          if (p.linkType === LINKTYPE_ETHERNET) expect(frame).toBe(p.data);
          else expect(frame.length).toBe(p.data.length - 16 + 14);
        }
      });

      it.skipIf(!tcpdumpPresent)(`${file}: every timestamp and byte as tcpdump reads them ${NEEDS_TCPDUMP}`, () => {
        const path = join(DIR, file);
        const capture = readCapture(readFileSync(path));
        const dumped = dumpPackets(path);
        expect(capture.packets.map(ts)).toEqual(dumped.map((d) => d.ts));
        capture.packets.forEach((p, i) => expect(Buffer.from(p.data).equals(Buffer.from(dumped[i]!.bytes))).toBe(true));
      });
    }

    it('reads frames bigger than the 3520-byte linear XDP frame whole', () => {
      const big = readCapture(readFileSync(join(DIR, 'bigtcp-ipv4.pcap'))).packets[0]!;
      expect(big.data.length).toBe(80066);
      expect(big.origLen).toBe(80066);
      const gso = readCapture(readFileSync(join(DIR, 'gso-ipv6.pcap'))).packets[0]!;
      expect(gso.data.length).toBeGreaterThan(3520);
    });

    it('keeps the nanosecond digits of a nanosecond pcap and the SLL link type', () => {
      const capture = readCapture(readFileSync(join(DIR, 'tcp-handshake-nano.pcap')));
      expect(capture.packets.map(ts)).toEqual(['1418145369.924505488', '1418145370.052027262', '1418145370.052115157']);
      expect(capture.packets.every((p) => p.linkType === LINKTYPE_LINUX_SLL)).toBe(true);
    });

    it('reads the big-endian isup.pcap, and a byte-swapped copy of the nanosecond SLL file, alike', () => {
      const isup = readFileSync(join(DIR, 'isup.pcap'));
      expect(isup.readUInt32BE(0)).toBe(0xa1b2c3d4);
      const nano = new Uint8Array(readFileSync(join(DIR, 'tcp-handshake-nano.pcap')));
      const swapped = byteSwapClassic(nano);
      expect(Buffer.from(swapped.subarray(0, 4)).toString('hex')).toBe('a1b23c4d');
      const a = readCapture(nano);
      const b = readCapture(swapped);
      expect(b.error).toBeUndefined();
      expect(b.format).toBe('pcap-ns');
      expect(b.packets.map((p) => [ts(p), p.origLen, Buffer.from(p.data).toString('hex')])).toEqual(
        a.packets.map((p) => [ts(p), p.origLen, Buffer.from(p.data).toString('hex')]),
      );
    });

    it.skipIf(!tcpdumpPresent)(`reads the byte-swapped nanosecond file as tcpdump does ${NEEDS_TCPDUMP}`, () => {
      const swapped = byteSwapClassic(new Uint8Array(readFileSync(join(DIR, 'tcp-handshake-nano.pcap'))));
      const dumped = dumpPackets(swapped);
      expect(readCapture(swapped).packets.map(ts)).toEqual(dumped.map((d) => d.ts));
    });

    it('names the pcapng interface', () => {
      const capture = readCapture(readFileSync(join(DIR, 'dhcp-option-108.pcapng')));
      expect(capture.interfaces).toEqual([{ linkType: 1, snapLen: 524288, section: 0, name: 'en0' }]);
    });
  });
}
