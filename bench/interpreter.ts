// Interpreter ns/packet on the DESIGN.md workload, one 64-byte IPv4/TCP packet
// run repeatedly: the copying test-run path (copy in, run) beside the in-place
// path (frames already in the context's arena, run as one batch of 64), and
// the firewall with 1,000 blocked prefixes of six lengths beside its empty trie.
import { resolve } from 'node:path';
import { Bench } from 'tinybench';
import { loadObject } from '../src/loader/load.js';
import { XDP_BATCH } from '../src/xdp/arena.js';
import { blockPrefixes, PACKET, WORKLOAD } from './workload.js';

// Compiled to .tmp/bench/bench/, three levels below the repository.
const ROOT = resolve(import.meta.dirname, '../../..');

const bench = new Bench({ time: 2000, warmup: true, warmupTime: 500 });
const verdicts = new Uint32Array(XDP_BATCH);
const cases = [...WORKLOAD.map((name) => ({ name, prefixes: 0 })), { name: 'xdp_firewall', prefixes: 1000 }];
for (const { name, prefixes } of cases) {
  const obj = loadObject(resolve(ROOT, 'examples', `${name}.o`));
  if (prefixes > 0) blockPrefixes(obj.map('blocked_sources'), prefixes);
  const program = obj.program({ section: 'xdp' });
  const label = prefixes > 0 ? `${name} + ${prefixes} prefixes` : name;
  bench.add(`${label} (copy in, run)`, () => {
    for (let i = 0; i < XDP_BATCH; i++) program.runVerdict(PACKET, 1, 0, 0);
  });
  const exe = obj.compile(program);
  const context = obj.context(0);
  for (let slot = 0; slot < XDP_BATCH; slot++) context.arena.load(slot, PACKET);
  bench.add(`${label} (in place, batch)`, () => {
    // Frames run where they lie; the drop, parse and firewall programs leave them as they were.
    exe.runBatch(context, 0, XDP_BATCH, 1, 0, verdicts);
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
      'ns/packet (mean)': latency ? Math.round((latency.mean * 1e6) / XDP_BATCH) : 'failed',
      'ns/packet (p50)': latency?.p50 !== undefined ? Math.round((latency.p50 * 1e6) / XDP_BATCH) : 'failed',
    };
  }),
);
