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
});
