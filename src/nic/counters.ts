/**
 * Per-queue counters of a virtual NIC, named as veth names its XDP
 * statistics in `ethtool -S` (rx_queue_N_xdp_packets, ..., tx_queue_N_xdp_xmit),
 * with the plain packet and byte counts every driver keeps per queue and an
 * aborted count as ena keeps one; the few the kernel keeps for a device as
 * a whole (dev_core_stats) in a block of their own. They live in a
 * SharedArrayBuffer: each queue is counted by the one thread that polls it,
 * and any thread may read a snapshot.
 */

/** What each RX queue counts, in listing order; `rx_queue_N_` precedes each in `ethtool -S`. */
export const RX_QUEUE_STATS = [
  /** Frames the queue received, XDP or not, and their bytes. */
  'packets',
  'bytes',
  /** Frames that reached the XDP program, and their bytes. */
  'xdp_packets',
  'xdp_bytes',
  /** XDP_DROP, XDP_ABORTED and invalid verdicts, as veth counts them. */
  'xdp_drops',
  /** Of those, XDP_ABORTED and invalid verdicts (an xdp:xdp_exception each). */
  'xdp_aborted',
  'xdp_tx',
  /** XDP_TX frames the TX ring did not take. */
  'xdp_tx_errors',
  'xdp_redirect',
  /** Frames dropped outside the program: failed redirects. */
  'drops',
  /** Frames the driver refused before XDP: shorter than an Ethernet header, or past the MTU. */
  'length_errors',
  /**
   * Frames that arrived while the device was down, which no driver received:
   * `ip -s link`'s RX dropped (see receiveWhileDown for who counts what).
   */
  'dropped',
] as const;

/** What each TX queue counts; `tx_queue_N_` precedes each in `ethtool -S`. */
export const TX_QUEUE_STATS = [
  /** Frames sent (by the stack, XDP_TX or ndo_xdp_xmit) and their bytes. */
  'packets',
  'bytes',
  /** Frames other devices redirected here (ndo_xdp_xmit), and those it refused. */
  'xdp_xmit',
  'xdp_xmit_errors',
] as const;

/**
 * What a device counts as a whole, whatever the queue: the kernel's
 * dev_core_stats (per CPU, added up by readers), which `ip -s link` adds to
 * the driver's own. Only what xdpsim moves is here.
 */
export const CORE_STATS = [
  /**
   * Frames dropped on the way out: `ip -s link`'s TX dropped. A veth whose
   * peer is down has no carrier, and its transmit drops what it sends
   * (dev_core_stats_tx_dropped_inc, see receiveWhileDown).
   */
  'tx_dropped',
] as const;

/**
 * What each RX queue's program returned, whatever the mode and whatever
 * became of the frame after: xdpsim's own count (no driver keeps one for
 * every action, and generic mode moves no driver counter at all), which
 * summaries and the kernel comparison read. `invalid` counts returns past
 * XDP_REDIRECT, which the datapath handles as XDP_ABORTED; `aborted` counts
 * XDP_ABORTED itself and program faults. `tx_errors` and `redirect_errors`
 * count the XDP_TX and XDP_REDIRECT frames that were then not sent, in every
 * mode (generic mode's failures move no driver counter). `unsimulated`
 * counts frames xdpsim stopped following where the kernel would go on (each
 * with an exception event): a replay that has any fails. Such a frame was
 * counted by its ingress verdict already (XDP_REDIRECT, into a cpumap), and
 * `tx_errors` and `redirect_errors` count frames whose verdict was counted
 * too: verdicts plus these may add up to more than the frames received.
 */
export const VERDICT_STATS = ['aborted', 'drop', 'pass', 'tx', 'redirect', 'invalid', 'tx_errors', 'redirect_errors', 'unsimulated'] as const;

/**
 * An offloading NIC's own statistics of its BPF program, as nfp lists them
 * in `ethtool -S` (bpf_pass is XDP_PASS, app1 XDP_DROP, app2 XDP_TX, app3
 * XDP_ABORTED and anything else), packets and bytes.
 */
export const OFFLOAD_STATS = [
  'bpf_pass_pkts',
  'bpf_pass_bytes',
  'bpf_app1_pkts',
  'bpf_app1_bytes',
  'bpf_app2_pkts',
  'bpf_app2_bytes',
  'bpf_app3_pkts',
  'bpf_app3_bytes',
] as const;

export type RxQueueStat = (typeof RX_QUEUE_STATS)[number];
export type VerdictStat = (typeof VERDICT_STATS)[number];
export type OffloadStat = (typeof OFFLOAD_STATS)[number];
export type TxQueueStat = (typeof TX_QUEUE_STATS)[number];
export type CoreStat = (typeof CORE_STATS)[number];

/** Index of each statistic within its queue's block, for the hot path (`rx[queue * RX_STRIDE + RX.xdp_drops]++`). */
export const RX = Object.freeze(Object.fromEntries(RX_QUEUE_STATS.map((s, i) => [s, i]))) as Readonly<Record<RxQueueStat, number>>;
export const TX = Object.freeze(Object.fromEntries(TX_QUEUE_STATS.map((s, i) => [s, i]))) as Readonly<Record<TxQueueStat, number>>;
/**
 * Doubles per queue's block: its statistics rounded up to a 64-byte cache
 * line, so that threads counting different queues never write one line.
 */
const lineOf = (stats: number): number => Math.ceil(stats / 8) * 8;
export const RX_STRIDE = lineOf(RX_QUEUE_STATS.length);
export const TX_STRIDE = lineOf(TX_QUEUE_STATS.length);
/** `verdicts[queue * VERDICT_STRIDE + action]` for XDP_ABORTED (0) to XDP_REDIRECT (4); VERDICT_INVALID past them. */
export const VERDICT_STRIDE = lineOf(VERDICT_STATS.length);
export const VERDICT_INVALID = 5;
export const VERDICT_TX_ERRORS = 6;
export const VERDICT_REDIRECT_ERRORS = 7;
export const VERDICT_UNSIMULATED = 8;
export const OFFLOAD = Object.freeze(Object.fromEntries(OFFLOAD_STATS.map((s, i) => [s, i]))) as Readonly<Record<OffloadStat, number>>;
export const CORE = Object.freeze(Object.fromEntries(CORE_STATS.map((s, i) => [s, i]))) as Readonly<Record<CoreStat, number>>;

/** The statistics every device keeps, named rx_ and tx_ in JSON as `ip -s link` names them. */
type DeviceStat = 'packets' | 'bytes' | 'dropped';
const isDeviceStat = (stat: string): stat is DeviceStat => stat === 'packets' || stat === 'bytes' || stat === 'dropped';

/** One queue's counters as JSON reports them: `{"queue": 0, "rx_packets": ..., "xdp_drops": ...}`. */
export type RxQueueSnapshot = { queue: number } & Record<`rx_${DeviceStat}`, number> & Record<Exclude<RxQueueStat, DeviceStat>, number>;
export type TxQueueSnapshot = { queue: number } & Record<`tx_${DeviceStat}`, number> & Record<Exclude<TxQueueStat, DeviceStat>, number>;

export type VerdictSnapshot = { queue: number } & Record<VerdictStat, number>;

export interface CountersSnapshot {
  rx: RxQueueSnapshot[];
  tx: TxQueueSnapshot[];
  verdicts: VerdictSnapshot[];
  offload: Record<OffloadStat, number>;
  /** The device's own counts (CORE_STATS), every thread's added up. */
  core: Record<CoreStat, number>;
}

/** How a NicCounters over another thread's memory counts: which of the `threads` blocks of TX and offload counters is its own. */
export interface CountersShare {
  readonly buffer: SharedArrayBuffer;
  readonly thread: number;
}

/**
 * The counters of one NIC. Doubles, so counts stay exact past 2^32 (to 2^53)
 * without BigInt; a block per queue. Each RX queue is counted by the one
 * thread that polls it, but any thread may send out of a TX queue (XDP_TX,
 * redirects), run an offloaded program's statistics and move the device's
 * own counts: as the kernel counts those under the ring's lock or per CPU,
 * each thread here counts them in a block of its own (`tx`, `offload` and
 * `core` are this thread's), and readers add the blocks up.
 */
export class NicCounters {
  readonly rx: Float64Array;
  /** This thread's TX counters. */
  readonly tx: Float64Array;
  /** Per RX queue, what the program returned (VERDICT_STATS). */
  readonly verdicts: Float64Array;
  /** This thread's count of the device's offloaded program's statistics (OFFLOAD_STATS). */
  readonly offload: Float64Array;
  /** This thread's count of the device's own statistics (CORE_STATS): `core[CORE.tx_dropped]`. */
  readonly core: Float64Array;
  readonly buffer: SharedArrayBuffer;
  /** Every thread's TX counters, offload statistics and device statistics, block after block. */
  private readonly txAll: Float64Array;
  private readonly offloadAll: Float64Array;
  private readonly coreAll: Float64Array;

  /** `threads` blocks of TX, offload and device counters, one per thread that may count into them; `share` counts into another NicCounters' memory. */
  constructor(
    readonly rxQueues: number,
    readonly txQueues: number,
    readonly threads = 1,
    share?: CountersShare,
  ) {
    const rxLength = rxQueues * RX_STRIDE;
    const txLength = txQueues * TX_STRIDE;
    const verdictLength = rxQueues * VERDICT_STRIDE;
    const offloadLength = lineOf(OFFLOAD_STATS.length);
    const coreLength = lineOf(CORE_STATS.length);
    const words = rxLength + verdictLength + threads * (txLength + offloadLength + coreLength);
    const thread = share?.thread ?? 0;
    if (!Number.isInteger(thread) || thread < 0 || thread >= threads) throw new RangeError(`thread ${thread} of ${threads}`);
    this.buffer = share?.buffer ?? new SharedArrayBuffer(words * 8);
    if (this.buffer.byteLength !== words * 8) throw new RangeError(`counters of ${words * 8} bytes cannot lie over ${this.buffer.byteLength}`);
    let at = 0;
    const take = (n: number): Float64Array => {
      const view = new Float64Array(this.buffer, at * 8, n);
      at += n;
      return view;
    };
    this.rx = take(rxLength);
    this.verdicts = take(verdictLength);
    this.txAll = take(threads * txLength);
    this.offloadAll = take(threads * offloadLength);
    this.coreAll = take(threads * coreLength);
    this.tx = this.txAll.subarray(thread * txLength, (thread + 1) * txLength);
    this.offload = this.offloadAll.subarray(thread * offloadLength, (thread + 1) * offloadLength);
    this.core = this.coreAll.subarray(thread * coreLength, (thread + 1) * coreLength);
  }

  rxStat(queue: number, stat: RxQueueStat): number {
    return this.rx[queue * RX_STRIDE + RX[stat]]!;
  }

  /** A TX queue's statistic, every thread's count of it added up. */
  txStat(queue: number, stat: TxQueueStat): number {
    const blockLength = this.txQueues * TX_STRIDE;
    let n = 0;
    for (let t = 0; t < this.threads; t++) n += this.txAll[t * blockLength + queue * TX_STRIDE + TX[stat]]!;
    return n;
  }

  /** An offloaded program's statistic, every thread's count added up. */
  offloadStat(stat: OffloadStat): number {
    let n = 0;
    for (let t = 0; t < this.threads; t++) n += this.offloadAll[t * lineOf(OFFLOAD_STATS.length) + OFFLOAD[stat]]!;
    return n;
  }

  /** One of the device's own statistics, every thread's count added up. */
  coreStat(stat: CoreStat): number {
    let n = 0;
    for (let t = 0; t < this.threads; t++) n += this.coreAll[t * lineOf(CORE_STATS.length) + CORE[stat]]!;
    return n;
  }

  /** A statistic summed over the RX queues. */
  rxTotal(stat: RxQueueStat): number {
    let n = 0;
    for (let q = 0; q < this.rxQueues; q++) n += this.rx[q * RX_STRIDE + RX[stat]]!;
    return n;
  }

  txTotal(stat: TxQueueStat): number {
    let n = 0;
    for (let q = 0; q < this.txQueues; q++) n += this.txStat(q, stat);
    return n;
  }

  /** Frames whose program returned `stat`, over every RX queue. */
  verdictTotal(stat: VerdictStat): number {
    const v = VERDICT_STATS.indexOf(stat);
    let n = 0;
    for (let q = 0; q < this.rxQueues; q++) n += this.verdicts[q * VERDICT_STRIDE + v]!;
    return n;
  }

  reset(): void {
    this.rx.fill(0);
    this.txAll.fill(0);
    this.verdicts.fill(0);
    this.offloadAll.fill(0);
    this.coreAll.fill(0);
  }

  snapshot(): CountersSnapshot {
    const rx = Array.from({ length: this.rxQueues }, (_, queue) => {
      const row: Record<string, number> = { queue };
      for (const stat of RX_QUEUE_STATS) row[isDeviceStat(stat) ? `rx_${stat}` : stat] = this.rxStat(queue, stat);
      return row as RxQueueSnapshot;
    });
    const tx = Array.from({ length: this.txQueues }, (_, queue) => {
      const row: Record<string, number> = { queue };
      for (const stat of TX_QUEUE_STATS) row[isDeviceStat(stat) ? `tx_${stat}` : stat] = this.txStat(queue, stat);
      return row as TxQueueSnapshot;
    });
    const verdicts = Array.from({ length: this.rxQueues }, (_, queue) => {
      const row: Record<string, number> = { queue };
      VERDICT_STATS.forEach((stat, i) => (row[stat] = this.verdicts[queue * VERDICT_STRIDE + i]!));
      return row as VerdictSnapshot;
    });
    const offload = Object.fromEntries(OFFLOAD_STATS.map((stat) => [stat, this.offloadStat(stat)])) as Record<OffloadStat, number>;
    const core = Object.fromEntries(CORE_STATS.map((stat) => [stat, this.coreStat(stat)])) as Record<CoreStat, number>;
    return { rx, tx, verdicts, offload, core };
  }

  /**
   * The counters as `ethtool -S DEV` lists them: device totals first
   * (rx_packets, rx_bytes, tx_packets, tx_bytes, and tx_dropped, the
   * device's own), then every queue's, then
   * an offloaded program's statistics when it counted any. The verdict
   * counts are xdpsim's own, not the driver's, and are not listed.
   */
  ethtoolListing(): string {
    const lines = ['NIC statistics:'];
    const line = (name: string, value: number): void => {
      lines.push(`     ${name}: ${value}`);
    };
    line('rx_packets', this.rxTotal('packets'));
    line('rx_bytes', this.rxTotal('bytes'));
    line('tx_packets', this.txTotal('packets'));
    line('tx_bytes', this.txTotal('bytes'));
    line('tx_dropped', this.coreStat('tx_dropped'));
    for (let q = 0; q < this.rxQueues; q++) for (const stat of RX_QUEUE_STATS) line(`rx_queue_${q}_${stat}`, this.rxStat(q, stat));
    for (let q = 0; q < this.txQueues; q++) for (const stat of TX_QUEUE_STATS) line(`tx_queue_${q}_${stat}`, this.txStat(q, stat));
    if (this.offloadAll.some((n) => n !== 0)) for (const stat of OFFLOAD_STATS) line(stat, this.offloadStat(stat));
    return lines.join('\n') + '\n';
  }
}
