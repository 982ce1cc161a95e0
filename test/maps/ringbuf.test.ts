// The ring buffer map: creation checks, the record layout a consumer sees
// (as read from a kernel ring through mmap on 6.18), wrapping, and records
// still being written.
import { describe, expect, it } from 'vitest';
import { RingBufMap } from '../../src/maps/ringbuf.js';
import { BPF_MAP_TYPE_RINGBUF, BPF_RINGBUF_BUSY_BIT } from '../../src/uapi/bpf.js';
import { EINVAL, ENOTSUPP } from '../../src/uapi/errno.js';
import { errnoOf, layout, spec } from './support.js';

const ring = (size: number) => {
  const { maps, memory, scratch } = layout([spec(BPF_MAP_TYPE_RINGBUF, 0, 0, size)]);
  return { rb: maps[0] as RingBufMap, memory, scratch };
};

describe('BPF_MAP_TYPE_RINGBUF', () => {
  it('refuses sizes that are not a power-of-2 number of pages, and keys or values', () => {
    expect(errnoOf(() => ring(12288))).toBe(EINVAL);
    expect(errnoOf(() => ring(2048))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_RINGBUF, 4, 0, 4096)]))).toBe(EINVAL);
    expect(errnoOf(() => layout([spec(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 1 << 7)]))).toBe(EINVAL);
    expect(errnoOf(() => ring(4096))).toBe(0);
  });

  it('lays records out as the kernel does: length with the DISCARD bit, page offset 3, rounded to 8', () => {
    const { rb, memory, scratch } = ring(4096);
    const fill = (at: number, n: number) => memory.u8.fill(0xab, at, at + n);
    let s = rb.reserve(64);
    fill(s, 64);
    rb.commit(s, false);
    s = rb.reserve(64);
    fill(s, 64);
    rb.commit(s, true);
    expect(rb.output(scratch, 5, 0)).toBe(0);
    expect(rb.output(scratch, 0, 0)).toBe(0);
    expect(rb.producerPos).toBe(168);
    // The words a kernel ring held after the same calls (header length, page offset).
    const data = s - 8 - 72;
    const words = (off: number) => [memory.view.getUint32(data + off, true), memory.view.getUint32(data + off + 4, true)];
    expect(words(0)).toEqual([0x40, 3]);
    expect(words(72)).toEqual([0x40000040, 3]);
    expect(words(144)).toEqual([5, 3]);
    expect(words(160)).toEqual([0, 3]);
  });

  it('keeps a record that wraps past the end contiguous for the writer and whole for the reader', () => {
    const { rb, memory } = ring(4096);
    for (let i = 0; i < 50; i++) rb.commit(rb.reserve(72), false); // 80 bytes each: 4000
    expect(rb.consume()).toHaveLength(50);
    const s = rb.reserve(200); // header at 4000, data runs to 4208
    memory.u8.set(Uint8Array.from({ length: 200 }, (_, i) => i), s);
    rb.commit(s, false);
    const [sample] = rb.consume();
    expect(sample).toEqual(Uint8Array.from({ length: 200 }, (_, i) => i));
    expect(rb.consumerPos).toBe(4208);
    expect(rb.reserve(4096 - 8)).toBe(0); // a record as big as the ring never fits
    expect(rb.reserve(4096 - 16)).not.toBe(0);
  });

  it('stops the consumer at a record still being written, and the producer at the oldest one', () => {
    const { rb } = ring(4096);
    const a = rb.reserve(16);
    const b = rb.reserve(16);
    rb.commit(b, false);
    expect(rb.consume()).toEqual([]);
    rb.commit(a, false);
    expect(rb.consume()).toHaveLength(2);
    expect(rb.commit(a, false)).toBe(false); // committed twice
    expect(rb.commit(a + 4, false)).toBe(false); // not a record

    const { rb: rb2, memory } = ring(4096);
    const held = rb2.reserve(16); // never committed
    let n = 0;
    while (rb2.reserve(504) !== 0) n++;
    expect(n).toBe(7); // 24 + 7 * 512 = 3608; an 8th would pass 4095
    expect(rb2.consume()).toEqual([]);
    expect(rb2.query(0)).toBe(3608);
    expect(memory.view.getUint32(held - 8, true)).toBe((BPF_RINGBUF_BUSY_BIT | 16) >>> 0);
  });

  it('has no elements for user space', () => {
    const { rb } = ring(4096);
    expect(errnoOf(() => rb.lookupElem(new Uint8Array(0)))).toBe(ENOTSUPP);
    expect(errnoOf(() => rb.updateElem(new Uint8Array(0), new Uint8Array(0)))).toBe(ENOTSUPP);
    expect(errnoOf(() => rb.deleteElem(new Uint8Array(0)))).toBe(ENOTSUPP);
    expect([...rb.entries()]).toEqual([]);
  });
});
