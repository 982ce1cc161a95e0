// CaptureReader on a FIFO: a stream of unknown length, written in pieces
// while it is read, must give exactly what readCapture gives for the whole
// file, and a capture cut short must end with the same error as a truncated
// file. (The CLI on /dev/stdin, pipes and process substitution: test/cli/pcap-pipe.test.ts.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture, writePcap } from '../../src/pcap/index.js';
import { PcapngBuilder } from './support/pcapng-builder.js';
import { described, streamFile } from './support/stream.js';

const tmp = mkdtempSync(join(tmpdir(), 'xdpsim-pipe-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const DEMO = readFileSync(join(import.meta.dirname, '../../captures/demo.pcap'));

let fifos = 0;

/**
 * Reads `bytes` through a new FIFO while this process writes them into it
 * `piece` bytes at a time, yielding between pieces so the reader sees short
 * reads; the writer opens only once the reader has (a FIFO's open waits for
 * the other end).
 */
async function throughFifo(bytes: Uint8Array, piece: number, chunkSize?: number): ReturnType<typeof streamFile> {
  const fifo = join(tmp, `fifo${fifos++}`);
  execFileSync('mkfifo', [fifo]);
  const read = streamFile(fifo, chunkSize);
  const writer = await open(fifo, 'w');
  for (let at = 0; at < bytes.length; at += piece) {
    await writer.write(bytes.subarray(at, Math.min(at + piece, bytes.length)));
    await new Promise((r) => setImmediate(r));
  }
  await writer.close();
  return read;
}

describe('a capture read from a FIFO', () => {
  it('gives what the whole file gives, whatever the pieces the writer writes and the reader reads', async () => {
    const whole = described(readCapture(DEMO));
    for (const [piece, chunk] of [
      [DEMO.length, undefined],
      [1000, 64],
      [37, 4096],
      [4096, 7],
    ] as const) {
      const { capture } = await throughFifo(DEMO, piece, chunk);
      expect(described(capture), `pieces of ${piece}, chunks of ${chunk ?? 'default'}`).toEqual(whole);
    }
  });

  it('a pcapng capture, too', async () => {
    const frame = Uint8Array.from({ length: 90 }, (_, i) => i);
    const b = new PcapngBuilder().section(true).idb(1, 0, { name: 'eth0' });
    for (let i = 0; i < 50; i++) b.epb(0, BigInt(i) * 1_000_001n, frame.subarray(0, 60 + (i % 30)));
    const file = b.bytes();
    const { capture } = await throughFifo(file, 100, 128);
    expect(described(capture)).toEqual(described(readCapture(file)));
    expect(capture.packets).toHaveLength(50);
  });

  it('cut short, ends with the error a truncated file ends with, after the packets before it', async () => {
    const frame = Uint8Array.from({ length: 90 }, (_, i) => i);
    const pcapng = new PcapngBuilder().section(true).idb(1, 0).epb(0, 1n, frame).epb(0, 2n, frame).bytes();
    const cuts: Array<[string, Uint8Array]> = [
      ['pcap, mid-record', DEMO.subarray(0, 5000)],
      ['pcap, mid-record header', DEMO.subarray(0, 24 + 16 + 82 + 7)],
      ['pcap, mid-file-header', DEMO.subarray(0, 10)],
      ['pcapng, mid-block', pcapng.subarray(0, pcapng.length - 20)],
      ['empty', new Uint8Array(0)],
    ];
    for (const [what, bytes] of cuts) {
      const path = join(tmp, 'cut');
      writeFileSync(path, bytes);
      const fromFile = await streamFile(path, 64);
      const fromFifo = await throughFifo(bytes, 333, 64);
      expect(described(fromFifo.capture), what).toEqual(described(fromFile.capture));
      expect(described(fromFifo.capture), what).toEqual(described(readCapture(bytes)));
      if (bytes.length > 0) expect(fromFifo.capture.error?.message, what).toMatch(/truncated/);
    }
  });

  it('/dev/null reads as an empty file', async () => {
    const { capture } = await streamFile('/dev/null');
    expect(described(capture)).toEqual(described(readCapture(new Uint8Array(0))));
  });

  it('a capture written by writePcap, through a FIFO in one piece', async () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ data: Uint8Array.from({ length: 60 + (i % 1400) }, (_, j) => i ^ j), tsSec: i, tsNsec: i }));
    const file = writePcap(records);
    const { capture } = await throughFifo(file, file.length, 1024);
    expect(capture.packets.map((p) => p.data.length)).toEqual(records.map((r) => r.data.length));
  });
});
