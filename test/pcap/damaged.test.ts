// Truncated and garbled captures: a PcapError that says where, and every
// packet before the damage still returned, byte for byte.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapError, readCapture, type Capture } from '../../src/pcap/index.js';
import { sharedDir } from '../support/shared.js';

/** Start offsets of the records of a little-endian classic pcap, plus the end of the file. */
function recordStarts(file: Uint8Array): number[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const starts = [24];
  while (starts[starts.length - 1]! < file.length) {
    const at = starts[starts.length - 1]!;
    starts.push(at + 16 + view.getUint32(at + 8, true));
  }
  return starts;
}

/** Blocks of a little-endian pcapng file: start, end and type. */
function blocks(file: Uint8Array): { start: number; end: number; type: number }[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out = [];
  for (let at = 0; at < file.length; at += view.getUint32(at + 4, true)) {
    out.push({ start: at, end: at + view.getUint32(at + 4, true), type: view.getUint32(at, true) });
  }
  return out;
}

function expectPrefix(damaged: Capture, whole: Capture, count: number): void {
  expect(damaged.packets).toHaveLength(count);
  damaged.packets.forEach((p, i) => {
    const q = whole.packets[i]!;
    expect(Buffer.from(p.data).equals(Buffer.from(q.data))).toBe(true);
    expect([p.tsSec, p.tsNsec, p.origLen, p.linkType]).toEqual([q.tsSec, q.tsNsec, q.origLen, q.linkType]);
  });
}

function expectError(capture: Capture, offset: number, pattern: RegExp): PcapError {
  const error = capture.error;
  expect(error).toBeInstanceOf(PcapError);
  expect(error!.offset).toBe(offset);
  expect(error!.packetNumber).toBe(capture.packets.length + 1);
  expect(error!.message).toMatch(pattern);
  expect(error!.message).toContain(`byte offset ${offset}`);
  return error!;
}

/** A copy of `file` with a 32-bit field overwritten. */
function patched(file: Uint8Array, at: number, value: number, le = true): Uint8Array {
  const copy = file.slice();
  new DataView(copy.buffer).setUint32(at, value, le);
  return copy;
}

// The damage is done to real captures from tcpdump's test suite.
const CAPTURES = sharedDir('captures');
if (CAPTURES !== undefined) {
  const load = (name: string): Uint8Array => new Uint8Array(readFileSync(join(CAPTURES, name)));

  describe('truncated files', () => {
    it('classic pcap cut at every byte: the whole records before the cut, an error naming the partial one', () => {
      const file = load('dns_tcp.pcap');
      const whole = readCapture(file);
      const starts = recordStarts(file);
      expect(starts).toHaveLength(12);
      for (let cut = 0; cut < file.length; cut++) {
        const capture = readCapture(file.subarray(0, cut));
        if (cut < 4) {
          expectError(capture, 0, /too short to hold a capture file header/);
          continue;
        }
        if (cut < 24) {
          expectError(capture, 0, /truncated pcap file header: 24 bytes needed, \d+ present/);
          continue;
        }
        const complete = starts.filter((s) => s <= cut).length - 1;
        expectPrefix(capture, whole, complete);
        if (starts.includes(cut)) {
          expect(capture.error).toBeUndefined();
        } else {
          const error = expectError(capture, starts[complete]!, /truncated (record header|packet data)/);
          expect(error.message).toContain(`packet ${complete + 1}`);
        }
      }
    });

    it('pcapng cut at every byte: the packets of the whole blocks before the cut, an error naming the partial block', () => {
      const file = load('of10_7050q.pcapng');
      const whole = readCapture(file);
      const list = blocks(file);
      expect(list.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 6, 6, 6, 6]);
      for (let cut = 4; cut < file.length; cut++) {
        const capture = readCapture(file.subarray(0, cut));
        const complete = list.filter((b) => b.end <= cut);
        expectPrefix(capture, whole, complete.filter((b) => b.type === 6).length);
        const partial = list.find((b) => b.start < cut && b.end > cut);
        if (partial === undefined) expect(capture.error).toBeUndefined();
        else expectError(capture, partial.start, /truncated block/);
      }
    });

    it('a nanosecond SLL pcap cut inside its last record keeps the first two', () => {
      const file = load('tcp-handshake-nano.pcap');
      const capture = readCapture(file.subarray(0, file.length - 1));
      expect(capture.format).toBe('pcap-ns');
      expect(capture.packets.map((p) => p.tsNsec)).toEqual([924505488, 52027262]);
      expectError(capture, recordStarts(file)[2]!, /packet 3: truncated packet data: capture length \d+, \d+ bytes left/);
    });
  });

  describe('garbled classic pcap', () => {
    const file = load('dns_tcp.pcap');
    const whole = readCapture(file);
    const starts = recordStarts(file);

    it('refuses a huge capture length without allocating, keeping the packets before', () => {
      const capture = readCapture(patched(file, starts[5]! + 8, 0xffffffff));
      expectPrefix(capture, whole, 5);
      expectError(capture, starts[5]!, /^byte offset \d+, packet 6: capture length 4294967295 exceeds the limit 262144$/);
    });

    it('refuses a capture length above the file’s snapshot length', () => {
      const erspan = load('erspan-type-ii-2.pcap');
      const at = recordStarts(erspan)[2]!;
      const capture = readCapture(patched(erspan, at + 8, 1601));
      expect(capture.packets).toHaveLength(2);
      expectError(capture, at, /packet 3: capture length 1601 exceeds the snapshot length 1600/);
    });

    it('refuses 262145 bytes even when the snapshot length says 0 (no limit)', () => {
      const noSnap = patched(file, 16, 0);
      expect(readCapture(noSnap).error).toBeUndefined();
      const capture = readCapture(patched(noSnap, starts[0]! + 8, 262145));
      expectError(capture, 24, /packet 1: capture length 262145 exceeds the limit 262144/);
    });

    it('refuses a microsecond field of a million', () => {
      const capture = readCapture(patched(file, starts[3]! + 4, 1_000_000));
      expectPrefix(capture, whole, 3);
      expectError(capture, starts[3]!, /timestamp fraction 1000000 is not below 1000000/);
    });

    it('refuses an unknown version and an unknown magic', () => {
      const version = file.slice();
      new DataView(version.buffer).setUint16(4, 3, true);
      expectError(readCapture(version), 0, /file header: unsupported pcap version 3\.4/);
      const gif = new TextEncoder().encode('GIF89a, not a capture at all');
      const capture = readCapture(gif);
      expect(capture.format).toBeUndefined();
      expectError(capture, 0, /unknown magic number 0x47494638/);
    });

    it('refuses an empty file', () => {
      expectError(readCapture(new Uint8Array(0)), 0, /file of 0 bytes is too short/);
    });

    it('reads a header-only file as an empty capture', () => {
      const capture = readCapture(file.subarray(0, 24));
      expect(capture.error).toBeUndefined();
      expect(capture.packets).toHaveLength(0);
      expect(capture.linkTypes).toEqual([1]);
    });
  });

  describe('garbled pcapng', () => {
    const file = load('of10_7050q.pcapng');
    const whole = readCapture(file);
    const list = blocks(file);
    const epb = list.filter((b) => b.type === 6);

    const cases: [string, (f: Uint8Array) => Uint8Array, number, RegExp][] = [
      ['a total length that is not a multiple of 4', (f) => patched(f, epb[2]!.start + 4, 0x99), epb[2]!.start,
        /packet 3: block total length 153 is not a multiple of 4/],
      ['a total length below the minimum', (f) => patched(f, epb[2]!.start + 4, 8), epb[2]!.start,
        /packet 3: block total length 8 is below the minimum 32/],
      ['a total length past the end of the file', (f) => patched(f, epb[2]!.start + 4, 0x10000), epb[2]!.start,
        /packet 3: truncated block: total length 65536, \d+ bytes left/],
      ['a trailing length that differs', (f) => patched(f, epb[2]!.end - 4, 4), epb[2]!.start,
        /packet 3: trailing block length 4 does not match the leading \d+/],
      ['a capture length beyond the block', (f) => patched(f, epb[2]!.start + 20, 0x1000), epb[2]!.start,
        /packet 3: capture length 4096 exceeds the \d+ bytes the block holds/],
      ['an unknown interface', (f) => patched(f, epb[2]!.start + 8, 1), epb[2]!.start,
        /packet 3: refers to interface 1, but section 0 has 1/],
      ['a bad byte-order magic', (f) => patched(f, 8, 0x12345678), 0,
        /section header block before packet 1: byte-order magic 0x12345678 is not 0x1a2b3c4d/],
      ['an unknown major version', (f) => patched(f, 12, 0x00000002), 0,
        /section header block before packet 1: unsupported pcapng version 2\.0/],
      ['an IDB option running past its block', (f) => patched(f, list[1]!.start + 18, 0x00ff), list[1]!.start,
        /interface description block before packet 1: option 9 at byte \d+ \(length 255\) overruns the block/],
    ];
    for (const [what, garble, offset, message] of cases) {
      it(`refuses ${what}`, () => {
        const capture = readCapture(garble(file));
        expectError(capture, offset, message);
        expectPrefix(capture, whole, capture.packets.length);
        expect(capture.packets.length).toBe(list.filter((b) => b.type === 6 && b.end <= offset).length);
      });
    }
  });
}
