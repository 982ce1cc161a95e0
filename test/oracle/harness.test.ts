// The harness itself: frame sizes at the kernel's limits, the output format,
// and clear failures for bad requests.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KernelOracleError, runInKernel } from './kernel.js';
import { ETH_ONLY_14, RUNT_13, hex, pattern, tcp4Frame, udp4Frame } from './packets.js';
import { XDP_DROP, example, ran, skipWithoutKernel, verdicts } from './support.js';

skipWithoutKernel();

function possibleCpus(): number {
  // Format like "0-1" or "0,2-3".
  const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  return text.split(',').reduce((n, range) => {
    const [lo, hi] = range.split('-').map(Number);
    return n + (hi === undefined ? 1 : hi - lo! + 1);
  }, 0);
}

describe('kernel harness', () => {
  it('passes frames at the size limits through unchanged, and reports refused ones', () => {
    const frames = [RUNT_13, ETH_ONLY_14, tcp4Frame(1, 2), udp4Frame(3, 4, 3520), udp4Frame(5, 6, 4000), new Uint8Array(0)];
    const run = runInKernel(example('xdp_drop'), { frames });
    expect(verdicts(run)).toEqual(['Invalid argument', XDP_DROP, XDP_DROP, XDP_DROP, XDP_DROP, 'Invalid argument']);
    for (const i of [1, 2, 3, 4]) {
      const r = ran(run.frames[i]);
      expect(r.i).toBe(i);
      expect(r.len).toBe(frames[i]!.length);
      expect(r.out).toBe(hex(frames[i]!));
    }
    expect(run.maps).toEqual({});
    expect(run.lines).toHaveLength(frames.length + 1);
    expect(run.lines[0]).toBe('{"i":0,"err":"Invalid argument"}');
    expect(run.lines.at(-1)).toBe('{"maps":{}}');
  });

  it('returns multi-buffer frames whole: 70000 bytes run, more than 17 fragments do not', () => {
    const big = pattern(70000);
    const run = runInKernel(example('xdp_drop'), { frames: [big, pattern(100000)] });
    expect(ran(run.frames[0]).out).toBe(hex(big));
    expect(run.frames[1]).toEqual({ i: 1, err: 'Cannot allocate memory' });
  });

  it('declines a frame over its own size limit and goes on with the next', () => {
    const run = runInKernel(example('xdp_drop'), { frames: [pattern((1 << 20) + 1), tcp4Frame(1, 2)] });
    expect(run.frames[0]).toEqual({ i: 0, err: 'frame of 1048577 bytes is over the harness limit of 1048576' });
    expect(ran(run.frames[1]).verdict).toBe(XDP_DROP);
  });

  it('prints per-CPU values for every possible CPU', () => {
    const run = runInKernel(example('xdp_parse'), { frames: [tcp4Frame(1, 2)] });
    const entries = run.maps['l4_counts']!;
    expect(entries).toHaveLength(7);
    for (const [, value] of entries) expect(value).toHaveLength(possibleCpus());
  });

  it('refuses an ambiguous or unknown program choice', () => {
    const frames = [tcp4Frame(1, 2)];
    expect(() => runInKernel(example('xdp_tailcall'), { sec: 'xdp', frames })).toThrow(
      /3 programs match; choose one with --program/,
    );
    expect(() => runInKernel(example('xdp_tailcall'), { frames })).toThrow(/3 programs match/);
    expect(() => runInKernel(example('xdp_tailcall'), { program: 'nope', frames })).toThrow(
      /the object has no program named 'nope'/,
    );
    expect(() => runInKernel(example('xdp_drop'), { sec: 'prog', frames })).toThrow(
      /the object has no program in section 'prog'/,
    );
    expect(() => runInKernel(example('xdp_drop'), { sec: 'xdp', program: 'xdp_drop', frames })).toThrow(KernelOracleError);
  });

  it('refuses setup for a map that is not there or with the wrong sizes', () => {
    const frames = [tcp4Frame(1, 2)];
    const key = new Uint8Array(4);
    expect(() =>
      runInKernel(example('xdp_lb'), { setup: [{ map: 'nope', key, value: new Uint8Array(12) }], frames }),
    ).toThrow(/no map named 'nope'; it has: backends/);
    expect(() =>
      runInKernel(example('xdp_lb'), { setup: [{ map: 'backends', key: new Uint8Array(3), value: new Uint8Array(12) }], frames }),
    ).toThrow(/a key of backends is 4 bytes \(8 hex digits\), not '000000'/);
    expect(() =>
      runInKernel(example('xdp_lb'), { setup: [{ map: 'backends', key, value: new Uint8Array(11) }], frames }),
    ).toThrow(/a value of backends is 12 bytes/);
    expect(() =>
      runInKernel(example('xdp_lb'), { setup: [{ map: 'backends', key: Uint8Array.of(0, 1, 0, 0), value: new Uint8Array(12) }], frames }),
    ).toThrow(/updating backends failed: Argument list too long/);
  });

  it('carries the verifier log when the kernel refuses a program', () => {
    // xdp_drop.o with "w0 = 1" patched into "r0 = r2", a read of a register
    // nobody wrote.
    const obj = readFileSync(example('xdp_drop'));
    const at = obj.indexOf(Buffer.from('b4000000010000009500000000000000', 'hex'));
    expect(at).toBeGreaterThan(0);
    Buffer.from('bf20000000000000', 'hex').copy(obj, at);
    const dir = mkdtempSync(join(tmpdir(), 'xdpsim-oracle-test-'));
    try {
      writeFileSync(join(dir, 'bad.o'), obj);
      expect(() => runInKernel(join(dir, 'bad.o'), { frames: [tcp4Frame(1, 2)] })).toThrow(
        /0: \(bf\) r0 = r2\nR2 !read_ok[\s\S]*loading .*bad.o failed: Permission denied/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says why when the object cannot be opened', () => {
    expect(() => runInKernel('/nonexistent/x.o', { frames: [] })).toThrow(/cannot open \/nonexistent\/x.o: No such file/);
  });
});
