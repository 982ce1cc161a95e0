// A map that holds programs (prog array, devmap, devmap hash, cpumap) takes
// programs of one kind: the kernel refuses to load a frags-aware program
// using one that a program without frags uses already (bpf_check_tail_call),
// and xdpsim refuses the object, naming both.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { runsHere } from '../support/skip.js';

const OBJ = join(resolve(import.meta.dirname, '../fixtures/refused'), 'frags_shared_devmap.bpf.o');

describe('programs sharing a map that holds programs', () => {
  it('must all be frags-aware or none: xdpsim refuses the object at the second', () => {
    expect(() => loadObject(OBJ)).toThrow(
      "program 'xdp_frags': map 'ports' holds programs for 'xdp_linear', which is not frags-aware, and this program is frags-aware: the kernel refuses the load (EINVAL)",
    );
  });

  describe.runIf(runsHere(bpftoolMissing()))('in the kernel', () => {
    it('the same program fails to load, with EINVAL', () => {
      const pin = `/sys/fs/bpf/xdpsim_owner_${process.pid}`;
      let stderr = '';
      try {
        execFileSync('bpftool', ['prog', 'loadall', OBJ, pin], { stdio: 'pipe' });
      } catch (e) {
        stderr = String((e as { stderr?: Buffer }).stderr ?? '');
      } finally {
        rmSync(pin, { recursive: true, force: true });
      }
      expect(stderr).toContain("prog 'xdp_frags': failed to load: -22");
    });
  });
});
