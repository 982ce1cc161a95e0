// The real kernel as a test oracle: builds the C harness in this folder once
// (cc + libbpf), then runs objects through BPF_PROG_TEST_RUN with it and
// returns its JSON lines, the same lines `xdpsim run --jsonl` prints.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type KernelAvailability = { ok: true } | { ok: false; reason: string };

/** One map update applied after loading and before the first frame. */
export interface MapUpdate {
  map: string;
  key: Uint8Array;
  /** For per-CPU maps: one CPU's value, stored for every CPU. */
  value: Uint8Array;
}

export interface KernelRunOptions {
  /** Run the program in this ELF section (it must hold only one). */
  sec?: string;
  /** Run the program with this function name. */
  program?: string;
  setup?: readonly MapUpdate[];
  frames: readonly Uint8Array[];
}

/** The kernel ran frame `i`; `out` is data_out in hex (metadata, data, fragments). */
export interface FrameRun {
  i: number;
  verdict: number;
  len: number;
  out: string;
}

/** The kernel refused frame `i`; `err` is strerror() of its error. */
export interface FrameRefused {
  i: number;
  err: string;
}

export type FrameResult = FrameRun | FrameRefused;

/** Hex value, or for per-CPU maps one hex value per possible CPU. */
export type MapValue = string | string[];

/** Map name (libbpf's, e.g. "xdp_glob.bss") to [key, value] pairs in the kernel's iteration order. */
export type MapsDump = Record<string, Array<[string, MapValue]>>;

export interface KernelRun {
  /** The harness output as printed, one JSON text per line. */
  lines: string[];
  frames: FrameResult[];
  maps: MapsDump;
}

export class KernelOracleError extends Error {
  override name = 'KernelOracleError';
}

const HARNESS_DIR = dirname(fileURLToPath(import.meta.url));
const HARNESS_TIMEOUT_MS = 120_000;
const OUTPUT_LIMIT = 512 * 1024 * 1024;

let built: { path: string } | { reason: string } | undefined;
let availability: KernelAvailability | undefined;

function harnessSources(): string[] {
  return readdirSync(HARNESS_DIR)
    .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
    .sort()
    .map((f) => join(HARNESS_DIR, f));
}

// The binary is keyed by a hash of its sources, so concurrent test workers
// share one build and an edited harness gets rebuilt.
function buildHarness(): { path: string } | { reason: string } {
  if (built) return built;
  if (process.platform !== 'linux') return (built = { reason: `BPF needs Linux; this is ${process.platform}` });
  const sources = harnessSources();
  const hash = createHash('sha256');
  for (const s of sources) hash.update(s).update(readFileSync(s));
  const dir = join(tmpdir(), `xdpsim-oracle-${hash.digest('hex').slice(0, 16)}`);
  const path = join(dir, 'xdp_oracle');
  if (existsSync(path)) return (built = { path });

  mkdirSync(dir, { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  const cc = spawnSync(
    'cc',
    ['-O2', '-Wall', '-o', partial, ...sources.filter((s) => s.endsWith('.c')), '-lbpf', '-lelf', '-lz'],
    { encoding: 'utf8', timeout: HARNESS_TIMEOUT_MS },
  );
  if (cc.error) return (built = { reason: `cannot run the C compiler (cc): ${cc.error.message}` });
  if (cc.status !== 0) {
    rmSync(partial, { force: true });
    const why = cc.stderr.split('\n').find((l) => l.includes('error')) ?? cc.stderr.trim();
    return (built = { reason: `building the kernel harness failed (libbpf-dev, libelf-dev, zlib?): ${why}` });
  }
  renameSync(partial, path);
  return (built = { path });
}

/** Whether this process can load and run XDP programs in the kernel, and why not. */
export function kernelAvailable(): KernelAvailability {
  if (availability) return availability;
  const harness = buildHarness();
  if ('reason' in harness) return (availability = { ok: false, reason: harness.reason });
  const probe = spawnSync(harness.path, ['--probe'], { encoding: 'utf8', timeout: HARNESS_TIMEOUT_MS });
  if (probe.error) return (availability = { ok: false, reason: `cannot run the harness: ${probe.error.message}` });
  if (probe.status !== 0 || probe.stdout.trim() !== 'ok') {
    const why = probe.stderr.trim() || `the probe exited with status ${probe.status}`;
    return (availability = { ok: false, reason: `BPF is not usable here: ${why.replace(/^xdp_oracle: /, '')}` });
  }
  return (availability = { ok: true });
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function encodeFrames(frames: readonly Uint8Array[]): Buffer {
  const total = frames.reduce((n, f) => n + 4 + f.length, 0);
  const out = Buffer.alloc(total);
  let at = 0;
  for (const f of frames) {
    out.writeUInt32LE(f.length, at);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

function isHex(v: unknown): v is string {
  return typeof v === 'string' && /^(?:[0-9a-f]{2})*$/.test(v);
}

function parseMaps(v: unknown, line: string): MapsDump {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badLine(line);
  const maps: MapsDump = {};
  for (const [name, entries] of Object.entries(v)) {
    if (!Array.isArray(entries)) throw badLine(line);
    maps[name] = entries.map((e: unknown): [string, MapValue] => {
      if (!Array.isArray(e) || e.length !== 2 || !isHex(e[0])) throw badLine(line);
      const value: unknown = e[1];
      if (isHex(value)) return [e[0], value];
      if (Array.isArray(value) && value.every(isHex)) return [e[0], value];
      throw badLine(line);
    });
  }
  return maps;
}

function badLine(line: string): KernelOracleError {
  return new KernelOracleError(`unexpected harness output line: ${line.slice(0, 200)}`);
}

function parseOutput(stdout: string): KernelRun {
  const lines = stdout.split('\n').filter((l) => l.length > 0);
  const frames: FrameResult[] = [];
  let maps: MapsDump | undefined;
  for (const line of lines) {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw badLine(line);
    }
    if (typeof v !== 'object' || v === null || maps !== undefined) throw badLine(line);
    const o = v as Record<string, unknown>;
    if ('maps' in o) {
      maps = parseMaps(o.maps, line);
    } else if (typeof o.i === 'number' && typeof o.err === 'string') {
      frames.push({ i: o.i, err: o.err });
    } else if (typeof o.i === 'number' && typeof o.verdict === 'number' && typeof o.len === 'number' && isHex(o.out)) {
      frames.push({ i: o.i, verdict: o.verdict, len: o.len, out: o.out });
    } else {
      throw badLine(line);
    }
  }
  if (maps === undefined) throw new KernelOracleError('the harness printed no maps line');
  return { lines, frames, maps };
}

/**
 * Loads `objPath` into the kernel, applies `setup`, runs every frame once
 * through BPF_PROG_TEST_RUN (pinned to CPU 0) and returns what the kernel said.
 * Throws KernelOracleError when BPF is unusable or the kernel refuses the object
 * (the message then carries libbpf's and the verifier's explanation).
 */
export function runInKernel(objPath: string, options: KernelRunOptions): KernelRun {
  const available = kernelAvailable();
  if (!available.ok) throw new KernelOracleError(available.reason);
  const harness = buildHarness();
  if ('reason' in harness) throw new KernelOracleError(harness.reason);
  if (options.sec !== undefined && options.program !== undefined) {
    throw new KernelOracleError('choose the program by sec or by program, not both');
  }

  const args: string[] = [];
  if (options.sec !== undefined) args.push('--sec', options.sec);
  if (options.program !== undefined) args.push('--program', options.program);
  for (const u of options.setup ?? []) {
    if (!/^[^\s#]+$/.test(u.map)) throw new KernelOracleError(`map name ${JSON.stringify(u.map)} cannot be set up`);
  }
  // Frames go through a file, not a pipe: the harness may refuse the object
  // and exit before it reads a byte.
  const dir = mkdtempSync(join(tmpdir(), 'xdpsim-oracle-run-'));
  try {
    if (options.setup && options.setup.length > 0) {
      const setup = join(dir, 'setup');
      writeFileSync(setup, options.setup.map((u) => `${u.map} ${toHex(u.key)} ${toHex(u.value)}\n`).join(''));
      args.push('--setup', setup);
    }
    const frames = join(dir, 'frames');
    writeFileSync(frames, encodeFrames(options.frames));
    // Absolute, so that no object path can read as an option.
    args.push(resolve(objPath), frames);
    const run = spawnSync(harness.path, args, { encoding: 'utf8', maxBuffer: OUTPUT_LIMIT, timeout: HARNESS_TIMEOUT_MS });
    if (run.error) throw new KernelOracleError(`running the harness failed: ${run.error.message}`);
    if (run.status !== 0) {
      throw new KernelOracleError(`the kernel harness failed on ${objPath}:\n${run.stderr.trim()}`);
    }
    return parseOutput(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The verifier's answer, per helper id, to an XDP program calling it with
 * R1-R5 zero under `license`: "ok" or the last line of its log.
 */
export function helperVerdicts(license: string): Map<number, string> {
  const available = kernelAvailable();
  if (!available.ok) throw new KernelOracleError(available.reason);
  const harness = buildHarness();
  if ('reason' in harness) throw new KernelOracleError(harness.reason);
  const run = spawnSync(harness.path, ['--helpers', license], { encoding: 'utf8', timeout: HARNESS_TIMEOUT_MS });
  if (run.error || run.status !== 0) throw new KernelOracleError(`the helper probe failed: ${run.error?.message ?? run.stderr.trim()}`);
  return new Map(
    run.stdout
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l): [number, string] => {
        const tab = l.indexOf('\t');
        return [Number(l.slice(0, tab)), l.slice(tab + 1)];
      }),
  );
}
