import { sdivmod64, toSafeInteger } from '../vm/int64.js';
import { toKtime, type Nanoseconds } from './clock.js';

const split = new Int32Array(2);

/**
 * A trace_pipe line as the kernel prints one for bpf_trace_printk:
 * `<comm>-<pid> [<cpu>] <flags> <seconds>.<micros>: bpf_trace_printk: <message>`,
 * with the kernel's field widths. The flags are those a test run shows
 * (`b..11`: BH disabled, preempt depth 1, migration disabled).
 */
export function formatTraceLine(message: string, cpu: number, ns: Nanoseconds, comm = 'xdpsim', pid = process.pid): string {
  const t = toKtime(ns);
  sdivmod64(split, 0, t[0]!, t[1]!, 1_000_000_000, 0, false);
  const secs = String(toSafeInteger(split[0]!, split[1]!)).padStart(5);
  sdivmod64(split, 0, t[0]!, t[1]!, 1_000_000_000, 0, true);
  const micros = String(Math.trunc(split[0]! / 1000)).padStart(6, '0');
  return `${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] b..11 ${secs}.${micros}: bpf_trace_printk: ${message}`;
}
