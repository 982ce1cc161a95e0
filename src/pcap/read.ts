import { PacketBatch } from './batch.js';
import { Input } from './input.js';
import type { Capture, CapturedPacket } from './packet.js';
import { CaptureParser } from './parse.js';

// Packets parsed per round before they become objects; any size gives the same capture.
const ROUND = 256;

/**
 * Reads a whole capture held in memory: classic pcap (either byte order,
 * microsecond or nanosecond) or pcapng, told apart by the first four bytes.
 * The same parser as CaptureReader's, given the whole file at once. Never
 * throws on bad input: see `Capture.error`.
 */
export function readCapture(bytes: Uint8Array): Capture {
  const parser = new CaptureParser();
  const input = Input.whole(bytes);
  const batch = new PacketBatch(ROUND);
  const packets: CapturedPacket[] = [];
  let progress;
  do {
    batch.reset(bytes);
    progress = parser.parse(input, batch);
    for (let i = 0; i < batch.count; i++) packets.push(batch.packet(i));
  } while (progress === 'full');
  const { format, interfaces, linkTypes, error } = parser.state;
  return { format, packets, interfaces, linkTypes, ...(error !== undefined && { error }) };
}
