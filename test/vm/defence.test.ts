// Defence in depth: a program that gets past a wrong verifier still reaches
// only the memory it was given. forge.bpf.o (which the kernel refuses) loads
// or stores a byte at an address it reads from the packet; past a verifier
// that accepts everything, each region of the object's memory is aimed at in
// turn: internal regions (map indexes, ring-buffer positions, grants,
// scratch) fault on reads and writes, read-only ones (frozen .rodata, a
// BPF_F_RDONLY_PROG map's values, the context) on writes, addresses past
// memory and in its gaps on both, each with a clean fault, and the object
// runs on unharmed.
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { runFrame } from '../../src/testrun/line.js';
import { pastWrongVerifier } from '../support/wrong-verifier.js';

vi.mock('../../src/loader/verify.js', async (real) => (await import('../support/wrong-verifier.js')).wrongVerifierModule(await real()));

const FORGE = join(import.meta.dirname, '../fixtures/refused/forge.bpf.o');

/** A frame asking xdp_forge to read (op 0) or write (op 1) the byte at `addr`. */
const aim = (addr: number, op: 0 | 1): Uint8Array => {
  const frame = new Uint8Array(64);
  const view = new DataView(frame.buffer);
  view.setBigUint64(0, BigInt(addr), true);
  view.setBigUint64(8, BigInt(op), true);
  return frame;
};

describe('a program past a wrong verifier', () => {
  it('is refused at load by the verifier itself', () => {
    expect(() => loadObject(FORGE)).toThrow(/R2 invalid mem access 'scalar'/);
  });

  it("faults cleanly on every region it was not given, and the object runs on", () => {
    const obj = pastWrongVerifier(() => loadObject(FORGE));
    const program = obj.program();
    const regions = obj.memory.regions;
    let faults = 0;
    let i = 0;
    for (const r of regions) {
      if (r.size === 0) continue;
      const internal = r.readable === false && !r.writable;
      for (const op of [0, 1] as const) {
        const line = runFrame(program, i++, aim(r.start + Math.floor(r.size / 2), op));
        const forbidden = internal || (op === 1 && !r.writable) || r.name === '';
        if (forbidden) {
          expect(line, `${op ? 'write to' : 'read from'} ${r.name || '(gap)'}`).toMatchObject({ err: 'fault' });
          faults++;
        }
      }
    }
    // Internal regions are there to be aimed at: the maps' indexes and the ring's positions at least.
    expect(regions.some((r) => r.name.startsWith('map:events') && r.readable === false && !r.writable)).toBe(true);
    expect(faults).toBeGreaterThan(10);
    for (const addr of [0, 16, obj.memory.buffer.byteLength, 2 ** 40]) {
      expect(runFrame(program, i++, aim(addr, 0))).toMatchObject({ err: 'fault' });
      expect(runFrame(program, i++, aim(addr, 1))).toMatchObject({ err: 'fault' });
    }
    // Nothing was corrupted: the maps read as loaded, and a harmless run passes.
    expect([...obj.map('table').entries()]).toEqual([]);
    expect(obj.map('readonly').lookupElem(new Uint8Array(4))).toEqual(new Uint8Array(8));
    const stack = regions.find((r) => r.writable && r.readable !== false && r.name.includes('stack'));
    expect(stack).toBeDefined();
    expect(runFrame(program, i++, aim(stack!.start + 8, 1))).toMatchObject({ verdict: 2 });
  });
});
