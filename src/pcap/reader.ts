import { once } from 'node:events';
import { close, constants, createReadStream, fstat as fstatCb, open, read } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
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

// Descriptors as numbers (fs/promises has only FileHandles), so that a pipe's can go to the event loop.
const openFd = promisify(open);
const fstat = promisify(fstatCb);
const closeFd = promisify(close);
const readFd = (fd: number, into: Uint8Array, offset: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => read(fd, into, offset, length, position, (e, n) => (e ? reject(e) : resolve(n))));

/**
 * Reads a capture file (what readCapture reads) batch by batch, holding at
 * most `chunkSize` bytes plus the longest record in memory: at most
 * MAX_SNAPLEN + 16 bytes in classic pcap, MAX_BLOCK_LEN in pcapng. A pipe,
 * FIFO or socket (`/dev/stdin`, `<(...)`) is read the same way, as a stream
 * that ends when its writer closes it.
 *
 * Damage is reported as readCapture reports it, with the same message,
 * offset and packet number: the packets before it are delivered, the read
 * that reaches it returns those it has and sets `error`, and later reads
 * return 0. Only one read may be under way at a time.
 */
export class CaptureReader {
  private readonly parser = new CaptureParser();
  private readonly input: Input;

  private constructor(
    private readonly source: Source,
    private readonly chunkSize: number,
  ) {
    this.input = new Input(new Uint8Array(chunkSize), 0, false, source.size);
  }

  /**
   * Opens a regular file, or a pipe, FIFO, socket or terminal to read as a
   * stream: a FIFO's first read waits for a writer, as `cat` waits.
   * A directory is refused with a PcapError.
   */
  static async open(path: string, options: CaptureReaderOptions = {}): Promise<CaptureReader> {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 2 ** 30) {
      throw new RangeError(`chunk size ${chunkSize} is not an integer within 1..${2 ** 30}`);
    }
    return new CaptureReader(await openSource(path), chunkSize);
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

  /** File offset of the next byte to parse: how far the reading has come (for progress). */
  get position(): number {
    return this.input.base + this.input.pos;
  }

  /** The file's length in bytes, Infinity for a pipe or other stream. */
  get size(): number {
    return this.source.size;
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
    await this.source.close();
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
    const bytesRead = await this.source.read(input.bytes, input.end, length);
    if (bytesRead === 0) input.eof = true;
    input.end += bytesRead;
    return true;
  }
}

/** Where a reader's bytes come from, in order: up to `length` of them per read, 0 at the end. */
interface Source {
  read(into: Uint8Array, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
  /** Its length in bytes, Infinity for a stream: known only once it ends. */
  readonly size: number;
}

/**
 * Opened without blocking, so that nothing waits before the type is known:
 * a regular file is read at offsets. A FIFO or pipe is read on this very
 * descriptor through the event loop, which waits for data and for the
 * writer's end as `cat` does; opening it again to block would lose a writer
 * that came and went in between. A device (a terminal, /dev/null) is opened
 * again to block, as the event loop does not poll those.
 */
async function openSource(path: string): Promise<Source> {
  let fd: number;
  try {
    fd = await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    // A socket cannot be opened through /dev/stdin or /dev/fd/N (ENXIO), as when a parent spawned us with a socketpair: read the descriptor itself.
    const own = ownDescriptor(path);
    if (own !== undefined && (e as NodeJS.ErrnoException).code === 'ENXIO') return streamSource(new Socket({ fd: own, readable: true, writable: false }));
    throw e;
  }
  let kept = false;
  try {
    const stat = await fstat(fd);
    if (stat.isDirectory()) throw new PcapError(0, 1, 'file header', `${path} is a directory`);
    if (stat.isFile()) {
      kept = true;
      return fileSource(fd, stat.size);
    }
    if (stat.isFIFO()) {
      const pipe = new Socket({ fd, readable: true, writable: false });
      kept = true;
      return streamSource(pipe);
    }
  } finally {
    if (!kept) await closeFd(fd);
  }
  const stream = createReadStream(path);
  await once(stream, 'open');
  return streamSource(stream);
}

/** The descriptor of this process that `path` names (/dev/stdin, /dev/fd/N, /proc/self/fd/N), if it names one. */
function ownDescriptor(path: string): number | undefined {
  if (path === '/dev/stdin') return 0;
  const m = /^\/(?:dev|proc\/self)\/fd\/(\d{1,9})$/.exec(path);
  return m ? Number(m[1]) : undefined;
}

function fileSource(fd: number, size: number): Source {
  let position = 0;
  return {
    size,
    async read(into, offset, length) {
      const bytesRead = await readFd(fd, into, offset, length, position);
      position += bytesRead;
      return bytesRead;
    },
    close: () => closeFd(fd),
  };
}

/** A stream's chunks, handed out in reads of at most the length asked; a chunk bigger than that waits for the next read. */
function streamSource(stream: Readable): Source {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  let chunk: Uint8Array = new Uint8Array(0);
  let at = 0;
  return {
    size: Infinity,
    async read(into, offset, length) {
      // An empty chunk is not the end: only the stream's own end is.
      while (at === chunk.length) {
        const next = await chunks.next();
        if (next.done === true) return 0;
        [chunk, at] = [next.value, 0];
      }
      const n = Math.min(length, chunk.length - at);
      into.set(chunk.subarray(at, at + n), offset);
      at += n;
      return n;
    },
    close: async () => {
      stream.destroy();
    },
  };
}
