import type { PacketBatch } from './batch.js';
import { ClassicParser, PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC } from './classic.js';
import { hex, PcapError } from './error.js';
import type { Input, Progress } from './input.js';
import type { CaptureFormat, CaptureInterface } from './packet.js';
import { BT_SHB, PcapngParser } from './pcapng.js';

/** What reading has found so far; the format parsers add to it. */
export interface ParseState {
  format: CaptureFormat | undefined;
  interfaces: CaptureInterface[];
  /** Distinct link types of `interfaces`, in order of first appearance. */
  linkTypes: number[];
  error: PcapError | undefined;
  /** Packets delivered so far; the next one is number `packets + 1`. */
  packets: number;
}

/** Parses the records of one format, picking up where the last call stopped. */
export interface RecordParser {
  parse(input: Input, batch: PacketBatch, state: ParseState): Progress;
}

/**
 * The incremental parser of a capture file, whole or streamed: classic pcap
 * (either byte order, microsecond or nanosecond) or pcapng, told apart by
 * the first four bytes. Each call parses what `input` holds into `batch`.
 */
export class CaptureParser {
  readonly state: ParseState = { format: undefined, interfaces: [], linkTypes: [], error: undefined, packets: 0 };
  private records: RecordParser | undefined;

  parse(input: Input, batch: PacketBatch): Progress {
    if (this.state.error !== undefined) return 'error';
    if (this.records === undefined) {
      const progress = this.detect(input);
      if (progress !== undefined) return progress;
    }
    return this.records!.parse(input, batch, this.state);
  }

  private detect(input: Input): Progress | undefined {
    if (input.available < 4) {
      if (!input.eof) {
        input.need = 4;
        return 'more';
      }
      return this.unreadable(`file of ${input.available} bytes is too short to hold a capture file header`);
    }
    const magic = input.view.getUint32(input.pos, false);
    const swapped = input.view.getUint32(input.pos, true);
    if (magic === PCAP_MAGIC_USEC || magic === PCAP_MAGIC_NSEC || swapped === PCAP_MAGIC_USEC || swapped === PCAP_MAGIC_NSEC) {
      const classic = new ClassicParser(swapped === PCAP_MAGIC_USEC || swapped === PCAP_MAGIC_NSEC, magic === PCAP_MAGIC_NSEC || swapped === PCAP_MAGIC_NSEC);
      this.state.format = classic.format;
      this.records = classic;
    } else if (magic === BT_SHB) {
      this.state.format = 'pcapng';
      this.records = new PcapngParser();
    } else {
      return this.unreadable(
        `unknown magic number 0x${hex(magic)}: not pcap (a1b2c3d4, a1b23c4d in either byte order) nor pcapng (0a0d0d0a)`,
      );
    }
    return undefined;
  }

  private unreadable(problem: string): Progress {
    this.state.error = new PcapError(0, 1, 'file header', problem);
    return 'error';
  }
}
