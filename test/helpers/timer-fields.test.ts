// Where a struct bpf_timer is found in a map value, and what happens to maps
// whose timer the kernel refuses, against the kernel: a timer nested in a
// struct works; two timers in an array leave the map its BTF but no timer;
// a timer in a per-CPU array, beside a spin lock in an LRU hash, or in a map
// programs may only read fails map creation, and libbpf creates the map
// again without BTF.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseValueFields } from '../../src/btf/fields.js';
import { loadObject, type LoadedObject } from '../../src/loader/load.js';
import { checkBtfFields } from '../../src/maps/record.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { agree, fixture } from './agreement.js';
import { pastWrongVerifier } from '../support/wrong-verifier.js';

vi.mock('../../src/loader/verify.js', async (real) => (await import('../support/wrong-verifier.js')).wrongVerifierModule(await real()));

skipWithoutKernel();

const FIELDS = fixture('timer_fields');
const NO_BTF = resolve(import.meta.dirname, '../fixtures/refused/timer_no_btf.bpf.o');

/** Whether each map keeps its BTF when libbpf creates it, as xdpsim decides (map_check_btf, then libbpf's retry). */
function keepsBtf(obj: LoadedObject): Record<string, boolean> {
  const btf = obj.object.btf!;
  return Object.fromEntries(
    obj.object.maps.map((def) => {
      const fields = parseValueFields(btf, def.btfValueTypeId, def.valueSize);
      return [def.name, fields === undefined || checkBtfFields(obj.map(def.name).spec, fields) === 0];
    }),
  );
}

/** The maps libbpf had to create again without BTF, from its log as bpftool loads `path`. */
function retriedWithoutBtf(path: string): string[] {
  const dir = mkdtempSync(join('/sys/fs/bpf', 'xdpsim-fields-'));
  try {
    const load = spawnSync('bpftool', ['-d', 'prog', 'loadall', path, dir, 'type', 'xdp'], { encoding: 'utf8' });
    return [...load.stderr.matchAll(/Error in bpf_create_map_xattr\((\w+)\):.*Retrying without BTF/g)].map((m) => m[1]!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('struct bpf_timer in map values', () => {
  it('finds a timer nested in a struct, and runs it', () => {
    const arm = new Uint8Array(64);
    const report = new Uint8Array(64);
    report[14] = 1;
    const { kernel } = agree(FIELDS, 'xdp_nested_timer', [report, arm, report, arm, report]);
    // The verdict of a report is how often the callback ran; each armed timer fired before it.
    expect(kernel.frames.map((f) => ('verdict' in f ? f.verdict : f.err))).toEqual([0, 2, 1, 2, 2]);
  });

  it('keeps BTF where the kernel does, and a timer only where it finds one', () => {
    const fields = loadObject(FIELDS);
    expect(fields.map('nested').record?.timerOff).toBe(16);
    expect(fields.map('two').record).toBeUndefined();
    // Its program is refused (the timer call on the map without BTF): the maps are what this looks at.
    const noBtf = pastWrongVerifier(() => loadObject(NO_BTF));
    expect(keepsBtf(fields)).toEqual({ nested: true, two: true });
    expect(keepsBtf(noBtf)).toEqual({ percpu: false, lru_locked: false, rdonly: false });

    const missing = bpftoolMissing();
    if (missing !== undefined) {
      console.warn(`skipped: which maps libbpf created again without BTF: ${missing}`);
      return;
    }
    expect(retriedWithoutBtf(FIELDS)).toEqual([]);
    expect(retriedWithoutBtf(NO_BTF)).toEqual(['percpu', 'lru_locked', 'rdonly']);
  });
});
