// Helper edges the examples do not reach, against the kernel: csum_diff's
// folding, sizes and seeds; check_mtu on the test-run device; headroom that
// adjust_head/adjust_meta expose without writing it.
import { describe, it } from 'vitest';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';

skipWithoutKernel();

const frame = (mark: number, len = 64): Uint8Array => Uint8Array.from({ length: len }, (_, i) => (i === 14 ? mark : (i * 13 + 5) & 0xff));

describe('helper edges agree with the kernel', () => {
  it('bpf_csum_diff and bpf_check_mtu', () => {
    agree(fixture('csum_mtu'), 'xdp_csum_mtu', [frame(0), frame(0, 1600), frame(0, 3520)]);
  });

  it('headroom exposed by adjust_head and adjust_meta reads as zeroes on every frame', () => {
    agree(fixture('headroom'), 'xdp_headroom', [frame(1), frame(0), frame(1), frame(0), frame(0)]);
  });

  it('CO-RE field relocations on packet headers run as compiled, as the kernel runs them', () => {
    const ipv4 = frame(0);
    ipv4[12] = 0x08;
    ipv4[13] = 0x00;
    agree(fixture('core_fields'), 'xdp_core_fields', [ipv4, frame(0)]);
  });

  it('bpf_csum_diff on 1024 random inputs: offsets, sizes, odd addresses, seeds, sums that reach zero', () => {
    let state = 7;
    const rnd = (): number => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    const frames = Array.from({ length: 1024 }, (_, i) => {
      const f = new Uint8Array(14 + 12 + 32);
      const v = new DataView(f.buffer);
      f[15] = rnd() & 7; // from offset
      f[16] = rnd() & 15; // from size
      f[17] = rnd() & 7; // to offset
      f[22] = rnd() & 15; // to size
      v.setUint16(24, i, true);
      const kind = rnd() % 4; // all zeros, all ones, or random bytes
      for (let j = 0; j < 32; j++) f[26 + j] = kind === 0 ? 0 : kind === 1 ? 0xff : rnd() & 0xff;
      const seeds = [0, 0xffffffff, rnd(), 0xffff, 0x10000, 0xffff0000];
      v.setUint32(18, seeds[rnd() % seeds.length]!, true);
      return f;
    });
    agree(fixture('csum_random'), 'xdp_csum_random', frames);
  });
});
