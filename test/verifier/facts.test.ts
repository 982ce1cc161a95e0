// The facts the verifier hands the JIT (JitFacts): what every path to an
// instruction agrees on, read from real clang-compiled corpus programs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { CORPUS_DIR } from './corpus/kernel.js';

const factsOf = (path: string) => {
  const obj = loadObject(path);
  return obj.jitFacts(obj.program());
};
const facts = (file: string) => factsOf(join(CORPUS_DIR, file));

describe('facts for the JIT', () => {
  // c_ihl_checked_ok: data and data_end from ctx, a check against data_end, the IHL
  // read, shifted and masked, added to the packet pointer, checked again, read.
  const f = facts('packet/c_ihl_checked_ok.o');

  it('name the memory each load goes through and the bytes it may touch, every access of it proven', () => {
    expect(f.at(1)).toMatchObject({ visits: 1, src: { type: 'ctx', offset: 0 }, memory: 'ctx', access: { lo: 0, hi: 4 } });
    // 7: the IHL byte, 14 bytes into the packet.
    expect(f.at(7)).toMatchObject({ src: { type: 'pkt', offset: 14 }, memory: 'pkt', access: { lo: 14, hi: 15 } });
    // 14: a u16 2 bytes past the pointer moved on by the masked IHL (0 to 60): 16 to 78.
    expect(f.at(14)).toMatchObject({ src: { type: 'pkt' }, memory: 'pkt', access: { lo: 16, hi: 78 } });
    expect(f.at(14).src).not.toHaveProperty('offset');
  });

  it('say which registers hold pointers and which scalars fit in 32 bits and are not negative', () => {
    // 5: if r3 > r1, a packet pointer 34 bytes in against the packet's end.
    expect(f.at(5)).toMatchObject({ dst: { type: 'pkt', offset: 34 }, src: { type: 'pkt_end' } });
    // 10: r2 += r3, where r3 is (ihl << 2) & 60.
    expect(f.at(10)).toMatchObject({ dst: { type: 'pkt' }, src: { type: 'scalar', fitsU32: true, nonNegative: true } });
    expect(f.at(10).src).not.toHaveProperty('constant');
  });

  it('count how often each instruction was walked; the exit is reached from every path', () => {
    expect(f.at(18).visits).toBeGreaterThan(1);
  });

  it('leave at 0 visits the code no path reaches, and give the constants every path agrees on', () => {
    // r0 = 0; if r0 == 0 goto +1; r0 = r5; exit: the verifier never walks r0 = r5.
    const dead = facts('cfg/dead_branch_uninit_ok.o');
    expect(dead.at(1)).toMatchObject({ visits: 1, dst: { type: 'scalar', constant: 0n, fitsU32: true, nonNegative: true } });
    expect(dead.at(2).visits).toBe(0);
  });

  it('hold on the paths the kernel prunes: a value nothing checks is not called constant', () => {
    // r3 is 5 on the paths the kernel walks to the store at 17 and 7 on the one it prunes
    // there; the store's facts cover both.
    const pruned = facts('facts/pruned_constant_ok.o');
    expect(pruned.at(16).visits).toBe(1);
    expect(pruned.at(17)).toMatchObject({ dst: { type: 'fp', offset: 0 }, src: { type: 'scalar', fitsU32: true, nonNegative: true }, access: { lo: -4, hi: 0 } });
    expect(pruned.at(17).src).not.toHaveProperty('constant');
  });

  it('name the map a map pointer or value belongs to, and whether it may be NULL', () => {
    // hash_checked_ok: r0 = bpf_map_lookup_elem(&hash, fp-4); if r0 == 0 goto exit; r0 = *(u64 *)(r0 + 0).
    const lookup = facts('maps/hash_checked_ok.o');
    expect(lookup.at(7)).toMatchObject({ dst: { type: 'map_value_or_null', offset: 0, map: 0 } });
    expect(lookup.at(8)).toMatchObject({ src: { type: 'map_value', offset: 0, map: 0 }, memory: 'map_value', access: { lo: 0, hi: 8 } });
  });

  it("give a stack pointer's offset with the frame it points into, and none when paths disagree on the frame", () => {
    // stack_frames_ok: the callee reads through r1, its own fp-8 on one path, its caller's on the other.
    const frames = facts('facts/stack_frames_ok.o');
    expect(frames.at(13)).toMatchObject({ dst: { type: 'fp', offset: 0, frame: 0 } });
    expect(frames.at(14)).toMatchObject({ visits: 2, src: { type: 'fp' }, memory: 'fp' });
    expect(frames.at(14).src).not.toHaveProperty('offset');
    expect(frames.at(14).src).not.toHaveProperty('frame');
    expect(frames.at(14)).not.toHaveProperty('access');
  });
});
