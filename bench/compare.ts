// Side by side, in one process: interpreter CPU time per packet of two builds
// of xdpsim (say, main before and after a change) on the DESIGN.md workload.
// Rounds alternate between the builds and the median is taken, so that a noisy
// shared machine moves both alike.
//
//   npm run bench:compare -- OLD_TREE NEW_TREE     (each built: OLD_TREE/dist exists)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { PACKET, WORKLOAD } from './workload.js';

interface Program {
  runVerdict(frame: Uint8Array, ifindex: number, queue: number, cpu: number): number;
}
/** What a build with execution contexts (issue 7 on) offers besides; older builds lack it. */
interface Context {
  arena: { load(slot: number, frame: Uint8Array): void };
}
interface Executable {
  runBatch(context: Context, first: number, count: number, ifindex: number, queue: number, verdicts: Uint32Array): void;
}
interface Loaded {
  program(selector: { section: string }): Program;
  compile?(program: Program): Executable;
  context?(cpu: number): Context;
}
interface LoaderModule {
  loadObject(path: string): Loaded;
}

/** Runs PACKETS_PER_ROUND packets: through the copying path, or in place in batches of 64 where the build can. */
type Runner = () => void;
const BATCH = 64;
const PACKETS_PER_ROUND = 20_000;
const ROUNDS = 15;
/** Rounds left out at the start, while V8 settles on its code. */
const WARMUP_ROUNDS = 3;

const trees = process.argv.slice(2).map((t) => resolve(t));
if (trees.length !== 2) {
  console.error('usage: compare OLD_TREE NEW_TREE');
  process.exit(2);
}
/** Per tree, per program: the copying runner, and the in-place one when the build has it. */
const runners = await Promise.all(
  trees.map(async (tree) => {
    const loader = (await import(pathToFileURL(resolve(tree, 'dist/loader/load.js')).href)) as LoaderModule;
    return WORKLOAD.map((name): [Runner, Runner | undefined] => {
      const obj = loader.loadObject(resolve(tree, 'examples', `${name}.o`));
      const program = obj.program({ section: 'xdp' });
      const copying: Runner = () => {
        for (let i = 0; i < PACKETS_PER_ROUND; i++) program.runVerdict(PACKET, 1, 0, 0);
      };
      if (!obj.compile || !obj.context) return [copying, undefined];
      const exe = obj.compile(program);
      const context = obj.context(0);
      for (let slot = 0; slot < BATCH; slot++) context.arena.load(slot, PACKET);
      const verdicts = new Uint32Array(BATCH);
      const inPlace: Runner = () => {
        for (let i = 0; i < PACKETS_PER_ROUND; i += BATCH) exe.runBatch(context, 0, BATCH, 1, 0, verdicts);
      };
      return [copying, inPlace];
    });
  }),
);

/** CPU ns/packet samples per program: old copying, new copying, new in place. */
const samples = WORKLOAD.map(() => [[], [], []] as [number[], number[], number[]]);
const time = (run: Runner): number => {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / PACKETS_PER_ROUND;
};
for (let round = 0; round < ROUNDS; round++) {
  WORKLOAD.forEach((_, w) => {
    const [[oldCopy], [newCopy, newInPlace]] = [runners[0]![w]!, runners[1]![w]!];
    const order: Array<[number, Runner | undefined]> = [
      [0, oldCopy],
      [1, newCopy],
      [2, newInPlace],
    ];
    for (const [k, run] of round % 2 === 0 ? order : order.reverse()) {
      if (run === undefined) continue;
      const ns = time(run);
      if (round >= WARMUP_ROUNDS) samples[w]![k]!.push(ns);
    }
  });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`node ${process.version}, ${new Date().toISOString()}; CPU ns/packet, median of ${ROUNDS - WARMUP_ROUNDS} rounds`);
WORKLOAD.forEach((name, w) => {
  const [old, now, inPlace] = samples[w]!.map((xs) => (xs.length > 0 ? median(xs) : NaN)) as [number, number, number];
  const place = Number.isNaN(inPlace) ? '' : `  new in place ${inPlace.toFixed(0).padStart(6)}  in place/old ${(inPlace / old).toFixed(2)}`;
  console.log(`${name.padEnd(14)} old ${old.toFixed(0).padStart(6)}  new ${now.toFixed(0).padStart(6)}  new/old ${(now / old).toFixed(2)}${place}`);
});
