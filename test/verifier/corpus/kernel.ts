// The kernel's verifier as the corpus's oracle: builds verify.c (cc + libbpf)
// once into the temporary directory, then asks it about one program of an
// object at a time. Used by scripts/verifier-corpus.ts (recording) and by
// test/verifier/corpus.test.ts (checking that the record still holds).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseObject } from '../../../src/elf/index.js';

/** The repository root (found upwards, so this also works compiled into .tmp/); case files are named relative to it. */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
/** The folder of the corpus. */
export const CORPUS_DIR = join(REPO_ROOT, 'test/verifier/corpus');
/** How many lines of the log's end a record keeps. */
export const TAIL_LINES = 15;

/** One case as kernel.json records it. */
export interface KernelRecord {
  /** The object, relative to the repository root. */
  file: string;
  program: string;
  accepted: boolean;
  /** The errno name of a refusal ("EACCES", "EINVAL", "E2BIG", ...). */
  errno?: string;
  /** "libbpf" when libbpf refused before the kernel saw the program. */
  stage?: 'libbpf';
  /** The kernel's error line (libbpf's first message when stage is "libbpf"). */
  error?: string;
  /** The instruction the refusal names, when the log shows one. */
  insn?: number;
  /** The last lines of the log, before the statistics. */
  tail?: string[];
  /** Instructions the kernel processed to accept it (its statistics line). */
  processed?: number;
}

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test/verifier/corpus/verify.c'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no xdpsim checkout above ${from}`);
  }
}

const TOOL_SOURCE = join(CORPUS_DIR, 'verify.c');
let built: { path: string } | { reason: string } | undefined;

/** Builds the loader (keyed by a hash of its source); the path, or why not. */
export function verifyTool(): { path: string } | { reason: string } {
  if (built) return built;
  if (process.platform !== 'linux') return (built = { reason: `BPF needs Linux; this is ${process.platform}` });
  const source = readFileSync(TOOL_SOURCE);
  const dir = join(tmpdir(), `xdpsim-corpus-verify-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  const path = join(dir, 'verify');
  if (existsSync(path)) return (built = { path });
  mkdirSync(dir, { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  const cc = spawnSync('cc', ['-O2', '-Wall', '-o', partial, TOOL_SOURCE, '-lbpf', '-lelf', '-lz'], { encoding: 'utf8' });
  if (cc.error) return (built = { reason: `cannot run the C compiler (cc): ${cc.error.message}` });
  if (cc.status !== 0) {
    rmSync(partial, { force: true });
    const why = cc.stderr.split('\n').find((l) => l.includes('error')) ?? cc.stderr.trim();
    return (built = { reason: `building the corpus loader failed (libbpf-dev, libelf-dev, zlib?): ${why}` });
  }
  renameSync(partial, path);
  return (built = { path });
}

function tool(): string {
  const t = verifyTool();
  if ('reason' in t) throw new Error(t.reason);
  return t.path;
}

/** The programs of an object that libbpf loads as XDP (sections it does not know included, as iproute2 does). */
export function xdpPrograms(file: string): string[] {
  const run = spawnSync(tool(), ['--list', resolve(REPO_ROOT, file)], { encoding: 'utf8' });
  if (run.status !== 0) {
    // libbpf cannot open it (legacy map definitions): the programs xdpsim finds, as iproute2 would load them.
    return parseObject(readFileSync(resolve(REPO_ROOT, file))).programs.map((p) => p.name);
  }
  return run.stdout
    .split('\n')
    .filter((l) => l.endsWith(' xdp'))
    .map((l) => l.split(' ')[0]!);
}

const STATS = /processed \d+ insns \(limit \d+\)/;
const STATE_DUMP = /^(cur state:|old state:|\d+: R\d|\d+: \(|;|\s*$)/;

/**
 * The kernel's error line: the last line before the statistics, skipping the
 * state dumps some refusals print after it (infinite loop: cur/old state). A
 * message the kernel ends without a newline shares its line with the
 * statistics; the part before them is the message.
 */
export function errorLine(log: string): { error?: string; insn?: number; tail: string[] } {
  const lines = log.split('\n');
  let end = lines.findIndex((l) => STATS.test(l));
  let error: string | undefined;
  if (end < 0) end = lines.length;
  else {
    const before = lines[end]!.slice(0, lines[end]!.search(STATS));
    if (before.length > 0) error = before;
  }
  const body = lines.slice(0, end);
  while (body.length > 0 && body[body.length - 1]!.trim() === '') body.pop();
  let i = body.length - 1;
  if (error === undefined) {
    while (i >= 0 && /^(cur state:|old state:)/.test(body[i]!)) i--;
    if (i >= 0 && !STATE_DUMP.test(body[i]!)) error = body[i];
  }
  // The instruction: the last one the log printed before the error, or the
  // one the message names (check_cfg's messages come before any is printed).
  let insn: number | undefined;
  for (let j = Math.min(i, body.length - 1); j >= 0; j--) {
    const m = /^(\d+): \(/.exec(body[j]!);
    if (m) {
      insn = Number(m[1]);
      break;
    }
  }
  if (insn === undefined && error !== undefined) {
    const m = /insn (\d+)/.exec(error);
    if (m) insn = Number(m[1]);
  }
  const tail = body.slice(-TAIL_LINES);
  if (error !== undefined && tail[tail.length - 1] !== error) tail.push(error);
  return { ...(error !== undefined && { error }), ...(insn !== undefined && { insn }), tail };
}

/** Loads `program` of `file` (relative to the repository root) in the kernel and returns its record. */
export function kernelVerdict(file: string, program: string): KernelRecord {
  const run = spawnSync(tool(), [resolve(REPO_ROOT, file), program], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`verifying ${file} ${program} failed: ${run.stderr.trim()}`);
  const out = JSON.parse(run.stdout) as { accepted: boolean; errno: string; stage: string; log: string; libbpf: string };
  if (out.accepted) {
    const processed = /processed (\d+) insns/.exec(out.log)?.[1];
    return { file, program, accepted: true, ...(processed !== undefined && { processed: Number(processed) }) };
  }
  if (out.stage === 'libbpf') {
    const first = out.libbpf.split('\n').find((l) => l.length > 0) ?? '';
    return { file, program, accepted: false, errno: out.errno, stage: 'libbpf', error: first.replace(/^libbpf: /, ''), tail: out.libbpf.split('\n').filter((l) => l.length > 0).slice(-TAIL_LINES) };
  }
  const { error, insn, tail } = errorLine(out.log);
  return { file, program, accepted: false, errno: out.errno, ...(error !== undefined && { error }), ...(insn !== undefined && { insn }), tail };
}
