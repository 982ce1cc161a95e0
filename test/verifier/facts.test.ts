// The facts the verifier hands the JIT (JitFacts): what every path to an
// instruction agrees on, read from real clang-compiled corpus programs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { CORPUS_DIR } from './corpus/kernel.js';

const facts = (file: string) => {
  const obj = loadObject(join(CORPUS_DIR, file));
  return obj.jitFacts(obj.program());
};

describe('facts for the JIT', () => {
  // c_ihl_checked_ok: data and data_end from ctx, a check against data_end, the IHL
  // read, shifted and masked, added to the packet pointer, checked again, read.
  const f = facts('packet/c_ihl_checked_ok.o');

  it('name the memory each load goes through, every access of it proven', () => {
    expect(f.at(1)).toMatchObject({ visits: 1, src: { type: 'ctx' }, memory: 'ctx' });
    expect(f.at(7)).toMatchObject({ src: { type: 'pkt' }, memory: 'pkt' });
    expect(f.at(14)).toMatchObject({ src: { type: 'pkt' }, memory: 'pkt' });
  });

  it('say which registers hold pointers and which scalars fit in 32 bits and are not negative', () => {
    // 5: if r3 > r1, a packet pointer against the packet's end.
    expect(f.at(5)).toMatchObject({ dst: { type: 'pkt' }, src: { type: 'pkt_end' } });
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
});
