/**
 * The bytes a record parser works on: `bytes[pos, end)` is the part of the
 * file not parsed yet that is in memory, starting at file offset `base + pos`.
 * A whole file in memory is one window with `eof` set; a file being streamed
 * is a buffer its reader refills (and compacts, which moves `base`).
 */
export class Input {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;
  end: number;
  /** File offset of `bytes[0]`. */
  base = 0;
  /** No byte of the file lies beyond `end`. */
  eof: boolean;
  /** After a parser answers 'more': how many bytes from `pos` it needs to go on. */
  need = 0;
  /**
   * The file's length when it was opened, which tells whether it holds a
   * record too long to take in; Infinity for a pipe, whose length is known
   * only once it has ended (such a record is then over the limit, not cut short).
   */
  readonly size: number;

  constructor(bytes: Uint8Array, end: number, eof: boolean, size: number) {
    this.bytes = bytes;
    this.view = viewOf(bytes);
    this.end = end;
    this.eof = eof;
    this.size = size;
  }

  /** The whole file, in memory. */
  static whole(bytes: Uint8Array): Input {
    return new Input(bytes, bytes.length, true, bytes.length);
  }

  get available(): number {
    return this.end - this.pos;
  }

  /** File offset of `pos`, for messages. */
  get offset(): number {
    return this.base + this.pos;
  }

  /**
   * Moves the unparsed bytes to the start of a buffer of at least `size`
   * bytes (this one when it is big enough), so that a refill has room.
   */
  compact(size: number): void {
    const left = this.available;
    if (size > this.bytes.length) {
      const grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(this.pos, this.end));
      this.bytes = grown;
      this.view = viewOf(grown);
    } else {
      this.bytes.copyWithin(0, this.pos, this.end);
    }
    this.base += this.pos;
    this.pos = 0;
    this.end = left;
  }
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * How far a parse call got: the batch is full; the input ran out before a
 * record was whole (`Input.need` says how much is wanted); the file ended
 * cleanly; or damage was found (the parser's `error` says where).
 */
export type Progress = 'full' | 'more' | 'end' | 'error';
