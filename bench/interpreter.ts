// Interpreter ns/packet on the DESIGN.md workload, one 64-byte IPv4/TCP packet
// run repeatedly with empty maps (the kernel figures in BENCHMARKS.md use the
// same packet with `bpftool prog run ... repeat 1000000`).
import { resolve } from 'node:path';
import { Bench } from 'tinybench';
import { loadObject } from '../src/loader/load.js';

// Compiled to .tmp/bench/bench/, three levels below the repository.
const ROOT = resolve(import.meta.dirname, '../../..');
const PACKET = Uint8Array.from(
  Buffer.from('02000000000202000000000108004500002800010000400600000a0000010a000002303900500000000000000000500220000000000000000000000000000000', 'hex'),
);
const WORKLOAD = ['xdp_drop', 'xdp_parse', 'xdp_firewall', 'xdp_lb'];
/** Packets per measured call (NAPI's budget), so the harness's own cost per call is spread thin. */
const BATCH = 64;

const bench = new Bench({ time: 2000, warmup: true, warmupTime: 500 });
for (const name of WORKLOAD) {
  const program = loadObject(resolve(ROOT, 'examples', `${name}.o`)).program({ section: 'xdp' });
  // The replay path: load the frame, run, verdict; no output copy.
  bench.add(`${name} (interpreter)`, () => {
    for (let i = 0; i < BATCH; i++) program.runVerdict(PACKET, 1, 0, 0);
  });
}
await bench.run();
console.log(`node ${process.version}, ${new Date().toISOString()}`);
console.table(
  bench.tasks.map((t) => {
    const r = t.result;
    const latency = r && 'latency' in r ? r.latency : undefined;
    return {
      task: t.name,
      'ns/packet (mean)': latency ? Math.round((latency.mean * 1e6) / BATCH) : 'failed',
      'ns/packet (p50)': latency?.p50 !== undefined ? Math.round((latency.p50 * 1e6) / BATCH) : 'failed',
    };
  }),
);
