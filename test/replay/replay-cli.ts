// `xdpsim replay` run in this process through main(), its output kept in
// strings: one replay costs a load and a run, not a Node start, so suites
// can replay many programs and captures within their time.
import { resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/command.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const example = (name: string): string => resolve(ROOT, 'examples', name);
export const capture = (name: string): string => resolve(ROOT, 'captures', name);

export interface Replayed {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command's counters as `--json` prints them (the fields the tests read). */
export interface ReplayJson {
  packets: number;
  loops: number;
  cancelled: boolean;
  verdicts: Record<'XDP_ABORTED' | 'XDP_DROP' | 'XDP_PASS' | 'XDP_TX' | 'XDP_REDIRECT', number>;
  errors: Record<string, number>;
  capture_errors: Array<{ capture: string; message: string; packetsBefore: number }>;
  queues: Array<Record<string, number> & { queue: number; verdicts: Record<string, number> }>;
  tx_queues: Array<Record<string, number>>;
  devices: Array<{ name: string; ifindex: number; tx_packets: number; tx_bytes: number; tx_dropped: number; xdp_xmit: number }>;
  mpps: number;
  exceptions: string[];
  outputs: Record<string, { path: string; packets: number }>;
}

/** Runs `xdpsim ARGS...` in this process. */
export async function xdpsim(args: string[]): Promise<Replayed> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdin: () => Promise.resolve(Buffer.alloc(0)),
    drain: () => Promise.resolve(),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** `xdpsim replay ARGS... --json`, which must succeed; its JSON. */
export async function replayJson(args: string[]): Promise<ReplayJson> {
  const r = await xdpsim(['replay', ...args, '--json']);
  if (r.code !== 0) throw new Error(`xdpsim replay ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ReplayJson;
}
