import { printableName } from '../encoding/names.js';
import type { VirtualNic } from '../nic/device.js';
import type { Topology } from '../nic/topology.js';
import type { ModeName, ReplayOutputs, ReplayResult, ReplaySpeed } from '../replay/index.js';

/** Everything a replay's summary or JSON is made from. */
export interface ReplayReport {
  program: string;
  captures: readonly string[];
  mode: ModeName;
  device: VirtualNic;
  topology: Topology;
  result: ReplayResult;
  speed: ReplaySpeed;
  maps: ReadonlyArray<{ name: string; type: string; entries: number; maxEntries: number }>;
  /** The first exception messages (program faults, frames xdpsim stopped following). */
  exceptions: readonly string[];
  outputs?: ReplayOutputs;
}

/** The verdict counts in XDP_ACTION_NAMES order, invalid returns counted as XDP_ABORTED, as the datapath handles them. */
function verdicts(dev: VirtualNic): Record<string, number> {
  const c = dev.counters;
  return {
    XDP_ABORTED: c.verdictTotal('aborted') + c.verdictTotal('invalid'),
    XDP_DROP: c.verdictTotal('drop'),
    XDP_PASS: c.verdictTotal('pass'),
    XDP_TX: c.verdictTotal('tx'),
    XDP_REDIRECT: c.verdictTotal('redirect'),
  };
}

/**
 * Frames that arrived while the ingress device was down (see
 * receiveWhileDown): its RX dropped, or its veth peer's TX dropped.
 */
function downDrops(device: VirtualNic): number {
  return device.counters.rxTotal('dropped') + (device.peer?.counters.coreStat('tx_dropped') ?? 0);
}

function errors(report: ReplayReport): Record<string, number> {
  const c = report.device.counters;
  return {
    device_down: downDrops(report.device),
    length_errors: c.rxTotal('length_errors'),
    invalid_actions: c.verdictTotal('invalid'),
    xdp_tx_errors: c.verdictTotal('tx_errors'),
    redirect_errors: c.verdictTotal('redirect_errors'),
    link_type: report.result.linkTypeErrors,
    unwritable_outputs: report.outputs?.unwritable ?? 0,
    unsimulated: c.verdictTotal('unsimulated'),
    captures: report.result.problems.length,
  };
}

const mpps = (r: ReplayResult): number => (r.wallNs > 0 ? r.packets / (r.wallNs / 1000) : 0);

/** The replay as one JSON object (`xdpsim replay --json`). */
export function replayJson(report: ReplayReport): unknown {
  const { result, device } = report;
  const snapshot = device.counters.snapshot();
  return {
    program: report.program,
    device: device.name,
    ifindex: device.ifindex,
    mode: report.mode,
    captures: report.captures,
    loops: result.loopsDone,
    cancelled: result.cancelled,
    packets: result.packets,
    verdicts: verdicts(device),
    errors: errors(report),
    capture_errors: result.problems,
    queues: snapshot.rx.map((row, q) => ({ ...row, verdicts: withoutQueue(snapshot.verdicts[q]!) })),
    tx_queues: snapshot.tx,
    offload: snapshot.offload,
    devices: report.topology.devices().filter((d) => d !== device).map((d) => ({
      name: d.name,
      ifindex: d.ifindex,
      tx_packets: d.counters.txTotal('packets'),
      tx_bytes: d.counters.txTotal('bytes'),
      tx_dropped: d.counters.coreStat('tx_dropped'),
      xdp_xmit: d.counters.txTotal('xdp_xmit'),
    })),
    seconds: result.wallNs / 1e9,
    cpu_seconds: result.cpuNs / 1e9,
    mpps: mpps(result),
    maps: report.maps,
    exceptions: report.exceptions,
    outputs: report.outputs === undefined ? {} : Object.fromEntries(Object.entries(report.outputs.counts()).map(([name, packets]) => [name, { path: report.outputs!.paths()[name], packets }])),
  };
}

function withoutQueue<T extends { queue: number }>(row: T): Omit<T, 'queue'> {
  const { queue: _queue, ...rest } = row;
  return rest;
}

/** Columns under a header: the first `left` aligned left (names), the rest right (numbers). */
function table(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>, left = 1): string {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i < left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), ...cells.slice(1).map(line)].join('\n') + '\n';
}

const percent = (n: number, of: number): string => (of === 0 ? '' : `${((100 * n) / of).toFixed(1)}%`);

/** The summary a person reads at a glance: what ran, verdicts, each queue, errors, devices, maps, outputs. */
export function replaySummary(report: ReplayReport): string {
  const { result, device } = report;
  const c = device.counters;
  const out: string[] = [];
  const loops = result.loopsDone === 1 ? '' : ` × ${result.loopsDone} loops`;
  out.push(
    `${printableName(report.program)} on ${device.name} (${report.mode}, ${device.rxQueues} RX queue${device.rxQueues === 1 ? '' : 's'}): ` +
      `${result.packets} packets from ${report.captures.join(', ')}${loops}${result.cancelled ? ' (cancelled)' : ''}`,
  );
  out.push(`${(result.wallNs / 1e9).toFixed(3)} s, ${mpps(result).toFixed(3)} Mpps, CPU ${(result.cpuNs / 1e9).toFixed(3)} s${result.preloaded ? '' : ', streamed'}\n`);
  const v = verdicts(device);
  const ran = Object.values(v).reduce((a, b) => a + b, 0);
  out.push(table(['verdict', 'packets', ''], Object.entries(v).map(([name, n]) => [name, n, percent(n, ran)])));
  const rows = Array.from({ length: device.rxQueues }, (_, q) => {
    const s = (name: Parameters<typeof c.rxStat>[1]): number => c.rxStat(q, name);
    const verdict = c.snapshot().verdicts[q]!;
    return [q, s('packets'), s('bytes'), verdict.pass, verdict.drop, verdict.tx, verdict.redirect, verdict.aborted + verdict.invalid, s('length_errors') + s('dropped') + verdict.tx_errors + verdict.redirect_errors + verdict.unsimulated];
  });
  const total = rows.reduce((sum, r) => sum.map((n, i) => (i === 0 ? 0 : n + (r[i] as number))), new Array<number>(rows[0]!.length).fill(0));
  out.push(table(['queue', 'packets', 'bytes', 'PASS', 'DROP', 'TX', 'REDIRECT', 'ABORTED', 'errors'], [...rows, ['all', ...total.slice(1)]]));
  const errs = errors(report);
  const notes: string[] = [];
  if (errs.device_down) {
    const where = device.peer !== undefined ? `${device.peer.name}'s TX dropped: a veth whose peer is down has no carrier` : 'its RX dropped';
    notes.push(`${device.name} is down: ${errs.device_down} frames dropped before any driver received them (${where})`);
  }
  if (errs.length_errors) notes.push(`${errs.length_errors} frames shorter than 14 bytes or longer than the MTU (${device.mtu}) + 18, refused before XDP`);
  if (errs.invalid_actions) notes.push(`${errs.invalid_actions} invalid return values, handled as XDP_ABORTED`);
  if (errs.xdp_tx_errors) notes.push(`${errs.xdp_tx_errors} XDP_TX frames the device could not send`);
  if (errs.redirect_errors) notes.push(`${errs.redirect_errors} redirects that failed`);
  if (errs.link_type) notes.push(`${errs.link_type} packets not made Ethernet frames: ${result.firstLinkTypeError ?? ''}`);
  if (errs.unwritable_outputs) notes.push(`${errs.unwritable_outputs} frames not written to the outputs: ${report.outputs?.firstProblem ?? ''}`);
  if (errs.unsimulated) notes.push(`${errs.unsimulated} frames not simulated to the end, where the kernel would carry them on: dropped`);
  for (const e of report.exceptions) notes.push(e);
  if (notes.length > 0) out.push(`\n${notes.map((n) => `note: ${n}`).join('\n')}\n`);
  const others = report.topology.devices().filter((d) => d !== device);
  const sent = [device, ...others].filter((d) => d.counters.txTotal('packets') > 0);
  if (sent.length > 0) {
    out.push('\n' + table(['device', 'ifindex', 'tx_packets', 'tx_bytes', 'xdp_xmit'], sent.map((d) => [d.name, d.ifindex, d.counters.txTotal('packets'), d.counters.txTotal('bytes'), d.counters.txTotal('xdp_xmit')])));
  }
  if (report.mode === 'offload') {
    const o = c.snapshot().offload;
    out.push('\n' + table(['NIC statistic (nfp)', 'value'], Object.entries(o).map(([name, n]) => [name, n])));
  }
  if (report.maps.length > 0) {
    out.push('\n' + table(['map', 'type', 'entries'], report.maps.map((m) => [m.name, m.type, `${m.entries}/${m.maxEntries}`]), 2));
  }
  if (report.outputs !== undefined) {
    const paths = report.outputs.paths();
    out.push('\n' + table(['output', 'packets'], Object.entries(report.outputs.counts()).map(([name, n]) => [paths[name]!, n])));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}
