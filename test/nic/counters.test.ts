import { describe, expect, it } from 'vitest';

import { NicCounters, RX, RX_STRIDE, TX, TX_STRIDE } from '../../src/nic/counters.js';

describe('NicCounters', () => {
  it('lists per-queue counters under veth names, with device totals, as ethtool -S does', () => {
    const c = new NicCounters(2, 1);
    c.rx[0 * RX_STRIDE + RX.packets] = 3;
    c.rx[1 * RX_STRIDE + RX.packets] = 4;
    c.rx[1 * RX_STRIDE + RX.xdp_drops] = 2;
    c.tx[0 * TX_STRIDE + TX.xdp_xmit] = 5;
    const listing = c.ethtoolListing().split('\n');
    expect(listing.slice(0, 3)).toEqual(['NIC statistics:', '     rx_packets: 7', '     rx_bytes: 0']);
    expect(listing).toContain('     rx_queue_1_xdp_drops: 2');
    expect(listing).toContain('     rx_queue_0_xdp_packets: 0');
    expect(listing).toContain('     tx_queue_0_xdp_xmit: 5');
    expect(listing).toContain('     rx_queue_1_xdp_tx_errors: 0');
  });

  it('gives JSON rows per queue, and counts into the same memory from a second view (another thread)', () => {
    const a = new NicCounters(2, 2);
    const b = new NicCounters(2, 2, a.buffer);
    b.rx[1 * RX_STRIDE + RX.xdp_redirect] += 9;
    b.tx[1 * TX_STRIDE + TX.bytes] += 2 ** 40;
    const snap = a.snapshot();
    expect(snap.rx[1]).toMatchObject({ queue: 1, rx_packets: 0, xdp_redirect: 9 });
    expect(snap.tx[1]).toMatchObject({ queue: 1, tx_bytes: 2 ** 40 });
    expect(Object.keys(snap.rx[0]!)).toEqual([
      'queue', 'rx_packets', 'rx_bytes', 'xdp_packets', 'xdp_bytes', 'xdp_drops', 'xdp_aborted', 'xdp_tx', 'xdp_tx_errors', 'xdp_redirect', 'drops', 'length_errors',
    ]);
    a.reset();
    expect(b.rxTotal('xdp_redirect')).toBe(0);
  });
});
