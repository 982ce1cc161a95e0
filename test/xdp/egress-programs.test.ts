// Programs for devmap and cpumap entries (SEC("xdp/devmap"), "xdp/cpumap" and
// their xdp.frags forms) load, but BPF_PROG_TEST_RUN refuses every frame of
// them with EINVAL, as `xdpsim run` does; a plain XDP program of the same
// object runs.
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { runFrame } from '../../src/testrun/line.js';
import { kernelAvailable, runInKernel } from '../oracle/kernel.js';
import { runCli } from '../support/cli.js';
import { skipBecause } from '../support/skip.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OBJ = join(ROOT, 'test/fixtures/objects/egress_programs.bpf.o');
/** An ordinary frame, one too short for any XDP program, and one with fragments. */
const FRAMES = [new Uint8Array(60), new Uint8Array(13), new Uint8Array(5000)];
const REFUSED = [
  ['xdp_on_devmap', 'xdp/devmap', 'devmap'],
  ['xdp_frags_on_devmap', 'xdp.frags/devmap', 'devmap'],
  ['xdp_on_cpumap', 'xdp/cpumap', 'cpumap'],
  ['xdp_frags_on_cpumap', 'xdp.frags/cpumap', 'cpumap'],
] as const;

describe('devmap and cpumap programs under BPF_PROG_TEST_RUN', () => {
  const obj = loadObject(OBJ);

  it.each(REFUSED)('%s (%s) is refused with EINVAL, frame by frame', (name, section, map) => {
    const program = obj.program({ program: name });
    expect(FRAMES.map((f, i) => runFrame(program, i, f))).toEqual(
      FRAMES.map((_, i) => ({
        i,
        err: 'Invalid argument',
        reason: `program '${name}' (section ${section}) is for ${map} entries, which BPF_PROG_TEST_RUN does not run`,
      })),
    );
  });

  it('runs the plain XDP program beside them', () => {
    expect(runFrame(obj.program({ program: 'xdp_plain' }), 0, FRAMES[0]!)).toMatchObject({ verdict: 2, len: 60 });
  });

  const kernel = kernelAvailable();
  if (!kernel.ok) skipBecause(`running them in the kernel: ${kernel.reason}`);
  it.runIf(kernel.ok)('as the kernel does', () => {
    for (const program of [...REFUSED.map(([name]) => name), 'xdp_plain']) {
      // The kernel gives only the errno; `reason` is ours.
      const ours = FRAMES.map((f, i) => runFrame(obj.program({ program }), i, f)).map((line) => ('err' in line ? { i: line.i, err: line.err } : line));
      expect(ours, program).toEqual(runInKernel(OBJ, { program, frames: FRAMES }).frames);
    }
  });

  it('`xdpsim run` counts every packet of one refused', async () => {
    const r = await runCli(['run', OBJ, '--program', 'xdp_on_cpumap', '--pcap', join(ROOT, 'captures/arp.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^xdp_on_cpumap: 2 packets from .*arp\.pcap\n {2}refused \(Invalid argument\) +2\n/);
  });
});
