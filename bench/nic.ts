// The cost of the NIC's receive machinery (load into the arena, counting,
// verdict handling, everything but the program), per frame: an RxQueue poll of
// 64 frames of captures/demo.pcap against runBatch alone over frames already
// in place, with the drop program, side by side in interleaved rounds (CPU
// time, medians). The target: the machinery at most 100 ns per frame.
//
//   npm run bench:nic
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { loadObject } from '../src/loader/load.js';
import { objectMapIds, RxQueue } from '../src/nic/rx.js';
import { Topology } from '../src/nic/topology.js';
import { readCapture, toEthernet } from '../src/pcap/index.js';
import { XDP_BATCH } from '../src/xdp/arena.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const POLLS_PER_ROUND = 5_000;
const ROUNDS = 15;
const WARMUP_ROUNDS = 3;

const frames = readCapture(new Uint8Array(readFileSync(resolve(ROOT, 'captures/demo.pcap')))).packets.map(toEthernet).slice(0, XDP_BATCH);
const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
const offset = new Float64Array(XDP_BATCH);
const capLen = new Uint32Array(XDP_BATCH);
let at = 0;
frames.forEach((f, i) => {
  bytes.set(f, at);
  offset[i] = at;
  capLen[i] = f.length;
  at += f.length;
});
const which = Int32Array.from({ length: XDP_BATCH }, (_, i) => i);

const obj = loadObject(resolve(ROOT, 'examples/xdp_drop.o'), { cpus: 2, contexts: 3, frameSlots: XDP_BATCH + 1 });
const exe = obj.compile(obj.program());
const topology = new Topology();
const device = topology.add({ name: 'eth0' });
const rx = new RxQueue({
  device,
  queue: 0,
  topology,
  executable: exe,
  context: obj.context(0),
  progId: 1,
  mapIds: objectMapIds(obj.maps.values()),
  entryProgram: (id) => obj.compile(obj.programs[id - 1]!),
});
const inPlace = obj.context(1);
frames.forEach((_, i) => inPlace.arena.load(i, bytes, offset[i], capLen[i]));
const verdicts = new Uint32Array(XDP_BATCH);

const runners: Record<string, () => void> = {
  'runBatch, frames in place': () => exe.runBatch(inPlace, 0, XDP_BATCH, device.ifindex, 0, verdicts),
  'RxQueue.poll': () => rx.poll({ bytes, offset, capLen }, which, XDP_BATCH),
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(runners)) {
    const start = process.cpuUsage();
    for (let i = 0; i < POLLS_PER_ROUND; i++) run();
    const used = process.cpuUsage(start);
    if (round >= WARMUP_ROUNDS) samples[name]!.push(((used.user + used.system) * 1000) / (POLLS_PER_ROUND * XDP_BATCH));
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const bare = median(samples['runBatch, frames in place']!);
const poll = median(samples['RxQueue.poll']!);
console.log(`node ${process.version}, ${new Date().toISOString()}; CPU ns/frame, median of ${ROUNDS - WARMUP_ROUNDS} rounds, xdp_drop, ${XDP_BATCH} frames of captures/demo.pcap per poll`);
console.log(`runBatch, frames in place  ${bare.toFixed(1)}`);
console.log(`RxQueue.poll               ${poll.toFixed(1)}`);
console.log(`machinery (poll - run)     ${(poll - bare).toFixed(1)}   (${(1000 / poll).toFixed(2)} Mpps per core)`);
