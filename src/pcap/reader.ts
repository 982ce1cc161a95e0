import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { PacketBatch } from './batch.js';
import { PcapError } from './error.js';
import { Input } from './input.js';
import type { CaptureFormat, CaptureInterface } from './packet.js';
import { CaptureParser } from './parse.js';

export interface CaptureReaderOptions {
  /** Bytes asked of the file per read; DEFAULT_CHUNK_SIZE when absent. */
  chunkSize?: number;
}

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/**
 * Reads a capture file (what readCapture reads) batch by batch, holding at
 * most `chunkSize` bytes plus the longest record in memory: at most
 * MAX_SNAPLEN + 16 bytes in classic pcap, MAX_BLOCK_LEN in pcapng.
 *
 * Damage is reported as readCapture reports it, with the same message,
 * offset and packet number: the packets before it are delivered, the read
 * that reaches it returns those it has and sets `error`, and later reads
 * return 0. Only one read may be under way at a time.
 */
export class CaptureReader {
  private readonly parser = new CaptureParser();
  private readonly input: Input;
  /** File offset of `input.bytes[input.end]`. */
  private position = 0;

  private constructor(
    private readonly file: FileHandle,
    private readonly chunkSize: number,
    size: number,
  ) {
    this.input = new Input(new Uint8Array(chunkSize), 0, false, size);
  }

  /**
   * Opens a regular file. Pipes and devices are refused with a PcapError,
   * without waiting for a writer: a FIFO opened for reading blocks until one
   * comes, and one opened non-blocking fails reads with EAGAIN instead of
   * waiting for data, which this reader does not poll for.
   */
  static async open(path: string, options: CaptureReaderOptions = {}): Promise<CaptureReader> {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 2 ** 30) {
      throw new RangeError(`chunk size ${chunkSize} is not an integer within 1..${2 ** 30}`);
    }
    const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = await file.stat();
      if (!stat.isFile()) {
        throw new PcapError(0, 1, 'file header', `${path} is not a regular file (pipes and devices are not read)`);
      }
      return new CaptureReader(file, chunkSize, stat.size);
    } catch (e) {
      await file.close();
      throw e;
    }
  }

  /** Undefined until the first read has seen the magic number, and when it is unrecognisable. */
  get format(): CaptureFormat | undefined {
    return this.parser.state.format;
  }

  /** Grows as pcapng interface description blocks are read. */
  get interfaces(): readonly CaptureInterface[] {
    return this.parser.state.interfaces;
  }

  /** Distinct link types of `interfaces`, in order of first appearance. */
  get linkTypes(): readonly number[] {
    return this.parser.state.linkTypes;
  }

  get error(): PcapError | undefined {
    return this.parser.state.error;
  }

  get packetsRead(): number {
    return this.parser.state.packets;
  }

  /**
   * Fills `batch` with the next packets, up to its capacity; returns how
   * many (fewer than the capacity when the buffer must move to go on), 0
   * once the file has ended or `error` is set. The batch's `bytes` are this
   * reader's buffer, valid until the next read.
   */
  async read(batch: PacketBatch): Promise<number> {
    const input = this.input;
    batch.reset(input.bytes);
    while (this.parser.parse(input, batch) === 'more') {
      if (!(await this.refill(batch.count === 0))) break;
    }
    batch.bytes = input.bytes;
    return batch.count;
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  /**
   * Reads more of the file after the parser asked for `input.need` bytes.
   * While the batch holds packets their bytes must stay put, so it reads
   * only into free space after them; it returns false when there is none.
   */
  private async refill(mayMove: boolean): Promise<boolean> {
    const input = this.input;
    if (mayMove) {
      // Keeping the partial record at the buffer's start leaves a whole chunk of room.
      if (input.need > input.bytes.length) input.compact(input.need + this.chunkSize);
      else if (input.pos > 0) input.compact(0);
    } else if (input.pos + input.need > input.bytes.length || input.end === input.bytes.length) {
      return false;
    }
    const length = Math.min(this.chunkSize, input.bytes.length - input.end);
    const { bytesRead } = await this.file.read(input.bytes, input.end, length, this.position);
    if (bytesRead === 0) input.eof = true;
    input.end += bytesRead;
    this.position += bytesRead;
    return true;
  }
}
