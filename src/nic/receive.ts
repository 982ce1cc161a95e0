import type { VirtualNic } from './device.js';
import { NicConfigError } from './errors.js';
import type { FrameBatch, RxPath } from './rx.js';

/**
 * Frames arriving at a device from the wire: its RSS files each on an RX
 * queue, as the NIC's hardware does, and each queue is polled with its
 * frames, a budget at a time, in the order they arrived. Allocates nothing
 * per frame.
 */
export class NicReceiver {
  /** Per queue: indexes into the batch of the frames filed there and not yet polled. */
  private readonly picks: Int32Array[];
  private readonly counts: Int32Array;

  /** `queues[q]` is RX queue q of `device`, one for each. */
  constructor(
    readonly device: VirtualNic,
    readonly queues: readonly RxPath[],
  ) {
    if (queues.length !== device.rxQueues || queues.some((rx, q) => rx.device !== device || rx.queue !== q)) {
      throw new NicConfigError(`${device.name}: a receiver needs RX queues 0..${device.rxQueues - 1} of the device, in order`);
    }
    this.picks = queues.map((rx) => new Int32Array(rx.budget));
    this.counts = new Int32Array(queues.length);
  }

  /** Receives frames `start .. end - 1` of `batch`; every queue has run and acted on its frames when it returns. */
  receive(batch: FrameBatch, start: number, end: number): void {
    const rss = this.device.rss;
    const bytes = batch.bytes;
    const counts = this.counts;
    for (let i = start; i < end; i++) {
      const at = batch.offset[i]!;
      const q = rss.queue(bytes, at, at + batch.capLen[i]!);
      const picks = this.picks[q]!;
      picks[counts[q]!] = i;
      if (++counts[q]! === picks.length) {
        this.queues[q]!.poll(batch, picks, picks.length);
        counts[q] = 0;
      }
    }
    for (let q = 0; q < counts.length; q++) {
      if (counts[q] === 0) continue;
      this.queues[q]!.poll(batch, this.picks[q]!, counts[q]!);
      counts[q] = 0;
    }
  }
}
