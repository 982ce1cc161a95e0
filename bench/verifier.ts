// Verifier speed (issue 9, item 7): CPU time to verify the largest example
// (xdp_gotol, 8,534 instructions) and a generated 4,000-instruction packet
// parser, each as verifyObject / verifyXdp run them. Rounds alternate
// between the cases and the median of each is taken, so that a noisy shared
// machine moves them alike.
//
//   npm run bench:verifier
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { assemble } from '../src/isa/asm.js';
import { verifyObject } from '../src/loader/verify.js';
import { verifyXdp, type VerifierInput } from '../src/verifier/index.js';

const ROUNDS = 15;
const WARMUP_ROUNDS = 3;

/**
 * A packet parser of `blocks` blocks after one bounds check of 64 bytes:
 * each loads a byte, masks it, branches on it and folds it into two
 * accumulators, as a header parser does; about 10 instructions a block.
 */
function generated(blocks: number): VerifierInput {
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
  return { insns: assemble(lines.join('\n')), mapRefs: new Map(), maps: [], gpl: true, attach: 'xdp', frags: false, offload: false, subprogNames: [], logLevel: 0 };
}

const gotol = readFileSync(resolve(import.meta.dirname, '../../../examples/xdp_gotol.o'));
const input = generated(400);
const logged: VerifierInput = { ...input, logLevel: 1 };
const cases: Array<{ name: string; run: () => number }> = [
  { name: 'examples/xdp_gotol.o (8,534 insns), verifyObject, no log (as every load)', run: () => verifyObject(gotol, { logLevel: 0 }).processed ?? 0 },
  { name: 'examples/xdp_gotol.o, verifyObject, log level 1 (xdpsim verify)', run: () => verifyObject(gotol, { logLevel: 1 }).processed ?? 0 },
  { name: `generated parser (${input.insns.length.toLocaleString('en')} insns), verifyXdp, no log`, run: () => verifyXdp(input).processed },
  { name: 'generated parser, verifyXdp, log level 1', run: () => verifyXdp(logged).processed },
];

const samples = cases.map(() => [] as number[]);
const processed = cases.map(() => 0);
for (let round = 0; round < ROUNDS + WARMUP_ROUNDS; round++) {
  cases.forEach((c, k) => {
    const before = process.cpuUsage();
    processed[k] = c.run();
    const used = process.cpuUsage(before);
    if (round >= WARMUP_ROUNDS) samples[k]!.push((used.user + used.system) / 1000);
  });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`verifier: CPU time per verification, median of ${ROUNDS} interleaved rounds (after ${WARMUP_ROUNDS} warm-up rounds)`);
cases.forEach((c, k) => console.log(`  ${c.name}: ${median(samples[k]!).toFixed(1)} ms, ${processed[k]!.toLocaleString('en')} insns processed`));
