// Writes pcapng files block by block, in either byte order, to feed the
// reader cases no file in shared/captures has (big-endian, several sections,
// other timestamp resolutions, simple and obsolete packet blocks).

import { concat } from '../../oracle/packets.js';

export interface IdbOptions {
  name?: string;
  /** Raw if_tsresol byte. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: bigint;
}

export class PcapngBuilder {
  private readonly blocks: Uint8Array[] = [];

  constructor(private le = true) {}

  /** Starts a new section; later blocks use `littleEndian`. */
  section(littleEndian: boolean, version: [number, number] = [1, 0]): this {
    this.le = littleEndian;
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, 0x1a2b3c4d, this.le);
    v.setUint16(4, version[0], this.le);
    v.setUint16(6, version[1], this.le);
    v.setBigInt64(8, -1n, this.le);
    return this.block(0x0a0d0d0a, body);
  }

  idb(linkType: number, snapLen: number, options: IdbOptions = {}): this {
    const opts: Uint8Array[] = [];
    if (options.name !== undefined) opts.push(this.option(2, new TextEncoder().encode(options.name)));
    if (options.tsresol !== undefined) opts.push(this.option(9, Uint8Array.of(options.tsresol)));
    if (options.tsoffset !== undefined) {
      const value = new Uint8Array(8);
      new DataView(value.buffer).setBigInt64(0, options.tsoffset, this.le);
      opts.push(this.option(14, value));
    }
    if (opts.length > 0) opts.push(new Uint8Array(4)); // opt_endofopt
    const head = new Uint8Array(8);
    const v = new DataView(head.buffer);
    v.setUint16(0, linkType, this.le);
    v.setUint32(4, snapLen, this.le);
    return this.block(1, concat(head, ...opts));
  }

  epb(interfaceId: number, ts: bigint, data: Uint8Array, origLen = data.length, capLen = data.length): this {
    const head = new Uint8Array(20);
    const v = new DataView(head.buffer);
    v.setUint32(0, interfaceId, this.le);
    v.setUint32(4, Number(ts >> 32n), this.le);
    v.setUint32(8, Number(ts & 0xffffffffn), this.le);
    v.setUint32(12, capLen, this.le);
    v.setUint32(16, origLen, this.le);
    return this.block(6, concat(head, pad(data)));
  }

  opb(interfaceId: number, ts: bigint, data: Uint8Array, origLen = data.length): this {
    const head = new Uint8Array(20);
    const v = new DataView(head.buffer);
    v.setUint16(0, interfaceId, this.le);
    v.setUint32(4, Number(ts >> 32n), this.le);
    v.setUint32(8, Number(ts & 0xffffffffn), this.le);
    v.setUint32(12, data.length, this.le);
    v.setUint32(16, origLen, this.le);
    return this.block(2, concat(head, pad(data)));
  }

  spb(data: Uint8Array, origLen = data.length): this {
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, origLen, this.le);
    return this.block(3, concat(head, pad(data)));
  }

  /** Any block: type and body (padded to 4 bytes). */
  block(type: number, body: Uint8Array): this {
    const padded = pad(body);
    const out = new Uint8Array(12 + padded.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, out.length, this.le);
    out.set(padded, 8);
    v.setUint32(out.length - 4, out.length, this.le);
    this.blocks.push(out);
    return this;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.blocks.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of this.blocks) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }

  private option(code: number, value: Uint8Array): Uint8Array {
    const head = new Uint8Array(4);
    const v = new DataView(head.buffer);
    v.setUint16(0, code, this.le);
    v.setUint16(2, value.length, this.le);
    return concat(head, pad(value));
  }
}


function pad(data: Uint8Array): Uint8Array {
  const padded = new Uint8Array((data.length + 3) & ~3);
  padded.set(data);
  return padded;
}
