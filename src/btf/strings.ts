import { BtfError } from './errors.js';

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/**
 * A table of NUL-terminated strings addressed by byte offset, as ELF string
 * tables and the BTF string section are. Offsets come from untrusted records
 * and many records may point into one long string, so lookups must not cost
 * (or copy) the string's length each time: the table is decoded once, NUL
 * positions are indexed once, and an ASCII string is a slice sharing the
 * decoded table. Only strings with non-ASCII bytes are decoded on their own.
 */
export class StringTable {
  private readonly text: string;
  private readonly nuls: Uint32Array;
  /** asciiUntilNul[i] is 1 when no byte >= 0x80 occurs from i up to the next NUL. */
  private readonly asciiUntilNul: Uint8Array;
  private readonly decoded = new Map<number, string>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly fail: (message: string) => Error,
  ) {
    this.text = latin1.decode(bytes);
    let n = 0;
    for (const b of bytes) if (b === 0) n++;
    this.nuls = new Uint32Array(n);
    this.asciiUntilNul = new Uint8Array(bytes.length + 1);
    this.asciiUntilNul[bytes.length] = 1;
    for (let i = bytes.length - 1, k = n - 1; i >= 0; i--) {
      const b = bytes[i]!;
      if (b === 0) this.nuls[k--] = i;
      this.asciiUntilNul[i] = b === 0 ? 1 : b < 0x80 ? this.asciiUntilNul[i + 1]! : 0;
    }
  }

  get size(): number {
    return this.bytes.length;
  }

  /** The string at `offset`; `what` names the referring record for the error message. */
  at(offset: number, what: string): string {
    if (offset >= this.bytes.length) {
      throw this.fail(`${what}: string offset ${offset} is outside the ${this.bytes.length}-byte string table`);
    }
    let lo = 0;
    let hi = this.nuls.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.nuls[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.nuls.length) throw this.fail(`${what}: string at offset ${offset} is not NUL-terminated`);
    const end = this.nuls[lo]!;
    if (this.asciiUntilNul[offset] === 1) return this.text.slice(offset, end);
    let s = this.decoded.get(offset);
    if (s === undefined) {
      s = utf8.decode(this.bytes.subarray(offset, end));
      this.decoded.set(offset, s);
    }
    return s;
  }
}

/** The BTF string section: must start and end with NUL, as the kernel's btf_parse_str_sec requires. */
export class BtfStrings extends StringTable {
  constructor(bytes: Uint8Array) {
    if (bytes.length === 0 || bytes[0] !== 0 || bytes[bytes.length - 1] !== 0) {
      throw new BtfError('string section must start and end with a NUL byte');
    }
    super(bytes, (m) => new BtfError(m));
  }
}
