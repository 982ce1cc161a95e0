// bpf_trace_printk output against the kernel's trace buffer: the same
// conversions must print the same text.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTraceLine } from '../../src/helpers/trace-pipe.js';
import { loadObject } from '../../src/loader/load.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { runsHere } from '../support/skip.js';
import { fixture } from './agreement.js';

const TRACE = '/sys/kernel/tracing/trace';
const OBJ = fixture('printk_formats');

/** Two different 64-byte IPv6 frames, so every address conversion has something distinct to print. */
const frames = [0x11, 0x80].map((seed) =>
  Uint8Array.from({ length: 80 }, (_, i) => (i === 12 ? 0x86 : i === 13 ? 0xdd : i >= 22 && i < 30 ? 0 : (seed + i * 7) & 0xff)),
);

function ours(): string[] {
  const lines: string[] = [];
  const obj = loadObject(OBJ, { trace: (m) => lines.push(m) });
  for (const f of frames) obj.program({ program: 'xdp_printk_formats' }).run(f);
  return lines;
}

/** Why the kernel cannot print the same lines here, or undefined. */
function kernelMissing(): string | undefined {
  try {
    accessSync(TRACE, constants.R_OK | constants.W_OK);
  } catch {
    return `cannot read and clear ${TRACE} (root and tracefs needed: mount -t tracefs tracefs /sys/kernel/tracing)`;
  }
  return bpftoolMissing();
}

/** The kernel's lines for the same frames, from its trace buffer. */
function kernels(): string[] {
  const pin = `/sys/fs/bpf/xdpsim_printk_${process.pid}`;
  try {
    writeFileSync(TRACE, '');
    execFileSync('bpftool', ['prog', 'load', OBJ, pin, 'type', 'xdp'], { stdio: 'pipe' });
    for (const [i, f] of frames.entries()) {
      const input = join(tmpdir(), `xdpsim-printk-${process.pid}-${i}`);
      writeFileSync(input, f);
      execFileSync('bpftool', ['prog', 'run', 'pinned', pin, 'data_in', input, 'repeat', '1'], { stdio: 'pipe' });
      rmSync(input);
    }
    return readFileSync(TRACE, 'utf8')
      .split('\n')
      .map((l) => /bpf_trace_printk: (MARK\d .*)$/.exec(l)?.[1])
      .filter((m): m is string => m !== undefined);
  } finally {
    rmSync(pin, { force: true });
  }
}

describe('bpf_trace_printk formatting', () => {
  it.runIf(runsHere(kernelMissing()))('prints what the kernel prints, conversion for conversion', () => {
    const kernel = kernels();
    expect(kernel.length).toBe(14);
    expect(ours()).toEqual(kernel);
  });

  it('formats IPv4 and IPv6 addresses like lib/vsprintf.c', () => {
    const lines = ours();
    expect(lines[4]).toMatch(/^MARK5 \d+\.\d+\.\d+\.\d+ \d{3}\.\d{3}\.\d{3}\.\d{3}$/);
    expect(lines[5]).toMatch(/^MARK6 0000:0000:0000:0000:[0-9a-f]{4}:[0-9a-f]{4}:[0-9a-f]{4}:[0-9a-f]{4} [0-9a-f]{32}$/);
    expect(lines[6]).toBe(lines[5]!.replace('MARK6', 'MARK7').replace(/ [0-9a-f]{32}$/, '')); // %pI6c prints in full, as the kernel does
  });

  it('writes trace_pipe lines with the kernel layout', () => {
    expect(formatTraceLine('hello', 1, 2696_875_077_123n, 'xdp_oracle', 5647)).toBe(
      '      xdp_oracle-5647    [001] b..11  2696.875077: bpf_trace_printk: hello',
    );
  });
});
