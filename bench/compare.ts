// Side by side, in one process: interpreter CPU time per packet of two builds
// of xdpsim (say, main before and after a change) on the DESIGN.md workload.
// Rounds alternate between the builds and the median is taken, so that a noisy
// shared machine moves both alike.
//
//   npm run bench:compare -- OLD_TREE NEW_TREE     (each built: OLD_TREE/dist exists)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Program {
  runVerdict(frame: Uint8Array, ifindex: number, queue: number, cpu: number): number;
}
interface LoaderModule {
  loadObject(path: string): { program(selector: { section: string }): Program };
}

const PACKET = Uint8Array.from(
  Buffer.from('02000000000202000000000108004500002800010000400600000a0000010a000002303900500000000000000000500220000000000000000000000000000000', 'hex'),
);
const WORKLOAD = ['xdp_drop', 'xdp_parse', 'xdp_firewall', 'xdp_lb'];
const PACKETS_PER_ROUND = 20_000;
const ROUNDS = 15;
/** Rounds left out at the start, while V8 settles on its code. */
const WARMUP_ROUNDS = 3;

const trees = process.argv.slice(2).map((t) => resolve(t));
if (trees.length !== 2) {
  console.error('usage: compare OLD_TREE NEW_TREE');
  process.exit(2);
}
const programs = await Promise.all(
  trees.map(async (tree) => {
    const loader = (await import(pathToFileURL(resolve(tree, 'dist/loader/load.js')).href)) as LoaderModule;
    return WORKLOAD.map((name) => loader.loadObject(resolve(tree, 'examples', `${name}.o`)).program({ section: 'xdp' }));
  }),
);

const samples = WORKLOAD.map(() => [[], []] as [number[], number[]]);
for (let round = 0; round < ROUNDS; round++) {
  WORKLOAD.forEach((_, w) => {
    for (const t of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const program = programs[t]![w]!;
      const start = process.cpuUsage();
      for (let i = 0; i < PACKETS_PER_ROUND; i++) program.runVerdict(PACKET, 1, 0, 0);
      const used = process.cpuUsage(start);
      if (round >= WARMUP_ROUNDS) samples[w]![t]!.push(((used.user + used.system) * 1000) / PACKETS_PER_ROUND);
    }
  });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`node ${process.version}, ${new Date().toISOString()}; CPU ns/packet, median of ${ROUNDS - WARMUP_ROUNDS} rounds`);
WORKLOAD.forEach((name, w) => {
  const [old, now] = samples[w]!.map(median) as [number, number];
  console.log(`${name.padEnd(14)} old ${old.toFixed(0).padStart(6)}  new ${now.toFixed(0).padStart(6)}  new/old ${(now / old).toFixed(2)}`);
});
