import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { PcapError } from './error.js';
import { LINKTYPE_ETHERNET } from './linktype.js';
import { MAX_SNAPLEN } from './packet.js';
import { FILE_HEADER_LEN, RECORD_HEADER_LEN, recordProblem, writeFileHeader } from './write.js';

/** The parts of a record that has none past its first. */
const NO_PARTS: readonly Uint8Array[] = [];

/** Bytes buffered before a write to the file. */
const BUFFER_SIZE = 1024 * 1024;

/**
 * A classic pcap file written as records come, in bounded memory: records
 * are gathered in a buffer of BUFFER_SIZE bytes and written out when it
 * fills, so a replay of any length writes its outputs without holding them.
 * Nanosecond timestamps (magic a1b23c4d), so a record keeps its packet's
 * timestamp exactly; tcpdump and Wireshark read them.
 *
 * Writes are synchronous: a record is taken from a view that is valid only
 * during the call, and the buffer it is copied to must be free again before
 * the next one comes.
 */
export class PcapFileWriter {
  private readonly fd: number;
  private readonly buf = new Uint8Array(BUFFER_SIZE);
  private readonly view = new DataView(this.buf.buffer);
  private length = FILE_HEADER_LEN;
  private count = 0;
  private written = 0;
  private closed = false;

  /** Creates (or truncates) `path` and writes the file header. */
  constructor(
    readonly path: string,
    linkType = LINKTYPE_ETHERNET,
  ) {
    this.fd = openSync(path, 'w');
    writeFileHeader(this.view, linkType, true, MAX_SNAPLEN);
  }

  get packetCount(): number {
    return this.count;
  }

  /** Bytes of the file so far, buffered ones included. */
  get size(): number {
    return this.written + this.length;
  }

  /**
   * Appends `bytes[start, end)` as a record captured at tsSec.tsNsec, `origLen`
   * bytes long on the wire (the frame's own length when absent); a
   * PcapError, with nothing written, when the format cannot hold it.
   */
  append(bytes: Uint8Array, start: number, end: number, tsSec: number, tsNsec: number, origLen = end - start): void {
    this.appendFrame(bytes, start, end, NO_PARTS, tsSec, tsNsec, origLen);
  }

  /**
   * Appends one record made of `bytes[start, end)` followed by each of
   * `parts` in order (a multi-buffer frame: its linear part, then its
   * fragments), captured at tsSec.tsNsec and `origLen` bytes long on the
   * wire (the record's own length when absent); a PcapError, with nothing
   * written, when the format cannot hold it. A frame without parts is copied
   * once, as `append` copies it.
   */
  appendFrame(bytes: Uint8Array, start: number, end: number, parts: readonly Uint8Array[], tsSec: number, tsNsec: number, origLen?: number): void {
    let capLen = end - start;
    for (let i = 0; i < parts.length; i++) capLen += parts[i]!.length;
    const wire = origLen ?? capLen;
    if (this.closed) throw new Error(`${this.path} is closed`);
    const problem = recordProblem(capLen, tsSec, tsNsec, wire, MAX_SNAPLEN);
    if (problem !== undefined) throw new PcapError(this.size, this.count + 1, `packet ${this.count + 1} of ${this.path}`, problem);
    if (this.length + RECORD_HEADER_LEN + capLen > this.buf.length) this.flush();
    const view = this.view;
    const at = this.length;
    view.setUint32(at, tsSec, true);
    view.setUint32(at + 4, tsNsec, true);
    view.setUint32(at + 8, capLen, true);
    view.setUint32(at + 12, wire, true);
    // A record is at most MAX_SNAPLEN bytes, well within the buffer.
    let to = at + RECORD_HEADER_LEN;
    this.buf.set(bytes.subarray(start, end), to);
    to += end - start;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      this.buf.set(part, to);
      to += part.length;
    }
    this.length = to;
    this.count++;
  }

  /**
   * Appends every record of the file at `path`, which a PcapFileWriter
   * wrote (the same header), as it is: how the outputs of several threads
   * become one capture. Returns the records appended.
   */
  appendRecordsOf(path: string): number {
    if (this.closed) throw new Error(`${this.path} is closed`);
    this.flush();
    const fd = openSync(path, 'r');
    const header = new Uint8Array(RECORD_HEADER_LEN);
    const headerView = new DataView(header.buffer);
    let position = FILE_HEADER_LEN;
    let records = 0;
    try {
      for (;;) {
        const n = readSync(fd, header, 0, RECORD_HEADER_LEN, position);
        if (n === 0) break;
        if (n < RECORD_HEADER_LEN) throw new PcapError(position, records + 1, `packet ${records + 1} of ${path}`, 'truncated record header');
        const capLen = headerView.getUint32(8, true);
        const record = new Uint8Array(RECORD_HEADER_LEN + capLen);
        record.set(header);
        if (readSync(fd, record, RECORD_HEADER_LEN, capLen, position + RECORD_HEADER_LEN) < capLen) {
          throw new PcapError(position, records + 1, `packet ${records + 1} of ${path}`, 'truncated record');
        }
        this.write(record, 0, record.length);
        position += record.length;
        records++;
      }
    } finally {
      closeSync(fd);
    }
    this.count += records;
    return records;
  }

  /** Writes what is buffered and closes the file; further appends throw. */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      closeSync(this.fd);
    }
  }

  private flush(): void {
    if (this.length === 0) return;
    this.write(this.buf, 0, this.length);
    this.length = 0;
  }

  private write(bytes: Uint8Array, offset: number, length: number): void {
    if (this.closed) throw new Error(`${this.path} is closed`);
    let done = 0;
    while (done < length) done += writeSync(this.fd, bytes, offset + done, length - done);
    this.written += length;
  }
}
