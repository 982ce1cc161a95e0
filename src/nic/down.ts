import { CORE, RX, RX_STRIDE } from './counters.js';
import type { VirtualNic } from './device.js';

/**
 * `count` frames that reach RX queue `queue` of a device that is down: no
 * driver receives them and no program runs (a device that is down has its
 * NAPI disabled and its rings torn down), so they are only counted, where
 * the kernel counts them. A veth's frames are sent by its peer, which has
 * no carrier while this end is down: the peer's own transmit drops them
 * (noop_enqueue, or __dev_direct_xmit for a socket that bypasses the qdisc)
 * as its TX dropped, a count of the device as a whole (both call
 * dev_core_stats_tx_dropped_inc, not any TX queue's), and this end counts
 * nothing (checked on 6.18: frames sent on vA while vB was down moved vA's
 * TX dropped only). Any other device stands for a NIC taking frames off the
 * wire, which it does not while down; a real NIC then counts nothing of
 * them, and xdpsim counts them as its RX dropped so that none is lost unseen.
 */
export function receiveWhileDown(dev: VirtualNic, queue: number, count: number): void {
  const peer = dev.peer;
  if (peer !== undefined) peer.counters.core[CORE.tx_dropped]! += count;
  else dev.counters.rx[queue * RX_STRIDE + RX.dropped]! += count;
}
