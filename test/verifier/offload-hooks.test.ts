// The seam an offloading device's driver checks a program through
// (OffloadHooks, the kernel's bpf_prog_offload_ops): when the verifier calls
// each hook, what the view shows, and how a hook's refusal comes out. The
// hooks here are the test's own; nfp's are tested in test/nic/offload.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyObject, type OffloadDevice } from '../../src/loader/verify.js';
import { BPF_REG_TYPE, PTR_MAYBE_NULL, type OffloadFinalView, type OffloadHooks, type OffloadReg, type OffloadRefusal, type OffloadView } from '../../src/verifier/index.js';

const RULES = readFileSync(new URL('../fixtures/objects/offload_rules.bpf.o', import.meta.url));
/** Programs the kernel refuses natively; load_maybe_null loads through a lookup's result before its NULL check. */
const NATIVE = readFileSync(new URL('../fixtures/refused/offload_native.bpf.o', import.meta.url));

interface Seen {
  prepared: number;
  insns: number[];
  regs: Map<number, OffloadReg[]>;
  final: OffloadFinalView['subprogs'] | undefined;
}

/** A device that takes everything and notes what its hooks were shown; `refuse` may refuse at an instruction or at finalize. */
function recorder(refuse: { insn?: (view: OffloadView, i: number) => OffloadRefusal | undefined; finalize?: OffloadRefusal } = {}): { device: OffloadDevice; seen: Seen } {
  const seen: Seen = { prepared: 0, insns: [], regs: new Map(), final: undefined };
  const hooks: OffloadHooks = {
    prepare() {
      seen.prepared++;
      seen.insns = [];
    },
    insn(view, i) {
      seen.insns.push(i);
      seen.regs.set(i, Array.from({ length: 11 }, (_, r) => view.reg(r)));
      return refuse.insn?.(view, i);
    },
    finalize(view) {
      seen.final = view.subprogs;
      return refuse.finalize;
    },
  };
  return { device: { bind: () => undefined, hooks: () => hooks }, seen };
}

describe('offload hooks in the verifier', () => {
  it('are called only for a program bound to a device (mode offload)', () => {
    const { device, seen } = recorder();
    expect(verifyObject(RULES, { select: { program: 'mul_bounded' }, mode: 'native', device }).accepted).toBe(true);
    expect(seen.prepared).toBe(0);
    expect(verifyObject(RULES, { select: { program: 'mul_bounded' }, mode: 'offload', device }).accepted).toBe(true);
    expect(seen.prepared).toBe(1);
  });

  it('see every instruction walked, in the order walked, then finalize sees the stack of each subprogram', () => {
    const { device, seen } = recorder();
    const outcome = verifyObject(RULES, { select: { program: 'deep_calls' }, mode: 'offload', device });
    expect(outcome.accepted).toBe(true);
    expect(seen.insns.length).toBe(outcome.processed);
    expect(seen.insns[0]).toBe(0);
    // Four functions of 104 bytes each (13 u64 words), the main one first.
    expect(seen.final?.map((s) => s.stackDepth)).toEqual([104, 104, 104, 104]);
    expect(seen.final?.[0]?.start).toBe(0);
  });

  it("show registers in the kernel's numbers, flags included, an unwritten one unbounded", () => {
    const { device, seen } = recorder();
    const outcome = verifyObject(NATIVE, { select: { program: 'load_maybe_null' }, mode: 'offload', device });
    // The load through the lookup's result is refused by the verifier after the hook has seen it.
    expect(outcome.error).toBe("R0 invalid mem access 'map_value_or_null'");
    const entry = seen.regs.get(0)!;
    expect(entry[1]!.type).toBe(BPF_REG_TYPE.PTR_TO_CTX);
    expect(entry[10]!.type).toBe(BPF_REG_TYPE.PTR_TO_STACK);
    expect(entry[0]).toMatchObject({ type: BPF_REG_TYPE.NOT_INIT, umin: 0n, umax: (1n << 64n) - 1n });
    const load = seen.regs.get(outcome.insn!)!;
    expect(load[0]!.type).toBe(BPF_REG_TYPE.PTR_TO_MAP_VALUE | PTR_MAYBE_NULL);
    expect(load[0]!.map?.name).toBe('values');
  });

  it('refuse with their errno and their line, before the verifier checks the instruction', () => {
    const { device } = recorder({ insn: (view, i) => (view.reg(0).type === (BPF_REG_TYPE.PTR_TO_MAP_VALUE | PTR_MAYBE_NULL) && i === 7 ? { errno: 'EINVAL', reason: '[dev] no' } : undefined) });
    const outcome = verifyObject(NATIVE, { select: { program: 'load_maybe_null' }, mode: 'offload', device, logLevel: 1 });
    expect(outcome).toMatchObject({ accepted: false, insn: 7, error: '[dev] no', errno: 'EINVAL' });
    const lines = outcome.log.trimEnd().split('\n');
    expect(lines.slice(-3, -1)).toEqual(['7: (61) r0 = *(u32 *)(r0 +0)', '[dev] no']);
    expect(lines.at(-1)).toMatch(/^processed \d+ insns/);
  });

  it("write the verifier's log, and a finalize refusal names the program's first instruction", () => {
    const hooks: OffloadHooks = {
      insn(view, i) {
        if (i === 1) view.log('[dev] note');
        return undefined;
      },
      finalize: () => ({ errno: 'EOPNOTSUPP', reason: '[dev] too big' }),
    };
    const outcome = verifyObject(RULES, { select: { program: 'mul_bounded' }, mode: 'offload', device: { bind: () => undefined, hooks: () => hooks }, logLevel: 2 });
    expect(outcome).toMatchObject({ accepted: false, insn: 0, error: '[dev] too big', errno: 'EOPNOTSUPP' });
    expect(outcome.log).toMatch(/\n1: \(57\) r0 &= 65535\n\[dev\] note\n2: R0=scalar\(/);
  });

  it("refuse before the verifier runs when the device will not bind the program, with the device's errno", () => {
    const { seen } = recorder();
    const device: OffloadDevice = { bind: (program) => ({ errno: 'ENOMEM', reason: `no room for ${program.name}` }), hooks: () => ({ insn: () => undefined }) };
    const outcome = verifyObject(RULES, { select: { program: 'mul_bounded' }, mode: 'offload', device });
    expect(outcome).toMatchObject({ accepted: false, device: true, error: 'no room for mul_bounded', errno: 'ENOMEM', log: 'no room for mul_bounded\n' });
    expect(outcome.insn).toBeUndefined();
    expect(seen.prepared).toBe(0);
  });
});
