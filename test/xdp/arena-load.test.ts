import { describe, expect, it } from 'vitest';

import { loadObject } from '../../src/loader/load.js';

describe('FrameArena.load', () => {
  it('copies a frame from any offset of a larger buffer exactly, by words or whole, at every length', () => {
    const context = loadObject(new URL('../../examples/xdp_drop.o', import.meta.url).pathname).context(0);
    const source = Uint8Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let length = 14; length <= 1600; length += length < 260 ? 1 : 97) {
      for (const offset of [0, 1, 2, 3, 5, 4099]) {
        context.arena.load(length & 63, source, offset, length);
        expect(Buffer.from(context.arena.linear(length & 63)).equals(Buffer.from(source.subarray(offset, offset + length)))).toBe(true);
      }
    }
  });

  it("copies a frame that lies in the same memory (a replay's staging area) exactly, at every length and offset", () => {
    const obj = loadObject(new URL('../../examples/xdp_drop.o', import.meta.url).pathname, { stagingBytes: 8192 });
    const context = obj.context(0);
    const staging = obj.staging();
    expect(staging.length).toBe(8192);
    expect(staging.buffer).toBe(context.memory.u8.buffer);
    for (let i = 0; i < staging.length; i++) staging[i] = (i * 131 + 7) & 0xff;
    for (let length = 14; length <= 1600; length += length < 260 ? 1 : 97) {
      for (const offset of [0, 1, 2, 3, 5, 4099]) {
        context.arena.load(length & 63, staging, offset, length);
        expect(Buffer.from(context.arena.linear(length & 63)).equals(Buffer.from(staging.subarray(offset, offset + length)))).toBe(true);
      }
    }
  });

  it('keeps a staging area out of programs\' reach and out of an object loaded without one', () => {
    const path = new URL('../../examples/xdp_drop.o', import.meta.url).pathname;
    expect(loadObject(path).staging().length).toBe(0);
    const obj = loadObject(path, { stagingBytes: 4096 });
    const start = obj.staging().byteOffset;
    expect(obj.memory.find(start, 1)).toBe(-1);
    expect(() => obj.memory.check(start, 1, false, 0)).toThrow(/frames:staging/);
  });
});
