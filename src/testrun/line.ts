import { RuntimeError } from '../vm/errors.js';
import { FrameError } from '../xdp/frame-error.js';
import type { XdpProgram, XdpRunOptions } from './program.js';
import { hex } from '../maps/dump.js';

/** One result line of a test run, as `xdpsim run --jsonl` and the kernel oracle print it. */
export type FrameLine =
  | { i: number; verdict: number; len: number; out: string }
  | { i: number; err: string; reason?: string };

/** strerror() text for the errnos BPF_PROG_TEST_RUN returns for a frame. */
const STRERROR: Readonly<Record<number, string>> = {
  7: 'Argument list too long',
  12: 'Cannot allocate memory',
  22: 'Invalid argument',
};

/**
 * Runs one frame and reports it as a line. A frame the kernel refuses reports
 * the kernel's strerror text in `err` (so lines compare equal with the
 * oracle's) and ours in `reason`; a program fault (which the kernel's verifier
 * would have prevented) reports `err: "fault"` and the fault.
 */
export function runFrame(program: XdpProgram, i: number, frame: Uint8Array, options: XdpRunOptions = {}): FrameLine {
  try {
    const r = program.run(frame, options);
    return { i, verdict: r.verdict, len: r.data.length, out: hex(r.data) };
  } catch (e) {
    const line = refusedLine(i, e);
    if (line === undefined) throw e;
    return line;
  }
}

/** The line of frame `i` for a refusal (FrameError) or a fault (RuntimeError); undefined for any other error. */
export function refusedLine(i: number, e: unknown): Exclude<FrameLine, { verdict: number }> | undefined {
  if (e instanceof FrameError) return { i, err: STRERROR[e.errno] ?? `errno ${e.errno}`, reason: e.message };
  if (e instanceof RuntimeError) return { i, err: 'fault', reason: e.message };
  return undefined;
}
