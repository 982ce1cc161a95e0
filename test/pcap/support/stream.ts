// Reads a capture file through CaptureReader to the end, for comparison with
// readCapture: what each read delivered, copied out of the reader's buffer.
import { expect } from 'vitest';
import { CaptureReader, PacketBatch, type Capture, type CapturedPacket } from '../../../src/pcap/index.js';

export interface Streamed {
  capture: Capture;
  /** How many packets each read returned, the final 0 included. */
  counts: number[];
  /** Largest buffer a batch pointed into. */
  maxBuffer: number;
}

export async function streamFile(path: string, chunkSize?: number, capacity?: number): Promise<Streamed> {
  const reader = await CaptureReader.open(path, chunkSize === undefined ? {} : { chunkSize });
  const batch = new PacketBatch(capacity);
  const packets: CapturedPacket[] = [];
  const counts: number[] = [];
  let maxBuffer = 0;
  try {
    for (;;) {
      const n = await reader.read(batch);
      counts.push(n);
      expect(batch.count).toBe(n);
      maxBuffer = Math.max(maxBuffer, batch.bytes.length);
      for (let i = 0; i < n; i++) {
        const p = batch.packet(i);
        packets.push({ ...p, data: p.data.slice() });
      }
      expect(reader.packetsRead).toBe(packets.length);
      if (n === 0) break;
    }
    // Once at the end or the damage, it stays there.
    expect(await reader.read(batch)).toBe(0);
    const { format, interfaces, linkTypes, error } = reader;
    return { capture: { format, packets, interfaces: [...interfaces], linkTypes: [...linkTypes], ...(error && { error }) }, counts, maxBuffer };
  } finally {
    await reader.close();
  }
}

/** Everything readCapture says of a file, in a form toEqual compares fully. */
export function described(capture: Capture): unknown {
  return {
    format: capture.format,
    interfaces: capture.interfaces,
    linkTypes: capture.linkTypes,
    error: capture.error && [capture.error.message, capture.error.offset, capture.error.packetNumber],
    packets: capture.packets.map((p) => [Buffer.from(p.data).toString('hex'), p.origLen, p.tsSec, p.tsNsec, p.linkType, p.interfaceIndex]),
  };
}
