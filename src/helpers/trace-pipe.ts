/**
 * A trace_pipe line as the kernel prints one for bpf_trace_printk:
 * `<comm>-<pid> [<cpu>] <flags> <seconds>.<micros>: bpf_trace_printk: <message>`,
 * with the kernel's field widths. The flags are those a test run shows
 * (`b..11`: BH disabled, preempt depth 1, migration disabled).
 */
export function formatTraceLine(message: string, cpu: number, ns: bigint, comm = 'xdpsim', pid = process.pid): string {
  const secs = (ns / 1_000_000_000n).toString().padStart(5);
  const micros = ((ns % 1_000_000_000n) / 1000n).toString().padStart(6, '0');
  return `${comm.padStart(16)}-${String(pid).padEnd(7)} [${String(cpu).padStart(3, '0')}] b..11 ${secs}.${micros}: bpf_trace_printk: ${message}`;
}
