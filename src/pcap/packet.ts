import type { PcapError } from './error.js';

/** One packet as stored in a capture file. */
export interface CapturedPacket {
  /**
   * The captured bytes. Reading does not copy: this is a view into the
   * buffer given to `readCapture` (or a PacketBatch's `bytes`), valid as
   * long as that buffer is.
   */
  data: Uint8Array;
  /** Length of the packet on the wire; larger than `data.length` when the capture cut it. */
  origLen: number;
  tsSec: number;
  /** Nanoseconds within `tsSec` (0 ≤ tsNsec < 1e9), whatever the file's resolution. */
  tsNsec: number;
  /** LINKTYPE_* value of the interface the packet was captured on (see linktype.ts). */
  linkType: number;
  /** Index into `Capture.interfaces`. */
  interfaceIndex: number;
}

/** A capture interface: the single one of a classic pcap file, or a pcapng IDB. */
export interface CaptureInterface {
  linkType: number;
  /** Snapshot length; 0 means "no limit" (pcapng allows it). */
  snapLen: number;
  /** 0-based pcapng section the interface belongs to (always 0 for classic pcap). */
  section: number;
  /** pcapng `if_name`, or '' when absent. */
  name: string;
}

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng';

/**
 * Everything that could be read from a capture. When the file is damaged,
 * `error` says where and `packets` still holds every packet before the damage:
 * reading never throws on bad input.
 */
export interface Capture {
  /** Undefined only when the file header itself is unrecognisable. */
  format: CaptureFormat | undefined;
  packets: CapturedPacket[];
  interfaces: CaptureInterface[];
  /** Distinct link types of `interfaces`, in order of first appearance. */
  linkTypes: number[];
  error?: PcapError;
}

/**
 * Largest capture length accepted for one packet, whatever the file claims
 * (libpcap's MAXIMUM_SNAPLEN). Bounds what a hostile record can make us take.
 */
export const MAX_SNAPLEN = 262144;
