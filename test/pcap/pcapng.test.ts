// pcapng cases the shared captures lack, built block by block and checked
// against tcpdump: big-endian sections, several sections, timestamp
// resolutions and offsets, simple and obsolete packet blocks, unknown blocks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture, type CapturedPacket } from '../../src/pcap/index.js';
import { sharedDir } from '../support/shared.js';
import { PcapngBuilder } from './support/pcapng-builder.js';
import { dumpPackets, NEEDS_TCPDUMP, tcpdumpPresent } from './support/tcpdump.js';

const ts = (p: Pick<CapturedPacket, 'tsSec' | 'tsNsec'>): string => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`;

/** The real packets' timestamps in units of 10^-exp s (exp ≥ 6) or 2^-bits s. */
const decimalUnits = (p: CapturedPacket, exp: number): bigint =>
  BigInt(p.tsSec) * 10n ** BigInt(exp) + (BigInt(p.tsNsec) * 10n ** BigInt(exp)) / 1_000_000_000n;

function crossCheck(bytes: Uint8Array, packets: CapturedPacket[]): void {
  const dumped = dumpPackets(bytes);
  expect(packets.map(ts)).toEqual(dumped.map((d) => d.ts));
  packets.forEach((p, i) => expect(Buffer.from(p.data).equals(Buffer.from(dumped[i]!.bytes))).toBe(true));
}

describe('pcapng', () => {
  // Real packets and timestamps to build the blocks from.
  const shared = sharedDir('captures');
  if (shared !== undefined) {
    const real = readCapture(readFileSync(join(shared, 'dns_tcp.pcap'))).packets;

    for (const le of [true, false]) {
      const order = le ? 'little' : 'big';
      const file = (() => {
        const b = new PcapngBuilder().section(le).idb(1, 65535, { name: 'eth0', tsresol: 9 });
        for (const p of real) b.epb(0, decimalUnits(p, 9), p.data, p.origLen);
        return b.bytes();
      })();

      it(`reads a ${order}-endian section with nanosecond EPBs`, () => {
        const capture = readCapture(file);
        expect(capture.error).toBeUndefined();
        expect(capture.interfaces).toEqual([{ linkType: 1, snapLen: 65535, section: 0, name: 'eth0' }]);
        expect(capture.packets.map(ts)).toEqual(real.map(ts));
        capture.packets.forEach((p, i) => expect(Buffer.from(p.data).equals(Buffer.from(real[i]!.data))).toBe(true));
      });

      it.skipIf(!tcpdumpPresent)(`reads the ${order}-endian section as tcpdump does ${NEEDS_TCPDUMP}`, () => {
        crossCheck(file, readCapture(file).packets);
      });
    }

    const resolutions: [string, number, (p: CapturedPacket) => bigint][] = [
      ['milliseconds (10^-3)', 3, (p) => BigInt(p.tsSec) * 1000n + BigInt(Math.floor(p.tsNsec / 1e6))],
      ['microseconds by default', -1, (p) => decimalUnits(p, 6)],
      ['tenths of nanoseconds (10^-10)', 10, (p) => decimalUnits(p, 10)],
      ['2^-20 s', 0x80 | 20, (p) => (BigInt(p.tsSec) << 20n) | ((BigInt(p.tsNsec) << 20n) / 1_000_000_000n)],
    ];
    for (const [what, tsresol, units] of resolutions) {
      const file = (() => {
        const b = new PcapngBuilder().section(true).idb(1, 0, tsresol < 0 ? {} : { tsresol });
        for (const p of real) b.epb(0, units(p), p.data, p.origLen);
        return b.bytes();
      })();

      it(`converts timestamps in ${what}`, () => {
        const packets = readCapture(file).packets;
        const precision = tsresol === 3 ? 1e6 : tsresol === (0x80 | 20) ? 954 : 1;
        packets.forEach((p, i) => {
          expect(p.tsSec).toBe(real[i]!.tsSec);
          expect(Math.abs(p.tsNsec - real[i]!.tsNsec)).toBeLessThan(precision);
        });
      });

      it.skipIf(!tcpdumpPresent)(`converts timestamps in ${what} as tcpdump does ${NEEDS_TCPDUMP}`, () => {
        crossCheck(file, readCapture(file).packets);
      });
    }

    it('splits timestamps exactly near the limits of double precision', () => {
      const edges = [2n ** 52n - 1n, 4503599627n * 1_000_000n - 1n, 4503599627n * 1_000_000n, 2n ** 64n - 1n];
      const b = new PcapngBuilder().section(true).idb(1, 0);
      for (const units of edges) b.epb(0, units, real[0]!.data);
      const want = edges.map((u) => `${u / 1_000_000n}.${String((u % 1_000_000n) * 1000n).padStart(9, '0')}`);
      expect(readCapture(b.bytes()).packets.map(ts)).toEqual(want);
    });

    it('adds if_tsoffset seconds', () => {
      const b = new PcapngBuilder().section(true).idb(1, 0, { tsoffset: 1_000_000_000n });
      b.epb(0, 5_000_001n, real[0]!.data);
      expect(ts(readCapture(b.bytes()).packets[0]!)).toBe('1000000005.000001000');
    });

    const sections = (() => {
      const b = new PcapngBuilder().section(true).idb(1, 0);
      b.epb(0, 1_000_000n, real[0]!.data);
      b.block(0x00000bad, Uint8Array.from([1, 2, 3, 4, 5])); // a custom block: skipped
      b.block(5, new Uint8Array(16)); // interface statistics: skipped
      b.section(false).idb(101, 0).idb(1, 0);
      b.epb(1, 2_000_000n, real[1]!.data);
      b.epb(0, 3_000_000n, real[2]!.data.subarray(14));
      return b.bytes();
    })();

    it('reads several sections, each with its own byte order and interfaces, skipping unknown blocks', () => {
      const capture = readCapture(sections);
      expect(capture.error).toBeUndefined();
      expect(capture.interfaces.map((i) => [i.section, i.linkType])).toEqual([[0, 1], [1, 101], [1, 1]]);
      expect(capture.linkTypes).toEqual([1, 101]);
      expect(capture.packets.map((p) => [p.interfaceIndex, p.linkType, p.tsSec])).toEqual([[0, 1, 1], [2, 1, 2], [1, 101, 3]]);
    });

    it.skipIf(!tcpdumpPresent)(`reads two sections in the same byte order as tcpdump does ${NEEDS_TCPDUMP}`, () => {
      // libpcap 1.10 cannot follow a byte-order change between sections, so the oracle gets one order.
      const b = new PcapngBuilder().section(true).idb(1, 0, { tsresol: 9 });
      b.epb(0, decimalUnits(real[0]!, 9), real[0]!.data);
      b.section(true).idb(1, 0);
      b.epb(0, decimalUnits(real[1]!, 6), real[1]!.data);
      const capture = readCapture(b.bytes());
      expect(capture.interfaces.map((i) => i.section)).toEqual([0, 1]);
      crossCheck(b.bytes(), capture.packets);
    });

    it('refuses a packet of a new section naming an interface of the previous one', () => {
      const b = new PcapngBuilder().section(true).idb(1, 0).idb(1, 0).section(true).idb(1, 0);
      b.epb(1, 0n, real[0]!.data);
      const capture = readCapture(b.bytes());
      expect(capture.error?.message).toMatch(/packet 1: refers to interface 1, but section 1 has 1/);
    });

    it('reads simple packet blocks: no timestamp, data cut to the snapshot length', () => {
      const b = new PcapngBuilder().section(false).idb(1, 64);
      b.spb(real[0]!.data.subarray(0, 64), real[0]!.data.length);
      b.spb(real[1]!.data.subarray(0, 60));
      const capture = readCapture(b.bytes());
      expect(capture.error).toBeUndefined();
      expect(capture.packets.map((p) => [p.data.length, p.origLen, p.tsSec, p.tsNsec])).toEqual([
        [64, real[0]!.data.length, 0, 0],
        [60, 60, 0, 0],
      ]);
      expect(Buffer.from(capture.packets[1]!.data).equals(Buffer.from(real[1]!.data.subarray(0, 60)))).toBe(true);
    });

    it('reads obsolete packet blocks', () => {
      const b = new PcapngBuilder().section(true).idb(1, 0);
      b.opb(0, 1_500_000n, real[3]!.data, 2000);
      const p = readCapture(b.bytes()).packets[0]!;
      expect([ts(p), p.origLen, p.data.length]).toEqual(['1.500000000', 2000, real[3]!.data.length]);
    });

    it('refuses a packet before any interface, and a capture length above the interface’s snapshot length', () => {
      const none = new PcapngBuilder().section(true).spb(real[0]!.data).bytes();
      expect(readCapture(none).error?.message).toMatch(/^byte offset 28, packet 1: refers to interface 0, but section 0 has 0$/);
      const over = new PcapngBuilder().section(true).idb(1, 60).epb(0, 0n, real[0]!.data).bytes();
      expect(readCapture(over).error?.message).toMatch(/packet 1: capture length \d+ exceeds the interface's snapshot length 60/);
    });
  }

  it('refuses a malformed if_tsresol option', () => {
    const b = new PcapngBuilder().section(true);
    b.block(1, Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 0, 6, 6, 0, 0, 0, 0, 0, 0]));
    expect(readCapture(b.bytes()).error?.message).toMatch(/interface description block before packet 1: if_tsresol option has length 2, expected 1/);
  });
});
