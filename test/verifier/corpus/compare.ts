// xdpsim's verifier against the kernel's recorded answer for one corpus case;
// shared by test/verifier/corpus.test.ts and scripts/verifier-corpus.ts.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { XdpsimError } from '../../../src/errors/index.js';
import { verifyObject } from '../../../src/loader/verify.js';
import { CORPUS_DIR, errorLine, REPO_ROOT, type KernelRecord } from './kernel.js';

/** "folder/case" for the corpus's own cases, "file:program" for the examples and fixtures. */
export function caseName(r: Pick<KernelRecord, 'file' | 'program'>): string {
  const corpus = relative(REPO_ROOT, CORPUS_DIR) + '/';
  return r.file.startsWith(corpus) ? r.file.slice(corpus.length).replace(/\.o$/, '') : `${r.file}:${r.program}`;
}

/** How xdpsim's answer for one case compares with the kernel's. */
export interface CaseComparison {
  /**
   * Why the answers differ, or undefined when they agree. A cause starting
   * with "message:" means the decisions agree and the error lines do not.
   */
  cause?: string;
  /** For a refusal whose kernel log was recorded: the first line, from the end, where xdpsim's level-1 log differs. */
  log?: string;
}

/** A kernel address (a map's, in `r1 = 0xffff888...`): each run of the kernel, and xdpsim, has its own. */
const normalise = (line: string): string => line.replace(/0xffff[0-9a-f]{12}/g, '0xffff............');

export function compareCase(r: KernelRecord): CaseComparison {
  const withLog = !r.accepted && r.stage !== 'libbpf' && r.tail !== undefined;
  let ours: { accepted: boolean; error?: string; log?: string };
  try {
    // Named by its file, as libbpf names the object (and its global-data maps after it).
    ours = verifyObject(readFileSync(join(REPO_ROOT, r.file)), { select: { program: r.program }, logLevel: withLog ? 1 : 0, fileName: r.file });
  } catch (e) {
    // An object refused before any program reaches the verifier (as libbpf refuses it) is a refusal too.
    if (!(e instanceof XdpsimError)) return { cause: `xdpsim throws: ${(e as Error).message.split('\n')[0]}` };
    ours = { accepted: false, error: e.message };
  }
  if (ours.accepted !== r.accepted) {
    return { cause: r.accepted ? `xdpsim refuses: ${ours.error ?? '(no message)'}` : `xdpsim accepts; the kernel refuses: ${r.error ?? r.errno}` };
  }
  const cause = !r.accepted && ours.error !== r.error ? `message: xdpsim "${ours.error ?? ''}", the kernel "${r.error ?? ''}"` : undefined;
  const log = withLog && ours.log !== undefined ? logDifference(r.tail!, ours.log) : undefined;
  return { ...(cause !== undefined && { cause }), ...(log !== undefined && { log }) };
}

/** Where the last lines of `log`, cut as the kernel's recorded tail was (errorLine), differ from `tail`. */
function logDifference(tail: readonly string[], log: string): string | undefined {
  const theirs = tail.map(normalise);
  const ours = errorLine(log).tail.map(normalise);
  for (let k = 1; k <= Math.max(theirs.length, ours.length); k++) {
    const a = theirs[theirs.length - k];
    const b = ours[ours.length - k];
    if (a === undefined) return undefined;
    if (a !== b) return `line -${k}: the kernel "${a}", xdpsim ${b === undefined ? 'nothing' : `"${b}"`}`;
  }
  return undefined;
}

/** How long xdpsim may take over one case before it counts as a disagreement. */
export const CASE_TIMEOUT_MS = 60_000;

/**
 * compareCase() for every record of kernel.json, in child processes
 * (vite-node; a few at once, each over its share of the cases), each stopped
 * and restarted past any case taking over CASE_TIMEOUT_MS.
 */
export async function compareAll(records: readonly KernelRecord[]): Promise<CaseComparison[]> {
  const out: CaseComparison[] = records.map(() => ({}));
  const children = Math.max(1, Math.min(4, availableParallelism()));
  const share = Math.ceil(records.length / children);
  const ranges = Array.from({ length: children }, (_, k) => [k * share, Math.min(records.length, (k + 1) * share)] as const);
  await Promise.all(
    ranges.map(async ([start, end]) => {
      for (let next = start; next < end; ) next = await runFrom(next, end, out);
    }),
  );
  return out;
}

// Runs cases [from, end) in one child; resolves with the index to go on from.
function runFrom(from: number, end: number, out: CaseComparison[]): Promise<number> {
  const runner = join(CORPUS_DIR, 'run-xdpsim.ts');
  const viteNode = join(REPO_ROOT, 'node_modules/.bin/vite-node');
  return new Promise<number>((resolveRun, reject) => {
    const child = spawn(viteNode, [runner, String(from), String(end)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let at = from;
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        out[at] = { cause: `xdpsim takes longer than ${CASE_TIMEOUT_MS / 1000} s` };
        child.kill('SIGKILL');
        resolveRun(at + 1);
      }, ms);
    };
    // The first case also pays for the child's start.
    arm(CASE_TIMEOUT_MS + 15_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const [i, comparison] = JSON.parse(buffered.slice(0, nl)) as [number, CaseComparison];
        buffered = buffered.slice(nl + 1);
        out[i] = comparison;
        at = i + 1;
        arm(CASE_TIMEOUT_MS);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return;
      if (code !== 0) reject(new Error(`the xdpsim runner failed at case ${at}: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
      else resolveRun(end);
    });
  });
}
