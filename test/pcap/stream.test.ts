// CaptureReader streams a file in small bounded chunks and must read exactly
// what readCapture reads from the whole file: packets, timestamps, link
// types, interfaces, and the same error at the same offset.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader, MAX_BLOCK_LEN, PacketBatch, PcapError, readCapture, writePcap } from '../../src/pcap/index.js';
import { sharedDir } from '../support/shared.js';
import { PcapngBuilder } from './support/pcapng-builder.js';
import { described, streamFile } from './support/stream.js';

const BUNDLED = join(import.meta.dirname, '../../captures');
const CHUNKS = [1, 7, 64, 4096, undefined];
const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-stream-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `bytes` written to a file of the temporary folder; returns its path. */
function saved(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

async function expectSameAsWhole(path: string, chunkSize: number | undefined, capacity?: number): Promise<void> {
  const whole = readCapture(readFileSync(path));
  const { capture } = await streamFile(path, chunkSize, capacity);
  expect(described(capture), `${path}, chunks of ${chunkSize ?? 'default'}`).toEqual(described(whole));
}

function capturesIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).sort().map((f) => join(dir, f));
}

describe('streaming the bundled captures', () => {
  for (const path of capturesIn(BUNDLED)) {
    it(`${path.slice(BUNDLED.length + 1)}: the same packets in chunks of ${CHUNKS.map((c) => c ?? 'default').join(', ')} bytes`, async () => {
      for (const chunk of CHUNKS) await expectSameAsWhole(path, chunk);
    });
  }

  it('fills every batch but the last when the buffer holds the file', async () => {
    const { counts } = await streamFile(join(BUNDLED, 'demo.pcap'), undefined, 64);
    expect(counts).toEqual([64, 64, 64, 64, 44, 0]);
  });

  it('cut at every byte: the packets before the cut and the error readCapture gives', async () => {
    const file = readFileSync(join(BUNDLED, 'arp.pcap'));
    for (let cut = 0; cut <= file.length; cut++) {
      const path = saved('cut.pcap', file.subarray(0, cut));
      for (const chunk of [1, 7, undefined]) await expectSameAsWhole(path, chunk, 1);
    }
  });
});

const SHARED = sharedDir('captures');
if (SHARED !== undefined) {
  describe('streaming tcpdump’s test captures', () => {
    for (const path of capturesIn(SHARED)) {
      it(`${path.slice(SHARED.length + 1)}: the same packets in chunks of ${CHUNKS.map((c) => c ?? 'default').join(', ')} bytes`, async () => {
        for (const chunk of CHUNKS) await expectSameAsWhole(path, chunk);
      });
    }

    // Byte-sized chunks on the small files only: every cut of a 1 KB file read a byte at a time is half a million reads.
    const cuts: [string, (number | undefined)[]][] = [
      ['dns_tcp.pcap', [64]],
      ['of10_7050q.pcapng', [7, undefined]],
      ['tcp-handshake-nano.pcap', [1, 64, undefined]],
    ];
    for (const [name, chunks] of cuts) {
      it(`${name} cut at every byte reads as readCapture reads it, in chunks of ${chunks.map((c) => c ?? 'default').join(', ')}`, async () => {
        const file = readFileSync(join(SHARED, name));
        for (let cut = 0; cut <= file.length; cut++) {
          const path = saved(`cut-${name}`, file.subarray(0, cut));
          for (const chunk of chunks) await expectSameAsWhole(path, chunk, 2);
        }
      });
    }

    it('garbled captures: the same packets and error as readCapture, whatever the chunk size', async () => {
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      for (const name of ['dns_tcp.pcap', 'of10_7050q.pcapng', 'dhcp-option-108.pcapng']) {
        const file = new Uint8Array(readFileSync(join(SHARED, name)));
        for (let k = 0; k < 60; k++) {
          const mutant = file.slice();
          // Header fields are where damage changes the reading; a random byte anywhere elsewhere.
          const at = random(2) === 0 ? random(Math.min(file.length, 600)) : random(file.length);
          mutant[at] = [0, 0xff, 1, random(256)][random(4)]!;
          const path = saved(`garbled-${name}`, mutant);
          for (const chunk of [5, undefined]) await expectSameAsWhole(path, chunk);
        }
      }
    });
  });
}

describe('pcapng blocks', () => {
  const frame = Uint8Array.from({ length: 60 }, (_, i) => i);
  const build = (): PcapngBuilder => new PcapngBuilder().section(true).idb(1, 0, { name: 'eth0' }).epb(0, 1_000_001n, frame);

  it('interfaces and link types grow as IDBs appear, across sections and byte orders', async () => {
    const b = build().section(false).idb(101, 0).idb(1, 0, { tsresol: 0x80 | 20, tsoffset: -3n });
    b.epb(1, 5n << 20n, frame).block(0xbad, new Uint8Array(9)).opb(0, 7_000_000n, frame.subarray(14)).spb(frame, 90);
    const path = saved('sections.pcapng', b.bytes());
    const reader = await CaptureReader.open(path, { chunkSize: 16 });
    const batch = new PacketBatch(1);
    expect(reader.format).toBeUndefined();
    expect(await reader.read(batch)).toBe(1);
    expect([reader.format, reader.interfaces.length, reader.linkTypes]).toEqual(['pcapng', 1, [1]]);
    expect(await reader.read(batch)).toBe(1);
    expect([reader.interfaces.length, reader.linkTypes]).toEqual([3, [1, 101]]);
    expect([batch.tsSec[0], batch.interfaceIndex[0], batch.linkType[0]]).toEqual([2, 2, 1]);
    await reader.close();
    for (const chunk of CHUNKS) await expectSameAsWhole(path, chunk, 2);
  });

  it('refuses a block longer than MAX_BLOCK_LEN the file holds, naming its offset and packet, without taking it in', async () => {
    const head = build().bytes();
    const huge = new Uint8Array(head.length + MAX_BLOCK_LEN + 12);
    huge.set(head);
    const view = new DataView(huge.buffer);
    view.setUint32(head.length, 6, true);
    view.setUint32(head.length + 4, MAX_BLOCK_LEN + 12, true);
    const path = saved('huge.pcapng', huge);
    const { capture, maxBuffer } = await streamFile(path, 4096);
    expect(capture.packets).toHaveLength(1);
    expect(capture.error?.message).toBe(`byte offset ${head.length}, packet 2: block total length ${MAX_BLOCK_LEN + 12} exceeds the limit ${MAX_BLOCK_LEN}`);
    expect(maxBuffer).toBeLessThan(64 * 1024);
    await expectSameAsWhole(path, 4096);
  });

  it('calls a block longer than MAX_BLOCK_LEN and than the file truncated, as readCapture does', async () => {
    const file = build().bytes();
    const epb = file.length - (12 + 20 + frame.length);
    new DataView(file.buffer).setUint32(epb + 4, 0xfffffff0, true);
    const path = saved('claims.pcapng', file);
    const { capture, maxBuffer } = await streamFile(path, 64);
    expect(capture.error?.message).toMatch(/packet 1: truncated block: total length 4294967280, 92 bytes left$/);
    expect(maxBuffer).toBeLessThan(1024);
    await expectSameAsWhole(path, 64);
  });
});

describe('CaptureReader', () => {
  const records = Array.from({ length: 10 }, (_, i) => ({ data: Uint8Array.from({ length: 60 + i }, (_, j) => i + j), tsSec: 1_700_000_000 + i, tsNsec: i * 1000 }));
  const path = saved('ten.pcap', writePcap(records));

  it('fills batches up to their capacity and keeps the buffer at the chunk size', async () => {
    const { counts, maxBuffer } = await streamFile(path, 4096, 4);
    expect(counts).toEqual([4, 4, 2, 0]);
    expect(maxBuffer).toBe(4096);
  });

  it('returns a short batch rather than move the bytes of the packets it holds', async () => {
    const { counts, capture } = await streamFile(path, 100, 64);
    expect(counts.every((n) => n <= 1)).toBe(true);
    expect(capture.packets).toHaveLength(10);
  });

  it('copies a packet into a frame without a view, and refuses one that does not fit', async () => {
    const reader = await CaptureReader.open(path);
    const batch = new PacketBatch();
    expect(await reader.read(batch)).toBe(10);
    const target = new Uint8Array(80).fill(0xee);
    expect(batch.copyPacket(3, target, 2)).toBe(63);
    expect(Array.from(target.subarray(2, 65))).toEqual(Array.from(records[3]!.data));
    expect([target[1], target[65]]).toEqual([0xee, 0xee]);
    expect(() => batch.copyPacket(9, target, 20)).toThrow(RangeError);
    expect(() => batch.packet(10)).toThrow(RangeError);
    await reader.close();
  });

  it('delivers the packets before damage, then sets error; later reads return 0', async () => {
    const file = writePcap(records);
    new DataView(file.buffer).setUint32(24 + 16 + 60 + 16 + 61 + 4, 1_000_000, true);
    const reader = await CaptureReader.open(saved('bad.pcap', file), { chunkSize: 64 });
    const batch = new PacketBatch(8);
    let total = 0;
    for (let n; (n = await reader.read(batch)) > 0; ) {
      total += n;
      if (reader.error === undefined) continue;
      expect(reader.error).toBeInstanceOf(PcapError);
      expect(reader.error.message).toBe('byte offset 177, packet 3: timestamp fraction 1000000 is not below 1000000 (µs)');
    }
    expect([total, reader.packetsRead, reader.error?.packetNumber]).toEqual([2, 2, 3]);
    expect(await reader.read(batch)).toBe(0);
    await reader.close();
  });

  it('refuses a directory (pipes and FIFOs are read: see pipe.test.ts)', async () => {
    await expect(CaptureReader.open(tmp)).rejects.toThrow(PcapError);
    await expect(CaptureReader.open(tmp)).rejects.toThrow(/ is a directory$/);
  });

  it('refuses a chunk size that is not a positive integer, and a missing file as the file system does', async () => {
    await expect(CaptureReader.open(path, { chunkSize: 0 })).rejects.toThrow(RangeError);
    await expect(CaptureReader.open(join(tmp, 'absent'))).rejects.toThrow(/ENOENT/);
  });
});
