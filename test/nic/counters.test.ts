import { describe, expect, it } from 'vitest';

import { CORE, NicCounters, OFFLOAD, RX, RX_STRIDE, TX, TX_STRIDE } from '../../src/nic/counters.js';

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
    const b = new NicCounters(2, 2, 1, { buffer: a.buffer, thread: 0 });
    b.rx[1 * RX_STRIDE + RX.xdp_redirect] += 9;
    b.tx[1 * TX_STRIDE + TX.bytes] += 2 ** 40;
    const snap = a.snapshot();
    expect(snap.rx[1]).toMatchObject({ queue: 1, rx_packets: 0, xdp_redirect: 9 });
    expect(snap.tx[1]).toMatchObject({ queue: 1, tx_bytes: 2 ** 40 });
    expect(Object.keys(snap.rx[0]!)).toEqual([
      'queue', 'rx_packets', 'rx_bytes', 'xdp_packets', 'xdp_bytes', 'xdp_drops', 'xdp_aborted', 'xdp_tx', 'xdp_tx_errors', 'xdp_redirect', 'drops', 'length_errors', 'rx_dropped',
    ]);
    expect(Object.keys(snap.tx[0]!)).toEqual(['queue', 'tx_packets', 'tx_bytes', 'xdp_xmit', 'xdp_xmit_errors']);
    expect(snap.core).toEqual({ tx_dropped: 0 });
    a.reset();
    expect(b.rxTotal('xdp_redirect')).toBe(0);
  });
});

describe('NicCounters across threads', () => {
  it('gives each thread a TX and offload block of its own and adds them up for readers', () => {
    const main = new NicCounters(2, 1, 3);
    const w1 = new NicCounters(2, 1, 3, { buffer: main.buffer, thread: 1 });
    const w2 = new NicCounters(2, 1, 3, { buffer: main.buffer, thread: 2 });
    w1.tx[0 * TX_STRIDE + TX.xdp_xmit] += 4;
    w2.tx[0 * TX_STRIDE + TX.xdp_xmit] += 5;
    w2.offload[OFFLOAD.bpf_pass_pkts] += 2;
    // The device's own counts (dev_core_stats) too, not any queue's.
    w1.core[CORE.tx_dropped] += 3;
    main.core[CORE.tx_dropped] += 1;
    // RX queues are one thread's each, so every view shares one block.
    w1.rx[1 * RX_STRIDE + RX.packets] += 7;
    expect(main.txStat(0, 'xdp_xmit')).toBe(9);
    expect(main.tx[0 * TX_STRIDE + TX.xdp_xmit]).toBe(0);
    expect(main.snapshot().offload.bpf_pass_pkts).toBe(2);
    expect(main.rxStat(1, 'packets')).toBe(7);
    expect(main.ethtoolListing()).toContain('     tx_queue_0_xdp_xmit: 9\n');
    expect([main.coreStat('tx_dropped'), main.snapshot().core, w2.coreStat('tx_dropped')]).toEqual([4, { tx_dropped: 4 }, 4]);
    expect(main.ethtoolListing()).toContain('     tx_bytes: 0\n     tx_dropped: 4\n');
    expect(() => new NicCounters(2, 1, 2, { buffer: main.buffer, thread: 1 })).toThrow(RangeError);
  });
});
