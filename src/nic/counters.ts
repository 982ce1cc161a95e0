/**
 * Per-queue counters of a virtual NIC, named as veth names its XDP
 * statistics in `ethtool -S` (rx_queue_N_xdp_packets, ..., tx_queue_N_xdp_xmit),
 * with the plain packet and byte counts every driver keeps per queue and an
 * aborted count as ena keeps one. They live in a SharedArrayBuffer: each
 * queue is counted by the one thread that polls it, and any thread may read
 * a snapshot.
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

export type RxQueueStat = (typeof RX_QUEUE_STATS)[number];
export type TxQueueStat = (typeof TX_QUEUE_STATS)[number];

/** Index of each statistic within its queue's block, for the hot path (`rx[queue * RX_STRIDE + RX.xdp_drops]++`). */
export const RX = Object.freeze(Object.fromEntries(RX_QUEUE_STATS.map((s, i) => [s, i]))) as Readonly<Record<RxQueueStat, number>>;
export const TX = Object.freeze(Object.fromEntries(TX_QUEUE_STATS.map((s, i) => [s, i]))) as Readonly<Record<TxQueueStat, number>>;
export const RX_STRIDE = RX_QUEUE_STATS.length;
export const TX_STRIDE = TX_QUEUE_STATS.length;

/** One queue's counters as JSON reports them: `{"queue": 0, "rx_packets": ..., "xdp_drops": ...}`. */
export type RxQueueSnapshot = { queue: number } & Record<`rx_${'packets' | 'bytes'}`, number> & Record<Exclude<RxQueueStat, 'packets' | 'bytes'>, number>;
export type TxQueueSnapshot = { queue: number } & Record<`tx_${'packets' | 'bytes'}`, number> & Record<Exclude<TxQueueStat, 'packets' | 'bytes'>, number>;

export interface CountersSnapshot {
  rx: RxQueueSnapshot[];
  tx: TxQueueSnapshot[];
}

/**
 * The counters of one NIC. Doubles, so counts stay exact past 2^32 (to 2^53)
 * without BigInt; a block per queue, RX queues then TX queues.
 */
export class NicCounters {
  readonly rx: Float64Array;
  readonly tx: Float64Array;

  constructor(
    readonly rxQueues: number,
    readonly txQueues: number,
    /** The memory of another thread's NicCounters for the same NIC, to count into it. */
    shared?: SharedArrayBuffer,
  ) {
    const rxLength = rxQueues * RX_STRIDE;
    const buffer = shared ?? new SharedArrayBuffer((rxLength + txQueues * TX_STRIDE) * 8);
    this.rx = new Float64Array(buffer, 0, rxLength);
    this.tx = new Float64Array(buffer, rxLength * 8, txQueues * TX_STRIDE);
  }

  get buffer(): SharedArrayBuffer {
    return this.rx.buffer as SharedArrayBuffer;
  }

  rxStat(queue: number, stat: RxQueueStat): number {
    return this.rx[queue * RX_STRIDE + RX[stat]]!;
  }

  txStat(queue: number, stat: TxQueueStat): number {
    return this.tx[queue * TX_STRIDE + TX[stat]]!;
  }

  /** A statistic summed over the RX queues. */
  rxTotal(stat: RxQueueStat): number {
    let n = 0;
    for (let q = 0; q < this.rxQueues; q++) n += this.rx[q * RX_STRIDE + RX[stat]]!;
    return n;
  }

  txTotal(stat: TxQueueStat): number {
    let n = 0;
    for (let q = 0; q < this.txQueues; q++) n += this.tx[q * TX_STRIDE + TX[stat]]!;
    return n;
  }

  reset(): void {
    this.rx.fill(0);
    this.tx.fill(0);
  }

  snapshot(): CountersSnapshot {
    const rx = Array.from({ length: this.rxQueues }, (_, queue) => {
      const row: Record<string, number> = { queue };
      for (const stat of RX_QUEUE_STATS) row[stat === 'packets' || stat === 'bytes' ? `rx_${stat}` : stat] = this.rxStat(queue, stat);
      return row as RxQueueSnapshot;
    });
    const tx = Array.from({ length: this.txQueues }, (_, queue) => {
      const row: Record<string, number> = { queue };
      for (const stat of TX_QUEUE_STATS) row[stat === 'packets' || stat === 'bytes' ? `tx_${stat}` : stat] = this.txStat(queue, stat);
      return row as TxQueueSnapshot;
    });
    return { rx, tx };
  }

  /**
   * The counters as `ethtool -S DEV` lists them: device totals first
   * (rx_packets, rx_bytes, tx_packets, tx_bytes), then every queue's.
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
    for (let q = 0; q < this.rxQueues; q++) for (const stat of RX_QUEUE_STATS) line(`rx_queue_${q}_${stat}`, this.rxStat(q, stat));
    for (let q = 0; q < this.txQueues; q++) for (const stat of TX_QUEUE_STATS) line(`tx_queue_${q}_${stat}`, this.txStat(q, stat));
    return lines.join('\n') + '\n';
  }
}
