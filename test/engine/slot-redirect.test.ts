// What a run leaves in its arena slot about redirects: the target the
// program recorded, and nothing when a later run in the slot records none
// (a frame that returns XDP_REDIRECT without a target goes nowhere, as the
// kernel's xdp_do_redirect with no bpf_redirect_info set).
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { XDP_PASS, XDP_REDIRECT } from '../../src/uapi/bpf.js';

const REDIRECT = new URL('../../examples/xdp_redirect.o', import.meta.url).pathname;
const PACKET = Uint8Array.from(Buffer.from('02000000000202000000000108004500002800010000400600000a0000010a000002303900500000000000000000500220000000000000000000000000000000', 'hex'));
const u32s = (...vs: number[]): Uint8Array => new Uint8Array(Uint32Array.from(vs).buffer);

describe('the redirect recorded per slot', () => {
  it('is the devmap target after a redirect, and cleared by a run in the slot that records none', () => {
    const obj = loadObject(REDIRECT);
    const ports = obj.map('egress_ports');
    // Ingress ifindex 1 (lo) forwards to lo; ingress 2 has no entry, so bpf_redirect_map returns XDP_PASS.
    ports.updateElem(u32s(1), u32s(1, 0));
    const exe = obj.compile(obj.program({ section: 'xdp' }));
    const context = obj.context(0);
    const arena = context.arena;
    arena.load(0, PACKET);
    arena.load(1, PACKET);
    expect(exe.run(context, 0, 1, 0)).toBe(XDP_REDIRECT);
    expect(exe.run(context, 1, 1, 0)).toBe(XDP_REDIRECT);
    expect([arena.redirectIfindex[0], arena.redirectMap[0], arena.redirectKey[0]]).toEqual([1, ports, 1]);
    arena.load(0, PACKET);
    expect(exe.run(context, 0, 2, 0)).toBe(XDP_PASS);
    expect([arena.redirectIfindex[0], arena.redirectMap[0]]).toEqual([0, undefined]);
    // The other slot keeps its own.
    expect([arena.redirectIfindex[1], arena.redirectMap[1]]).toEqual([1, ports]);
  });

  it('is cleared by a run in the slot that faults, and the faulting frame reads as aborted', () => {
    // A budget of 3 instructions stops the program before it gets anywhere.
    const obj = loadObject(REDIRECT, { budget: 3 });
    const exe = obj.compile(obj.program({ section: 'xdp' }));
    const context = obj.context(0);
    const arena = context.arena;
    arena.load(0, PACKET);
    // What the slot's previous frame recorded.
    arena.redirectIfindex[0] = 7;
    arena.redirectMap[0] = obj.map('egress_ports');
    const verdicts = new Uint32Array(1).fill(99);
    expect(() => exe.runBatch(context, 0, 1, 1, 0, verdicts)).toThrow(/budget|instructions/);
    expect([arena.redirectIfindex[0], arena.redirectMap[0], verdicts[0]]).toEqual([0, undefined, 0]);
  });
});
