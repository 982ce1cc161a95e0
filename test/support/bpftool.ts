// Whether bpftool can ask the kernel here. Suites that compare with bpftool
// (map dumps, LPM calls, verifier refusals, bpf_printk) skip with this reason
// otherwise. The probe loads a real program, so a missing bpftool, missing
// privileges, a missing bpffs and a kernel without BPF all give their reason.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

const PROBE_OBJECT = resolve(import.meta.dirname, '../../examples/xdp_drop.o');

let cached: { missing: string | undefined } | undefined;

/** Why bpftool cannot load and pin programs here; undefined when it can. */
export function bpftoolMissing(): string | undefined {
  cached ??= { missing: probe() };
  return cached.missing;
}

function probe(): string | undefined {
  const version = spawnSync('bpftool', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return 'bpftool is not installed (apt install bpftool)';
  const pin = `/sys/fs/bpf/xdpsim_probe_${process.pid}`;
  try {
    const load = spawnSync('bpftool', ['prog', 'load', PROBE_OBJECT, pin, 'type', 'xdp'], { encoding: 'utf8' });
    if (load.status === 0) return undefined;
    // bpftool's stderr ends with generic advice; the errno is on an earlier line.
    const lines = load.stderr.split('\n');
    const errno = lines.find((l) => /not permitted|denied|No such file|not supported/i.test(l)) ?? lines[0] ?? '';
    const why = errno.split('. ')[0]!.trim() || `exit status ${load.status}`;
    return `bpftool cannot load a program here (root and a mounted /sys/fs/bpf needed): ${why}`;
  } finally {
    rmSync(pin, { force: true });
  }
}
