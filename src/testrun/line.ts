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
    if (e instanceof FrameError) return { i, err: STRERROR[e.errno] ?? `errno ${e.errno}`, reason: e.message };
    if (e instanceof RuntimeError) return { i, err: 'fault', reason: e.message };
    throw e;
  }
}
