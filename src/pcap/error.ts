import { XdpsimError } from '../errors/index.js';

/**
 * A capture that cannot be read (or a record that cannot be written).
 *
 * `offset` is the byte offset where the damaged record, block or header starts
 * (for writing: where the record would have gone); `packetNumber` is the
 * 1-based number, counted as tcpdump's `-#` does, of the first packet not
 * read (the one the damage hit, or the next one when the damage is in a
 * header or another block) or not written. So after a failed read,
 * `packetNumber === capture.packets.length + 1`.
 */
export class PcapError extends XdpsimError {
  override readonly name = 'PcapError';
  override readonly code = 'PCAP';
  readonly offset: number;
  readonly packetNumber: number;

  constructor(offset: number, packetNumber: number, where: string, problem: string) {
    super(`byte offset ${offset}, ${where}: ${problem}`);
    this.offset = offset;
    this.packetNumber = packetNumber;
  }
}

/** Eight hex digits, for magic numbers in messages. */
export function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
