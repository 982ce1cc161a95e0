// A packet's path through `xdpsim run` creates no BigInt (issue 7): not in
// following the capture's clock, nor in the clock, timer and formatting
// helpers. The CLI runs with every function that makes a BigInt from
// something else counted (BigInt itself, BigInt.asIntN/asUintN, DataView's
// 64-bit reads, process.hrtime.bigint); a BigInt computed from another comes
// from one of them first. Load, setup and the map dump make some: the count
// must not grow with the number of packets.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePcap } from '../../src/pcap/index.js';
import { XDPSIM } from '../support/cli.js';

const OBJ = resolve(import.meta.dirname, '../fixtures/objects/packet_time.bpf.o');
const work = mkdtempSync(join(tmpdir(), 'xdpsim-run-no-bigint-'));
const COUNTER = join(work, 'count-bigints.mjs');
writeFileSync(
  COUNTER,
  `import { writeFileSync } from 'node:fs';
const RealBigInt = globalThis.BigInt;
let made = 0;
const counted = (f) => function (...args) { made++; return Reflect.apply(f, this, args); };
const asIntN = counted(RealBigInt.asIntN);
const asUintN = counted(RealBigInt.asUintN);
globalThis.BigInt = new Proxy(RealBigInt, {
  apply: (target, self, args) => { made++; return Reflect.apply(target, self, args); },
  get: (target, key) => (key === 'asIntN' ? asIntN : key === 'asUintN' ? asUintN : Reflect.get(target, key)),
});
for (const name of ['getBigInt64', 'getBigUint64']) DataView.prototype[name] = counted(DataView.prototype[name]);
process.hrtime.bigint = counted(process.hrtime.bigint);
process.on('exit', () => writeFileSync(process.env.BIGINT_COUNT_FILE, String(made)));
`,
);

/** Runs `packets` packets 100 us apart through the fixture, with --trace; returns the BigInts made and stderr. */
function run(packets: number): Promise<{ made: number; stderr: string; stdout: string }> {
  const pcap = join(work, `${packets}.pcap`);
  const frame = new Uint8Array(64);
  writeFileSync(
    pcap,
    writePcap(
      Array.from({ length: packets }, (_, i) => ({ data: frame, tsSec: 1_700_000_000 + Math.floor(i / 10_000), tsNsec: (i % 10_000) * 100_000 })),
      { nanosecond: true },
    ),
  );
  const countFile = join(work, `${packets}.count`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', COUNTER, XDPSIM, 'run', OBJ, '--pcap', pcap, '--trace'], {
      env: { ...process.env, BIGINT_COUNT_FILE: countFile },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', () => done({ made: Number(readFileSync(countFile, 'utf8')), stderr, stdout }));
  });
}

describe('xdpsim run without BigInt on a packet\'s path', () => {
  it('makes as many BigInts for 3000 packets as for 300', async () => {
    const few = await run(300);
    const many = await run(3000);
    // The path was taken: two trace lines a packet, and the timer each packet arms fired before the next.
    expect(many.stderr.split('\n').filter((l) => l.includes('bpf_trace_printk: ')).length).toBe(6000);
    expect(many.stdout).toMatch(/PASS +3000\n/);
    expect(many.stdout).toContain('"fired": 2999,');
    expect(many.made).toBe(few.made);
  }, 60_000);
});
