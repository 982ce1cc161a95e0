// The classic pcap writer: byte-identical round trips of real files,
// nanosecond and microsecond output, and refusal of what pcap cannot hold.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_SNAPLEN, PcapError, PcapWriter, readCapture, writePcap } from '../../src/pcap/index.js';
import { sharedDir } from '../support/shared.js';
import { dumpPackets, NEEDS_TCPDUMP, tcpdumpPresent } from './support/tcpdump.js';

const ts = (p: { tsSec: number; tsNsec: number }): string => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`;

describe('writePcap', () => {
  // Round trips of tcpdump's own captures.
  const DIR = sharedDir('captures');
  if (DIR !== undefined) {
    it('rewrites every little-endian 2.4 capture of shared/captures byte for byte', () => {
      let rewritten = 0;
      for (const name of readdirSync(DIR).filter((f) => f.endsWith('.pcap'))) {
        const original = new Uint8Array(readFileSync(join(DIR, name)));
        const header = new DataView(original.buffer, original.byteOffset, 24);
        // The writer writes little-endian and leaves thiszone and sigfigs 0; isup.pcap is big-endian.
        if (header.getUint8(0) === 0xa1 || header.getUint32(8, true) !== 0 || header.getUint32(12, true) !== 0) continue;
        const capture = readCapture(original);
        const written = writePcap(capture.packets, {
          linkType: capture.linkTypes[0]!,
          snapLen: capture.interfaces[0]!.snapLen,
          nanosecond: capture.format === 'pcap-ns',
        });
        expect(Buffer.from(written).equals(Buffer.from(original)), name).toBe(true);
        rewritten += 1;
      }
      expect(rewritten).toBe(25);
    });

    it('round-trips nanosecond timestamps, and truncates them to microseconds when asked', () => {
      const packets = readCapture(readFileSync(join(DIR, 'tcp-handshake-nano.pcap'))).packets;
      const ns = readCapture(writePcap(packets, { linkType: 113, nanosecond: true }));
      expect(ns.format).toBe('pcap-ns');
      expect(ns.packets.map(ts)).toEqual(['1418145369.924505488', '1418145370.052027262', '1418145370.052115157']);
      const us = readCapture(writePcap(packets, { linkType: 113 }));
      expect(us.format).toBe('pcap');
      expect(us.packets.map(ts)).toEqual(['1418145369.924505000', '1418145370.052027000', '1418145370.052115000']);
      expect(us.linkTypes).toEqual([113]);
    });

    it.skipIf(!tcpdumpPresent)(`writes files tcpdump reads back identically ${NEEDS_TCPDUMP}`, () => {
      const packets = readCapture(readFileSync(join(DIR, 'geneve.pcap'))).packets.map((p, i) => ({ ...p, tsNsec: p.tsNsec + i }));
      const dumped = dumpPackets(writePcap(packets, { nanosecond: true }));
      expect(dumped.map((d) => d.ts)).toEqual(packets.map(ts));
      packets.forEach((p, i) => expect(Buffer.from(dumped[i]!.bytes).equals(Buffer.from(p.data))).toBe(true));
    });
  }

  it('keeps the original length of cut packets', () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    const back = readCapture(writePcap([{ data: data.subarray(0, 60), origLen: 1514, tsSec: 7, tsNsec: 999_999_999 }], { snapLen: 60 }));
    expect(back.interfaces[0]!.snapLen).toBe(60);
    expect(back.packets.map((p) => [p.data.length, p.origLen, ts(p)])).toEqual([[60, 1514, '7.999999000']]);
  });

  it('grows past its first buffer, and copies so callers may reuse theirs', () => {
    const writer = new PcapWriter({ nanosecond: true });
    const scratch = new Uint8Array(9000);
    for (let i = 0; i < 40; i++) {
      scratch.fill(i);
      writer.append({ data: scratch, tsSec: i, tsNsec: i });
    }
    expect(writer.packetCount).toBe(40);
    const back = readCapture(writer.toBytes());
    expect(back.error).toBeUndefined();
    expect(back.packets.map((p) => p.data[8999])).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(back.packets[39]!.tsNsec).toBe(39);
  });

  const refusals: [string, { data: Uint8Array; tsSec: number; tsNsec: number; origLen?: number }, RegExp][] = [
    ['negative seconds', { data: new Uint8Array(60), tsSec: -1, tsNsec: 0 }, /timestamp seconds -1 do not fit an unsigned 32-bit field/],
    ['seconds past 2106', { data: new Uint8Array(60), tsSec: 2 ** 32, tsNsec: 0 }, /timestamp seconds 4294967296 do not fit/],
    ['a whole second of nanoseconds', { data: new Uint8Array(60), tsSec: 0, tsNsec: 1e9 }, /timestamp nanoseconds 1000000000 are not an integer within 0\.\.999999999/],
    ['fractional nanoseconds', { data: new Uint8Array(60), tsSec: 0, tsNsec: 0.5 }, /timestamp nanoseconds 0\.5/],
    ['more bytes than the snapshot length', { data: new Uint8Array(MAX_SNAPLEN + 1), tsSec: 0, tsNsec: 0 }, /capture length 262145 exceeds the snapshot length 262144/],
    ['an original length below the captured one', { data: new Uint8Array(60), tsSec: 0, tsNsec: 0, origLen: 59 }, /original length 59 is not an unsigned 32-bit integer ≥ the capture length 60/],
  ];
  for (const [what, record, message] of refusals) {
    it(`refuses ${what} and writes nothing`, () => {
      const writer = new PcapWriter();
      writer.append({ data: new Uint8Array(64), tsSec: 1, tsNsec: 0 });
      let caught: unknown;
      try {
        writer.append(record);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(PcapError);
      expect((caught as PcapError).message).toMatch(message);
      expect((caught as PcapError).message).toMatch(/^byte offset 104, packet 2: /);
      expect([(caught as PcapError).offset, (caught as PcapError).packetNumber]).toEqual([104, 2]);
      expect(writer.packetCount).toBe(1);
      expect(writer.toBytes().length).toBe(104);
    });
  }

  it('refuses a link type or snapshot length the header cannot hold', () => {
    expect(() => new PcapWriter({ linkType: 70000 })).toThrow(/link type 70000 is not a 16-bit unsigned integer/);
    expect(() => new PcapWriter({ snapLen: 0 })).toThrow(/snapshot length 0 is not within 1\.\.262144/);
  });
});
