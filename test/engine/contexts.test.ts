// Execution contexts: several run one program interleaved on one thread,
// each with its own CPU, RX queue, stack and frame slots, and every result
// equals the run of that frame alone; frames run in place in the arena.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { BatchFault } from '../../src/engine/index.js';
import { applySetup, parseSetup } from '../../src/loader/setup.js';
import { loadObject, type LoadedObject } from '../../src/loader/load.js';
import { readCapture, toEthernet } from '../../src/pcap/index.js';
import { XDP_ABORTED, XDP_PASS } from '../../src/uapi/bpf.js';
import { pastWrongVerifier } from '../support/wrong-verifier.js';

vi.mock('../../src/loader/verify.js', async (real) => (await import('../support/wrong-verifier.js')).wrongVerifierModule(await real()));

const CONTEXTS = new URL('../fixtures/objects/contexts.bpf.o', import.meta.url).pathname;
const example = (name: string): string => new URL(`../../examples/${name}`, import.meta.url).pathname;
const capture = (name: string): string => new URL(`../../captures/${name}`, import.meta.url).pathname;

function frames(count: number, seed: number): Uint8Array[] {
  let s = seed;
  const byte = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 24;
  };
  return Array.from({ length: count }, (_, i) => Uint8Array.from({ length: 24 + ((i * 37) % 200) }, byte));
}

const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const sum16 = (f: Uint8Array): number => f.subarray(0, 16).reduce((a, b) => a + b, 0);

describe('execution contexts', () => {
  it('each context has its own CPU, RX queue, stack and frame slots, interleaved on one thread', () => {
    const obj = loadObject(CONTEXTS, { cpus: 4, contexts: 4 });
    const program = obj.program();
    const exe = obj.compile(program);
    const contexts = [1, 2, 3].map((cpu) => obj.context(cpu));
    const input = frames(3 * 40, 7);
    // Load every context's slots first, then run them round-robin: no run may disturb another context's frame.
    input.forEach((f, i) => contexts[i % 3]!.arena.load(Math.floor(i / 3), f));
    input.forEach((_, i) => {
      const c = contexts[i % 3]!;
      expect(exe.run(c, Math.floor(i / 3), 1, 10 + (i % 3))).toBe(XDP_PASS);
    });
    input.forEach((f, i) => {
      const out = contexts[i % 3]!.arena.linear(Math.floor(i / 3));
      expect(out.length).toBe(f.length);
      expect([u32(out, 0), u32(out, 4), u32(out, 8)]).toEqual([1 + (i % 3), 10 + (i % 3), sum16(f)]);
      expect(out.subarray(12)).toEqual(f.subarray(12));
    });
    const perCpu = obj.map('per_cpu_packets').lookupElem(new Uint8Array(4)) as Uint8Array[];
    expect(perCpu.map((v) => Number(new DataView(v.buffer).getBigUint64(0, true)))).toEqual([0, 40, 40, 40]);
    const bytes = obj.map('bytes_seen').lookupElem(new Uint8Array(4)) as Uint8Array;
    expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(BigInt(input.reduce((a, f) => a + f.length, 0)));
  });

  it('runs out of contexts with a clear error', () => {
    const obj = loadObject(CONTEXTS, { cpus: 2, contexts: 2 });
    obj.context(0);
    obj.context(1);
    expect(() => obj.context(1)).toThrow('all 2 execution contexts of the object are in use (load it with more contexts)');
  });

  it('a batch in place equals test runs frame by frame, for the load balancer and the firewall', () => {
    const packets = readCapture(new Uint8Array(readFileSync(capture('demo.pcap')))).packets.map(toEthernet);
    for (const name of ['xdp_lb.o', 'xdp_firewall.o']) {
      const load = (): LoadedObject => {
        const obj = loadObject(example(name), { cpus: 2, contexts: 3 });
        if (name === 'xdp_firewall.o') applySetup(obj, parseSetup(readFileSync(example('xdp_firewall.setup'), 'utf8')));
        return obj;
      };
      const alone = load();
      const expected = packets.map((p) => alone.program().run(p));
      const batched = load();
      const exe = batched.compile(batched.program());
      // Both as CPU 0, as the test runs were: per-CPU counters then compare slot for slot.
      const [a, b] = [batched.context(0), batched.context(0)];
      const verdicts = [new Uint32Array(64), new Uint32Array(64)];
      // Packets alternate between two contexts, 64 to a batch, batches of the two interleaved.
      for (let first = 0; first < packets.length; first += 128) {
        const count = [0, 0];
        for (let i = first; i < Math.min(first + 128, packets.length); i++) {
          const side = i % 2;
          [a, b][side]!.arena.load(count[side]!++, packets[i]!);
        }
        exe.runBatch(a, 0, count[0]!, 1, 0, verdicts[0]!);
        exe.runBatch(b, 0, count[1]!, 1, 0, verdicts[1]!);
        for (let i = first; i < Math.min(first + 128, packets.length); i++) {
          const side = i % 2;
          const slot = Math.floor((i - first) / 2);
          expect(verdicts[side]![slot], `${name} packet ${i}`).toBe(expected[i]!.verdict);
          expect([a, b][side]!.arena.output(slot), `${name} packet ${i}`).toEqual(expected[i]!.data);
        }
      }
      for (const [mapName, map] of alone.maps) expect([...batched.map(mapName).entries()], `${name} map ${mapName}`).toEqual([...map.entries()]);
    }
  });

  it('a batch runs every slot, whatever each verdict', () => {
    const obj = loadObject(CONTEXTS, { cpus: 1, contexts: 1 });
    const exe = obj.compile(obj.program());
    const c = obj.context(0);
    const ok = frames(2, 3);
    c.arena.load(0, ok[0]!);
    c.arena.load(1, new Uint8Array(20)); // shorter than the 24 bytes the program checks for: it aborts, no fault
    c.arena.load(2, ok[1]!);
    const verdicts = new Uint32Array(3);
    exe.runBatch(c, 0, 3, 1, 0, verdicts);
    expect([...verdicts]).toEqual([XDP_PASS, 0, XDP_PASS]);
  });
});

describe('a fault in a batch past a wrong verifier', () => {
  it('names its slot and the C line, after the slots before it ran', () => {
    const obj = pastWrongVerifier(() => loadObject(new URL('../fixtures/refused/null_deref.bpf.o', import.meta.url).pathname, { contexts: 1 }));
    const exe = obj.compile(obj.program());
    const c = obj.context(0);
    const frame = (first: number): Uint8Array => Uint8Array.of(first, ...new Array<number>(59).fill(0));
    [0, 1, 0xff, 2].forEach((b, slot) => c.arena.load(slot, frame(b)));
    const verdicts = new Uint32Array(4).fill(99);
    let fault: unknown;
    try {
      exe.runBatch(c, 0, 4, 1, 0, verdicts);
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(BatchFault);
    expect((fault as BatchFault).slot).toBe(2);
    expect((fault as BatchFault).message).toMatch(/^insn \d+: invalid read of 4 bytes at 0x00000010 \(NULL page\) \(null_deref\.bpf\.c:\d+: /);
    // The faulting slot reads XDP_ABORTED; the slots after it have not run.
    expect([...verdicts]).toEqual([XDP_PASS, XDP_PASS, XDP_ABORTED, 99]);
    // The context is whole again: the next batch runs.
    exe.runBatch(c, 3, 1, 1, 0, verdicts);
    expect(verdicts[3]).toBe(XDP_PASS);
  });
});

describe('locks a run leaves held past a wrong verifier', () => {
  const refused = (name: string): string => new URL(`../fixtures/refused/${name}.bpf.o`, import.meta.url).pathname;

  it('a helper called while holding a bpf_spin_lock faults, and the lock is let go', () => {
    const obj = pastWrongVerifier(() => loadObject(refused('lock_then_call'), { contexts: 2 }));
    const program = obj.program();
    expect(() => program.run(new Uint8Array(64))).toThrow(/function calls are not allowed while holding a lock/);
    // Had the lock stayed held, this run would deadlock or wait for ever.
    expect(() => program.run(new Uint8Array(64))).toThrow(/function calls are not allowed while holding a lock/);
  });

  it('a timer callback that exits holding a lock faults, and another context can take the lock', () => {
    const obj = pastWrongVerifier(() => loadObject(refused('timer_keeps_lock'), { cpus: 2, contexts: 2 }));
    const exe = obj.compile(obj.program());
    const [a, b] = [obj.context(0), obj.context(1)];
    a.arena.load(0, new Uint8Array(64));
    exe.run(a, 0, 1, 0);
    b.arena.load(0, new Uint8Array(64));
    // The 0 ns timer fires before B's run: its callback's fault is reported, and the lock is free again.
    expect(() => exe.run(b, 0, 1, 0)).toThrow(/bpf_spin_unlock is missing/);
    b.arena.load(0, new Uint8Array(64));
    expect(typeof exe.run(b, 0, 1, 0)).toBe('number');
  });
});
