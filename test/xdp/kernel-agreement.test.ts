// The same object and packets through the real kernel (BPF_PROG_TEST_RUN via
// test/oracle) and through xdpsim: every frame must give the same verdict and
// the same output bytes, and the maps the same contents at the end.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { dumpMapsHex } from '../../src/maps/dump.js';
import { readCapture, toEthernet } from '../../src/pcap/index.js';
import { runFrame } from '../../src/testrun/line.js';
import { runInKernel, type MapUpdate } from '../oracle/kernel.js';
import { concat, ipv4, le32 } from '../oracle/packets.js';
import { kernelMissing } from '../oracle/support.js';
import { sharedDir } from '../support/shared.js';
import { skipBecause } from '../support/skip.js';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLES = join(ROOT, 'examples');
const BUNDLED_CAPTURES = join(ROOT, 'captures');

/** Every Ethernet-convertible frame of the captures in `dirs`, in order, with where it came from. */
function allFrames(dirs: readonly string[]): Array<{ from: string; frame: Uint8Array }> {
  const out: Array<{ from: string; frame: Uint8Array }> = [];
  for (const dir of dirs) {
    for (const file of readdirSync(dir).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort()) {
      const capture = readCapture(new Uint8Array(readFileSync(join(dir, file))));
      capture.packets.forEach((p, n) => {
        try {
          out.push({ from: `${file}#${n + 1}`, frame: toEthernet(p) });
        } catch {
          // Non-Ethernet link types are refused by toEthernet; test/pcap covers those refusals.
        }
      });
    }
  }
  return out;
}

const u32 = (v: number): Uint8Array => le32(v);

/** Map contents each example needs to do something (the same for kernel and xdpsim). */
const SETUP: Record<string, MapUpdate[]> = {
  xdp_firewall: [
    { map: 'blocked_sources', key: concat(u32(24), ipv4('203.0.113.0')), value: new Uint8Array(8) },
    { map: 'blocked_sources', key: concat(u32(16), ipv4('192.168.0.0')), value: new Uint8Array(8) },
  ],
  // Frames arrive on ifindex 1; its egress entry sends them back out of ifindex 1.
  xdp_redirect: [{ map: 'egress_ports', key: u32(1), value: concat(u32(1), u32(0)) }],
  xdp_lb: Array.from({ length: 256 }, (_, slot) => ({
    map: 'backends',
    key: u32(slot),
    value: Uint8Array.of(10, 1, slot >> 4, slot & 15, 2, 0, 0, 0, 1, slot, 0, 0),
  })),
};


const objects = readdirSync(EXAMPLES).filter((f) => f.endsWith('.o')).map((f) => f.slice(0, -2)).sort();

const sortEntries = (maps: Record<string, Array<[string, unknown]>>): Record<string, Array<[string, unknown]>> =>
  Object.fromEntries(Object.entries(maps).map(([k, v]) => [k, [...v].sort((a, b) => a[0].localeCompare(b[0]))]));

describe('xdpsim agrees with the kernel on every example and every capture', () => {
  // Without ../shared the bundled captures still run; sharedDir says what is left out.
  const shared = sharedDir('captures');
  const frames = allFrames(shared === undefined ? [BUNDLED_CAPTURES] : [BUNDLED_CAPTURES, shared]);

  it('has captures and examples to compare', () => {
    // The bundled captures hold 339 frames, tcpdump's 285 more.
    expect(frames.length).toBeGreaterThan(shared === undefined ? 300 : 600);
    expect(objects.length).toBeGreaterThanOrEqual(18);
  });

  const missing = kernelMissing();
  if (missing !== undefined) {
    skipBecause(missing);
    return;
  }

  for (const name of objects) {
    const path = join(EXAMPLES, `${name}.o`);
    const programs = loadObject(path).programs.map((p) => p.name);
    it.each(programs)(`${name}: %s`, (program) => {
      const setup = SETUP[name] ?? [];
      const input = frames.map((f) => f.frame);
      const expected = runInKernel(path, { program, setup, frames: input });

      const obj = loadObject(path);
      for (const u of setup) obj.map(u.map).updateElem(u.key, u.value);
      const prog = obj.program({ program });
      const ours = input.map((frame, i) => {
        const { reason: _reason, ...line } = runFrame(prog, i, frame) as { reason?: string; i: number };
        return line;
      });
      const mismatches = ours
        .map((line, i) => ({ line, want: expected.frames[i], from: frames[i]!.from }))
        .filter(({ line, want }) => JSON.stringify(line) !== JSON.stringify(want));
      expect(mismatches.slice(0, 3), `${mismatches.length} of ${ours.length} frames differ`).toEqual([]);
      expect(sortEntries(dumpMapsHex(obj.maps))).toEqual(sortEntries(expected.maps));
    });
  }
});
