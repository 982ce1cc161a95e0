// programTag is bpf_prog_calc_tag: the tag `bpftool prog show` prints for
// the same program loaded by libbpf (the kernel's SHA-256 of the
// instructions as libbpf sent them, map and global-data loads' immediates
// zeroed). Every program of every example object, and fixtures with global
// data, BPF-to-BPF calls and several programs to a section.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { programTag } from '../../src/loader/tag.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { skipBecause } from '../support/skip.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OBJECTS = [
  ...readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.o'))
    // A legacy "maps" section, which libbpf 1.x (and so bpftool) refuses to load.
    .filter((f) => f !== 'xdp_legacy_maps.o')
    .map((f) => join(ROOT, 'examples', f)),
  ...['nic_verdicts.bpf.o', 'calls.bpf.o', 'maps.bpf.o', 'replay_rxq.bpf.o'].map((f) => join(ROOT, 'test/fixtures/objects', f)),
].sort();

const PIN_ROOT = `/sys/fs/bpf/xdpsim_tag_${process.pid}`;
afterAll(() => rmSync(PIN_ROOT, { recursive: true, force: true }));

/** Each program's tag as the kernel computed it: `bpftool prog loadall`, then `bpftool prog show` of each pin. */
function kernelTags(object: string, n: number): Record<string, string> {
  const dir = `${PIN_ROOT}_${n}`;
  try {
    const load = spawnSync('bpftool', ['prog', 'loadall', object, dir], { encoding: 'utf8' });
    if (load.status !== 0) throw new Error(`bpftool prog loadall ${object}: ${load.stderr}`);
    return Object.fromEntries(
      readdirSync(dir).map((pin) => {
        const show = spawnSync('bpftool', ['-j', 'prog', 'show', 'pinned', join(dir, pin)], { encoding: 'utf8' });
        const info = JSON.parse(show.stdout) as { name: string; tag: string };
        return [pin, info.tag];
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('programTag', () => {
  it('is 16 hex digits, the same for every load of a program, and differs between programs', () => {
    const tags = loadObject(join(ROOT, 'examples/xdp_tailcall.o')).programs.map((p) => programTag(p.info));
    for (const t of tags) expect(t).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(tags).size).toBe(tags.length);
    expect(loadObject(join(ROOT, 'examples/xdp_tailcall.o')).programs.map((p) => programTag(p.info))).toEqual(tags);
  });

  const missing = bpftoolMissing();
  if (missing !== undefined) {
    skipBecause(missing);
    return;
  }

  it.each(OBJECTS.map((o, n) => [o.slice(ROOT.length + 1), n] as const))('equals bpftool prog show\'s tag: %s', (object, n) => {
    const kernel = kernelTags(join(ROOT, object), n);
    const ours = Object.fromEntries(loadObject(join(ROOT, object)).programs.map((p) => [p.name, programTag(p.info)]));
    expect(ours).toEqual(kernel);
  });
});
