// The verifier corpus (test/verifier/corpus): small XDP programs the kernel's
// verifier accepts or refuses, every XDP program of the examples and fixtures,
// and the kernel's recorded answer for each (kernel.json, written by
// `npm run corpus:record`). xdpsim's verifyObject must give the kernel's
// decision and, for refusals, its error line, except for the cases listed in
// disagreements.json with their cause; a listed case that now agrees fails
// too, so the list stays true (regenerate it with
// `npm run corpus:record -- --disagreements`). When this machine can load
// programs, a sample is loaded again to check that kernel.json still holds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bpftoolMissing } from '../support/bpftool.js';
import { runsHere } from '../support/skip.js';
import { caseName, compareAll } from './corpus/compare.js';
import { CORPUS_DIR, kernelVerdict, REPO_ROOT, TAIL_LINES, type KernelRecord, verifyTool } from './corpus/kernel.js';
import { verifyObject } from '../../src/loader/verify.js';

const records = JSON.parse(readFileSync(join(CORPUS_DIR, 'kernel.json'), 'utf8')) as KernelRecord[];
const listed = JSON.parse(readFileSync(join(CORPUS_DIR, 'disagreements.json'), 'utf8')) as Record<string, string>;
/** Refusals whose level-1 log ends otherwise than the kernel's, each with why. */
const logDiffers = JSON.parse(readFileSync(join(CORPUS_DIR, 'log-differences.json'), 'utf8')) as Record<string, string>;

describe('verifier corpus', () => {
  it('has at least 220 cases of its own besides the examples and fixtures, accepted and refused', () => {
    const own = records.filter((r) => r.file.startsWith('test/verifier/corpus/'));
    expect(own.length).toBeGreaterThanOrEqual(220);
    expect(own.some((r) => r.accepted)).toBe(true);
    expect(own.some((r) => !r.accepted)).toBe(true);
    expect(new Set(records.map(caseName)).size).toBe(records.length);
  });

  it('agrees with the kernel on every case not listed in disagreements.json, and ends its refusals\' logs as the kernel does', async () => {
    const comparisons = await compareAll(records);
    const unexpected: string[] = [];
    const nowAgree: string[] = [];
    const logUnexpected: string[] = [];
    const logNowAgrees: string[] = [];
    let decision = 0;
    let message = 0;
    let logs = 0;
    let logsSame = 0;
    for (const [i, r] of records.entries()) {
      const name = caseName(r);
      const why = comparisons[i]!.cause;
      const log = comparisons[i]!.log;
      if (!r.accepted && r.stage !== 'libbpf' && r.tail !== undefined && why === undefined) {
        logs++;
        if (log === undefined) logsSame++;
        if (log !== undefined && !(name in logDiffers)) logUnexpected.push(`${name}: ${log}`);
        if (log === undefined && name in logDiffers) logNowAgrees.push(name);
      }
      if (why === undefined || why.startsWith('message:')) decision++;
      if (why === undefined && !r.accepted) message++;
      if (why !== undefined && !(name in listed)) unexpected.push(`${name}: ${why}`);
      if (why === undefined && name in listed) nowAgree.push(name);
    }
    const refused = records.filter((r) => !r.accepted).length;
    console.log(
      `verifier corpus: ${records.length} cases, ${records.length - refused} accepted by the kernel; ` +
        `xdpsim agrees on the decision for ${decision}, on the message for ${message} of ${refused} refusals; ` +
        `the log's last ${TAIL_LINES} lines are the kernel's for ${logsSame} of ${logs} refusals with a recorded log`,
    );
    expect(unexpected, 'cases that disagree with the kernel and are not in disagreements.json').toEqual([]);
    expect(nowAgree, 'cases in disagreements.json that now agree: remove them').toEqual([]);
    expect(logUnexpected, 'refusals whose log ends otherwise than the kernel\'s, not in log-differences.json').toEqual([]);
    expect(logNowAgrees, 'cases in log-differences.json whose log now ends as the kernel\'s: remove them').toEqual([]);
  }, 300_000);

  it('walks as many instructions as the kernel on the examples, but for the listed ones, and says how often on the fixtures', () => {
    // Where the walk differs, and why: the kernel walks a bpf_loop callback again until its states converge,
    // xdpsim once per call; a global function's verification counts one instruction more here.
    const differs: Record<string, string> = {
      'examples/xdp_loop.o:xdp_loop': 'bpf_loop callback walked once, not until it converges',
      'examples/xdp_calls.o:xdp_calls': 'one instruction more around the global function',
    };
    const cases = records.filter((r) => r.accepted && r.processed !== undefined && !r.file.startsWith('test/verifier/corpus/'));
    const unequal: string[] = [];
    let equal = 0;
    for (const r of cases) {
      const ours = verifyObject(readFileSync(join(REPO_ROOT, r.file)), { select: { program: r.program }, logLevel: 0 }).processed;
      if (ours === r.processed) equal++;
      else if (r.file.startsWith('examples/') && !(caseName(r) in differs)) unequal.push(`${caseName(r)}: kernel ${r.processed}, xdpsim ${ours}`);
    }
    console.log(`verifier corpus: processed instructions equal the kernel's on ${equal} of ${cases.length} accepted examples and fixtures`);
    expect(unequal).toEqual([]);
  }, 120_000);

  it('lists no case that is not in the corpus', () => {
    const names = new Set(records.map(caseName));
    expect(Object.keys(listed).filter((n) => !names.has(n))).toEqual([]);
    expect(Object.keys(logDiffers).filter((n) => !names.has(n))).toEqual([]);
  });
});

const tool = verifyTool();
const missing = bpftoolMissing() ?? ('reason' in tool ? tool.reason : undefined);

describe.runIf(runsHere(missing))('verifier corpus in the kernel', () => {
  // Every fourth case, without the ones that run into the 1,000,000-instruction limit.
  const sample = records.filter((r, i) => i % 4 === 0 && r.errno !== 'E2BIG');
  it(`the kernel still gives the recorded answer for ${sample.length} cases`, () => {
    const changed: string[] = [];
    for (const r of sample) {
      const now = kernelVerdict(r.file, r.program);
      if (now.accepted !== r.accepted || now.error !== r.error || now.errno !== r.errno) {
        changed.push(`${caseName(r)}: recorded ${r.accepted ? 'accepted' : r.error}, now ${now.accepted ? 'accepted' : now.error}`);
      }
    }
    expect(changed).toEqual([]);
  });
});
