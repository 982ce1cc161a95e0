// The dynptr helpers called directly, for what an XDP program in the kernel
// cannot show: the 16 bytes of struct bpf_dynptr as the kernel lays them
// out, read-only dynptrs and offsets (which only kfuncs make), and the
// verifier's refusals, which xdpsim makes at the call.
import { describe, expect, it } from 'vitest';
import {
  dynptrData,
  dynptrFromMem,
  dynptrRead,
  dynptrWrite,
  ringbufCommitDynptr,
  ringbufReserveDynptr,
} from '../../src/helpers/dynptr.js';
import type { RingBufMap } from '../../src/maps/ringbuf.js';
import { BPF_DYNPTR_TYPE_LOCAL, BPF_DYNPTR_TYPE_RINGBUF, BPF_MAP_TYPE_RINGBUF } from '../../src/uapi/bpf.js';
import { EINVAL } from '../../src/uapi/errno.js';
import { bench } from './direct.js';

const RDONLY = 0x8000_0000;

function setup() {
  const b = bench([{ name: 'ring', type: BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 }]);
  const view = b.memory.view;
  for (let i = 0; i < 64; i++) b.memory.u8[b.scratch + i] = i;
  const ptr = b.stack + 256;
  return {
    b,
    ptr,
    words: (at = ptr) => [view.getUint32(at, true), view.getUint32(at + 4, true), view.getUint32(at + 8, true), view.getUint32(at + 12, true)],
    setWord: (i: number, v: number) => view.setUint32(ptr + 4 * i, v >>> 0, true),
  };
}

describe('struct bpf_dynptr as the kernel lays it out', () => {
  it('holds the data pointer, the size with the type in bits 28-30, and the offset', () => {
    const { b, ptr, words } = setup();
    expect(b.call(dynptrFromMem(b.state), b.scratch, 24, 0, ptr)).toBe(0n);
    expect(words()).toEqual([b.scratch, 0, 24 | (BPF_DYNPTR_TYPE_LOCAL << 28), 0]);
    const ring = b.maps[0]!;
    expect(b.call(ringbufReserveDynptr(b.state), ring.address, 40, 0, ptr + 16)).toBe(0n);
    const [data, high, size, offset] = words(ptr + 16);
    expect([high, size, offset]).toEqual([0, 40 | (BPF_DYNPTR_TYPE_RINGBUF << 28), 0]);
    expect(b.memory.view.getUint32(data! - 8, true)).toBe((40 | 0x8000_0000) >>> 0); // the record's header: BUSY
    b.call(ringbufCommitDynptr(b.state, false), ptr + 16, 0);
    expect(words(ptr + 16)).toEqual([0, 0, 0, 0]);
  });

  it('honours the read-only bit and the offset a kfunc may have set', () => {
    const { b, ptr, setWord } = setup();
    b.call(dynptrFromMem(b.state), b.scratch, 32, 0, ptr);
    setWord(3, 8); // offset 8, size 32 - 8 as bpf_dynptr_adjust leaves them
    setWord(2, 24 | (BPF_DYNPTR_TYPE_LOCAL << 28) | RDONLY);
    const dst = b.scratch + 256;
    expect(b.call(dynptrRead, dst, 4, ptr, 20, 0)).toBe(0n);
    expect([...b.memory.u8.subarray(dst, dst + 4)]).toEqual([28, 29, 30, 31]);
    expect(b.call(dynptrRead, dst, 4, ptr, 21, 0)).toBe(-7n);
    expect(b.call(dynptrWrite, ptr, 0, dst, 4, 0)).toBe(BigInt(-EINVAL));
    expect(b.call(dynptrData, ptr, 0, 4)).toBe(0n);
    setWord(2, 24 | (BPF_DYNPTR_TYPE_LOCAL << 28));
    expect(b.call(dynptrData, ptr, 4, 4)).toBe(BigInt(b.scratch + 12));
  });

  it('treats a NULL dynptr as the kernel does: reads and writes -EINVAL, no data, submit and discard do nothing', () => {
    const { b, ptr } = setup();
    expect(b.call(dynptrRead, b.scratch, 4, ptr, 0, 0)).toBe(BigInt(-EINVAL));
    expect(b.call(dynptrWrite, ptr, 0, b.scratch, 4, 0)).toBe(BigInt(-EINVAL));
    expect(b.call(dynptrData, ptr, 0, 4)).toBe(0n);
    expect(b.call(ringbufCommitDynptr(b.state, true), ptr, 0)).toBe(0n);
    expect((b.maps[0] as RingBufMap).producerPos).toBe(0);
  });
});

describe("the verifier's refusals of dynptr arguments", () => {
  it('wants the dynptr on the stack, 8-aligned, initialised, and of the kind the helper takes', () => {
    const { b, ptr, setWord } = setup();
    expect(() => b.call(dynptrRead, b.scratch, 4, b.scratch + 64, 0, 0)).toThrow('arg#2 expected pointer to stack or const struct bpf_dynptr');
    expect(() => b.call(dynptrFromMem(b.state), b.scratch, 4, 0, ptr + 4)).toThrow('cannot pass in dynptr at an offset=-252');
    setWord(2, 7 << 28);
    setWord(0, b.scratch);
    expect(() => b.call(dynptrData, ptr, 0, 4)).toThrow('Expected an initialized dynptr as arg #0');
    b.call(dynptrFromMem(b.state), b.scratch, 8, 0, ptr);
    expect(() => b.call(ringbufCommitDynptr(b.state, false), ptr, 0)).toThrow('Expected a dynptr of type ringbuf as arg #0');
  });

  it('refuses to overwrite a ring buffer dynptr not yet submitted or discarded', () => {
    const { b, ptr } = setup();
    const ring = b.maps[0]!;
    b.call(ringbufReserveDynptr(b.state), ring.address, 8, 0, ptr);
    expect(() => b.call(ringbufReserveDynptr(b.state), ring.address, 8, 0, ptr)).toThrow('cannot overwrite referenced dynptr');
    expect(() => b.call(dynptrFromMem(b.state), b.scratch, 8, 0, ptr)).toThrow('cannot overwrite referenced dynptr');
    b.call(ringbufCommitDynptr(b.state, true), ptr, 0);
    expect(b.call(dynptrFromMem(b.state), b.scratch, 8, 0, ptr)).toBe(0n);
  });
});
