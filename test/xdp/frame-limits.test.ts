// What BPF_PROG_TEST_RUN accepts as a frame: nothing under an Ethernet
// header, linear frames up to 3520 bytes, multi-buffer frames up to 17
// fragments; per-CPU maps hold a slot per possible CPU; and a program the
// verifier refuses never runs. Each run is xdpsim's, checked against the
// kernel's where BPF is usable (runCompared).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoadError } from '../../src/loader/errors.js';
import { loadObject } from '../../src/loader/load.js';
import { kernelAvailable, runInKernel } from '../oracle/kernel.js';
import { ETH_ONLY_14, RUNT_13, hex, pattern, tcp4Frame, udp4Frame } from '../oracle/packets.js';
import { XDP_DROP } from '../../src/uapi/bpf.js';
import { example, ran, runCompared, sayWhereKernelMissing, verdicts } from '../oracle/support.js';

sayWhereKernelMissing();

function possibleCpus(): number {
  // Format like "0-1" or "0,2-3".
  const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  return text.split(',').reduce((n, range) => {
    const [lo, hi] = range.split('-').map(Number);
    return n + (hi === undefined ? 1 : hi - lo! + 1);
  }, 0);
}

describe('frames a test run accepts', () => {
  it('refuses frames shorter than an Ethernet header and returns the others unchanged', () => {
    const frames = [RUNT_13, ETH_ONLY_14, tcp4Frame(1, 2), udp4Frame(3, 4, 3520), udp4Frame(5, 6, 4000), new Uint8Array(0)];
    const run = runCompared(example('xdp_drop'), { frames });
    expect(verdicts(run)).toEqual(['Invalid argument', XDP_DROP, XDP_DROP, XDP_DROP, XDP_DROP, 'Invalid argument']);
    for (const i of [1, 2, 3, 4]) {
      const r = ran(run.frames[i]);
      expect(r.i).toBe(i);
      expect(r.len).toBe(frames[i]!.length);
      expect(r.out).toBe(hex(frames[i]!));
    }
    expect(run.maps).toEqual({});
  });

  it('returns multi-buffer frames whole: 70000 bytes run, more than 17 fragments do not', () => {
    const big = pattern(70000);
    const run = runCompared(example('xdp_drop'), { frames: [big, pattern(100000)] });
    expect(ran(run.frames[0]).out).toBe(hex(big));
    expect(run.frames[1]).toEqual({ i: 1, err: 'Cannot allocate memory' });
  });
});

describe('per-CPU maps', () => {
  it('hold a value for every possible CPU', () => {
    const run = runCompared(example('xdp_parse'), { frames: [tcp4Frame(1, 2)] });
    const entries = run.maps['l4_counts']!;
    expect(entries).toHaveLength(7);
    for (const [, value] of entries) expect(value).toHaveLength(possibleCpus());
  });
});

describe('a program the verifier refuses', () => {
  it('is refused at load, with the verifier log line the kernel gives', () => {
    // xdp_drop.o with "w0 = 1" patched into "r0 = r2", a read of a register
    // nobody wrote.
    const obj = readFileSync(example('xdp_drop'));
    const at = obj.indexOf(Buffer.from('b4000000010000009500000000000000', 'hex'));
    expect(at).toBeGreaterThan(0);
    Buffer.from('bf20000000000000', 'hex').copy(obj, at);
    const dir = mkdtempSync(join(tmpdir(), 'xdpsim-refused-'));
    try {
      const bad = join(dir, 'bad.o');
      writeFileSync(bad, obj);
      expect(() => loadObject(bad)).toThrow(LoadError);
      expect(() => loadObject(bad)).toThrow(/^program 'xdp_drop': insn 0: R2 !read_ok /);
      if (kernelAvailable().ok) {
        expect(() => runInKernel(bad, { frames: [tcp4Frame(1, 2)] })).toThrow(
          /0: \(bf\) r0 = r2\nR2 !read_ok[\s\S]*loading .*bad.o failed: Permission denied/,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
