// Verifier speed (issue 9, item 7): CPU time to verify the largest example
// (xdp_gotol, 8,534 instructions) and a generated 4,000-instruction packet
// parser, each as verifyObject / verifyXdp run them. Rounds alternate
// between the cases and the median of each is taken, so that a noisy shared
// machine moves them alike.
//
//   npm run bench:verifier
//   npm run bench:verifier -- --baseline DIR
//
// With --baseline, DIR is another checkout with its dist/ built (`npm run
// build`), say of the commit before a change: every case also runs on its
// verifier, in the same rounds, and the table gives both and their ratio.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assemble } from '../src/isa/asm.js';
import { verifyObject } from '../src/loader/verify.js';
import { verifyXdp, type VerifierInput } from '../src/verifier/index.js';

const ROUNDS = 15;
const WARMUP_ROUNDS = 3;

/** The three entry points the cases call, of this tree or of a baseline's dist/. */
interface Verifier {
  assemble: typeof assemble;
  verifyObject: typeof verifyObject;
  verifyXdp: typeof verifyXdp;
}

/**
 * A packet parser of `blocks` blocks after one bounds check of 64 bytes:
 * each loads a byte, masks it, branches on it and folds it into two
 * accumulators, as a header parser does; about 10 instructions a block.
 */
function generated(v: Verifier, blocks: number): VerifierInput {
  const lines = ['r2 = *(u32 *)(r1 + 0)', 'r3 = *(u32 *)(r1 + 4)', 'r4 = r2', 'r4 += 64', 'if r4 > r3 goto drop', 'r6 = 0', 'r7 = 0'];
  for (let b = 0; b < blocks; b++) {
    lines.push(
      `r5 = *(u8 *)(r2 + ${b % 64})`,
      'r5 &= 15',
      `if r5 > 7 goto high${b}`,
      'r6 += r5',
      `goto fold${b}`,
      `high${b}:`,
      'r6 ^= r5',
      `fold${b}:`,
      'r7 += r6',
      'r7 &= 65535',
      `if r7 == ${b} goto next${b}`,
      'r6 += 1',
      `next${b}:`,
    );
  }
  lines.push('r0 = 2', 'exit', 'drop:', 'r0 = 1', 'exit');
  return { insns: v.assemble(lines.join('\n')), mapRefs: new Map(), maps: [], gpl: true, attach: 'xdp', frags: false, offload: false, subprogNames: [], logLevel: 0 };
}

async function baseline(dir: string): Promise<Verifier> {
  const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(resolve(dir, 'dist', path)).href)) as T;
  const [asm, loader, verifier] = await Promise.all([
    load<Pick<Verifier, 'assemble'>>('isa/asm.js'),
    load<Pick<Verifier, 'verifyObject'>>('loader/verify.js'),
    load<Pick<Verifier, 'verifyXdp'>>('verifier/index.js'),
  ]);
  return { assemble: asm.assemble, verifyObject: loader.verifyObject, verifyXdp: verifier.verifyXdp };
}

/** The cases, each a function that verifies once on `v` and returns the instructions processed. */
function cases(v: Verifier): Array<() => number> {
  const gotol = readFileSync(resolve(import.meta.dirname, '../../../examples/xdp_gotol.o'));
  const input = generated(v, 400);
  const logged: VerifierInput = { ...input, logLevel: 1 };
  return [
    () => v.verifyObject(gotol, { logLevel: 0 }).processed ?? 0,
    () => v.verifyObject(gotol, { logLevel: 1 }).processed ?? 0,
    () => v.verifyXdp(input).processed,
    () => v.verifyXdp(logged).processed,
  ];
}

const current: Verifier = { assemble, verifyObject, verifyXdp };
const names = [
  'examples/xdp_gotol.o (8,534 insns), verifyObject, no log (as every load)',
  'examples/xdp_gotol.o, verifyObject, log level 1 (xdpsim verify)',
  `generated parser (${generated(current, 400).insns.length.toLocaleString('en')} insns), verifyXdp, no log`,
  'generated parser, verifyXdp, log level 1',
];

const at = process.argv.indexOf('--baseline');
const trees = [cases(current)];
if (at >= 0) trees.push(cases(await baseline(process.argv[at + 1] ?? '.')));

// samples[tree][case]: CPU milliseconds of each round after the warm-up.
const samples = trees.map(() => names.map(() => [] as number[]));
const processed = trees.map(() => names.map(() => 0));
for (let round = 0; round < ROUNDS + WARMUP_ROUNDS; round++) {
  // Each round starts at another case, and which tree goes first alternates: every round allocates
  // alike, so a collection it brings due would otherwise fall on the same case every time.
  for (let c = 0; c < names.length; c++) {
    const k = (round + c) % names.length;
    for (let j = 0; j < trees.length; j++) {
      const t = (round + k + j) % trees.length;
      const before = process.cpuUsage();
      processed[t]![k] = trees[t]![k]!();
      const used = process.cpuUsage(before);
      if (round >= WARMUP_ROUNDS) samples[t]![k]!.push((used.user + used.system) / 1000);
    }
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`verifier: CPU time per verification, median of ${ROUNDS} interleaved rounds (after ${WARMUP_ROUNDS} warm-up rounds)`);
names.forEach((name, k) => {
  const ms = samples.map((s) => median(s[k]!));
  const againstBaseline = ms.length > 1 ? `; baseline ${ms[1]!.toFixed(1)} ms, ${processed[1]![k]!.toLocaleString('en')} insns: ${(ms[1]! / ms[0]!).toFixed(2)}x faster` : '';
  console.log(`  ${name}: ${ms[0]!.toFixed(1)} ms, ${processed[0]![k]!.toLocaleString('en')} insns processed${againstBaseline}`);
});
