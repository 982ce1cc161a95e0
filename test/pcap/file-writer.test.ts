// PcapFileWriter: records written as they come, through a 1 MiB buffer, read
// back by readCapture exactly (bytes, wire lengths, nanosecond timestamps),
// whatever their sizes and however they fall across the buffer's flushes;
// records the format cannot hold refused with nothing written.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE_ETHERNET, LINKTYPE_RAW, MAX_SNAPLEN, PcapError, PcapFileWriter, readCapture, type PcapRecord } from '../../src/pcap/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-file-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MIB = 1024 * 1024;

/** `length` bytes that differ from record to record. */
function bytes(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

const read = (path: string) => readCapture(new Uint8Array(readFileSync(path)));
const fields = (p: PcapRecord) => ({ tsSec: p.tsSec, tsNsec: p.tsNsec, origLen: p.origLen ?? p.data.length, data: Buffer.from(p.data).toString('hex') });

function writeAll(path: string, records: readonly PcapRecord[], linkType?: number): PcapFileWriter {
  const w = linkType === undefined ? new PcapFileWriter(path) : new PcapFileWriter(path, linkType);
  for (const r of records) {
    // From the middle of a larger view: the writer copies start..end only.
    const view = new Uint8Array(r.data.length + 20);
    view.set(r.data, 10);
    w.append(view, 10, 10 + r.data.length, r.tsSec, r.tsNsec, r.origLen);
    view.fill(0xee); // the caller's view is free again once append returns
  }
  return w;
}

describe('PcapFileWriter', () => {
  it('writes a frame given in parts (a linear part, then fragments) as one record, across flushes, and refuses one past the snapshot length whole', () => {
    const path = join(tmp, 'parts.pcap');
    const w = new PcapFileWriter(path);
    const frames: PcapRecord[] = [];
    for (let i = 0; i < 300; i++) {
      // A 3520-byte linear part in a larger view, then fragments of a page and a rest: 9000 bytes, some past the 1 MiB buffer.
      const whole = bytes(9000, i);
      const view = new Uint8Array(3600);
      view.set(whole.subarray(0, 3520), 40);
      w.appendFrame(view, 40, 3560, [whole.slice(3520, 7616), whole.slice(7616)], 1_700_000_000 + i, 999_999_999 - i, i % 2 === 0 ? undefined : 9100);
      frames.push({ data: whole, tsSec: 1_700_000_000 + i, tsNsec: 999_999_999 - i, origLen: i % 2 === 0 ? 9000 : 9100 });
    }
    // Without parts, as append.
    w.appendFrame(bytes(64, 1), 0, 64, [], 1, 2);
    frames.push({ data: bytes(64, 1), tsSec: 1, tsNsec: 2, origLen: 64 });
    const tooLong = [bytes(MAX_SNAPLEN, 3)];
    expect(() => w.appendFrame(bytes(10, 2), 0, 1, tooLong, 1, 2)).toThrow(PcapError);
    // A wire length shorter than the parts hold is refused too.
    expect(() => w.appendFrame(bytes(10, 2), 0, 10, [bytes(5, 3)], 1, 2, 14)).toThrow(PcapError);
    w.close();
    expect(w.packetCount).toBe(frames.length);
    expect(read(path).packets.map(fields)).toEqual(frames.map(fields));
  });

  it('round-trips records of every size through readCapture, more of them than its buffer holds', () => {
    const sizes = [0, 1, 14, 60, 1514, 9000, 65535, 100_000, MAX_SNAPLEN, MAX_SNAPLEN - 1, 262_000, 3, MAX_SNAPLEN, 500_000 >> 2, 7];
    const records: PcapRecord[] = [];
    for (let round = 0; round < 3; round++) {
      sizes.forEach((size, i) => {
        const n = round * sizes.length + i;
        records.push({
          data: bytes(size, n),
          tsSec: [0, 1, 1_700_000_000, 0xffffffff][n % 4]!,
          tsNsec: [0, 1, 999_999_999, 123_456_789, 500_000_000][n % 5]!,
          ...(n % 3 === 0 && { origLen: size + 1000 * n }),
        });
      });
    }
    const total = records.reduce((s, r) => s + 16 + r.data.length, 24);
    expect(total).toBeGreaterThan(3 * MIB);
    const path = join(tmp, 'sizes.pcap');
    const w = writeAll(path, records);
    expect(w.packetCount).toBe(records.length);
    expect(w.size).toBe(total);
    w.close();
    expect(statSync(path).size).toBe(total);
    const back = read(path);
    expect(back.error).toBeUndefined();
    expect(back.format).toBe('pcap-ns');
    expect(back.packets.map(fields)).toEqual(records.map(fields));
    expect(back.packets.every((p) => p.linkType === LINKTYPE_ETHERNET)).toBe(true);
    // The nanosecond magic, little-endian, and the largest snapshot length.
    const head = readFileSync(path).subarray(0, 24);
    expect([head.readUInt32LE(0), head.readUInt16LE(4), head.readUInt16LE(6), head.readUInt32LE(16), head.readUInt32LE(20)]).toEqual([0xa1b23c4d, 2, 4, MAX_SNAPLEN, 1]);
  });

  it('writes a record that ends exactly at the buffer, and one that would cross it, whole', () => {
    // 24 + n records of (16 + 65520) fill 1 MiB at n = 16 minus the header; then one record exactly to the end.
    const records: PcapRecord[] = Array.from({ length: 15 }, (_, i) => ({ data: bytes(65520, i), tsSec: i, tsNsec: i }));
    const used = 24 + 15 * (16 + 65520);
    records.push({ data: bytes(MIB - used - 16, 99), tsSec: 99, tsNsec: 99 }, { data: bytes(5, 100), tsSec: 100, tsNsec: 100 }, { data: bytes(MAX_SNAPLEN, 101), tsSec: 101, tsNsec: 101 });
    const path = join(tmp, 'edges.pcap');
    writeAll(path, records).close();
    expect(read(path).packets.map(fields)).toEqual(records.map(fields));
  });

  it('writes the link type given', () => {
    const path = join(tmp, 'raw.pcap');
    writeAll(path, [{ data: bytes(20, 1), tsSec: 5, tsNsec: 6 }], LINKTYPE_RAW).close();
    expect(read(path).packets.map((p) => p.linkType)).toEqual([LINKTYPE_RAW]);
  });

  it('an empty file is a valid capture of no packets', () => {
    const path = join(tmp, 'empty.pcap');
    const w = new PcapFileWriter(path);
    w.close();
    w.close(); // closing twice is harmless
    expect(statSync(path).size).toBe(24);
    const back = read(path);
    expect([back.format, back.packets, back.error]).toEqual(['pcap-ns', [], undefined]);
  });

  const refusals: Array<[string, number, number, number, number, RegExp]> = [
    ['longer than the snapshot length', MAX_SNAPLEN + 1, 1, 0, MAX_SNAPLEN + 1, /capture length 262145 exceeds the snapshot length 262144/],
    ['a second past 32 bits', 10, 2 ** 32, 0, 10, /timestamp seconds 4294967296 do not fit/],
    ['a negative second', 10, -1, 0, 10, /timestamp seconds -1 do not fit/],
    ['a billion nanoseconds', 10, 1, 1e9, 10, /timestamp nanoseconds 1000000000 are not an integer within 0\.\.999999999/],
    ['a fraction of a nanosecond', 10, 1, 0.5, 10, /timestamp nanoseconds 0\.5/],
    ['a wire length shorter than the capture', 10, 1, 0, 9, /original length 9 is not an unsigned 32-bit integer ≥ the capture length 10/],
  ];
  it.each(refusals)('refuses a record %s, writing nothing, and goes on', (_, length, tsSec, tsNsec, origLen, message) => {
    const path = join(tmp, 'refused.pcap');
    const w = new PcapFileWriter(path);
    w.append(bytes(30, 1), 0, 30, 1, 2);
    let error: unknown;
    try {
      w.append(bytes(length, 2), 0, length, tsSec, tsNsec, origLen);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PcapError);
    expect((error as PcapError).message).toMatch(message);
    expect((error as PcapError).message).toMatch(/^byte offset 70, packet 2 of .*refused\.pcap: /);
    expect([w.packetCount, w.size]).toEqual([1, 70]);
    w.append(bytes(40, 3), 0, 40, 3, 4);
    w.close();
    expect(read(path).packets.map(fields)).toEqual([
      { tsSec: 1, tsNsec: 2, origLen: 30, data: Buffer.from(bytes(30, 1)).toString('hex') },
      { tsSec: 3, tsNsec: 4, origLen: 40, data: Buffer.from(bytes(40, 3)).toString('hex') },
    ]);
  });

  // A record after close would be counted and never written: it is refused.
  it('throws on an append after close', () => {
    const w = new PcapFileWriter(join(tmp, 'closed.pcap'));
    w.close();
    expect(() => w.append(bytes(60, 1), 0, 60, 1, 1)).toThrow(/is closed/);
    expect(w.packetCount).toBe(0);
  });

  it('appendRecordsOf adds another writer\'s records, as they are, after its own', () => {
    const a: PcapRecord[] = Array.from({ length: 40 }, (_, i) => ({ data: bytes(30_000 + i, i), tsSec: i, tsNsec: 999_999_000 + i }));
    const b: PcapRecord[] = Array.from({ length: 5 }, (_, i) => ({ data: bytes(100 + i, 50 + i), tsSec: 100 + i, tsNsec: i, origLen: 5000 }));
    const other = join(tmp, 'other.pcap');
    writeAll(other, a).close();
    const path = join(tmp, 'merged.pcap');
    const w = writeAll(path, b);
    expect(w.appendRecordsOf(other)).toBe(40);
    expect(w.packetCount).toBe(45);
    w.close();
    expect(read(path).packets.map(fields)).toEqual([...b, ...a].map(fields));
  });
});
