// Child process of compare.ts: reads kernel.json, runs xdpsim's verifier on
// the cases from index argv[2] up to argv[3] (excluded), and prints one JSON line per case:
// [index, comparison]. Run in a child so that the parent can stop a case
// that takes too long (a verifier under construction may loop) and go on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareCase } from './compare.js';
import { CORPUS_DIR, type KernelRecord } from './kernel.js';

const records = JSON.parse(readFileSync(join(CORPUS_DIR, 'kernel.json'), 'utf8')) as KernelRecord[];
const end = Math.min(Number(process.argv[3] ?? records.length), records.length);
for (let i = Number(process.argv[2] ?? 0); i < end; i++) {
  process.stdout.write(`${JSON.stringify([i, compareCase(records[i]!)])}\n`);
}
