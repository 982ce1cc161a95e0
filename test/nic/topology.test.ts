import { describe, expect, it } from 'vitest';

import { validDeviceName } from '../../src/nic/device.js';
import { NicConfigError } from '../../src/nic/errors.js';
import { Topology } from '../../src/nic/topology.js';

describe('Topology and VirtualNic', () => {
  it('hands out ifindexes from 2, never reused, and finds devices by name and index', () => {
    const t = new Topology();
    const a = t.add({ name: 'eth0', rxQueues: 4 });
    const b = t.add({ name: 'eth1' });
    expect([a.ifindex, b.ifindex]).toEqual([2, 3]);
    expect([a.rxQueues, a.txQueues, a.mtu, a.address]).toEqual([4, 4, 1500, '02:00:00:00:00:02']);
    expect(t.byIfindex(3)).toBe(b);
    t.remove('eth0');
    expect(t.byIfindex(2)).toBeUndefined();
    expect(t.add({ name: 'eth0' }).ifindex).toBe(4);
    expect(() => t.add({ name: 'eth1' })).toThrow('device eth1 already exists');
    expect(() => t.device('nope')).toThrow('Cannot find device "nope"');
  });

  it('refuses what the kernel refuses: bad names, MTUs, queue counts, MACs', () => {
    expect(['eth0', 'a'.repeat(15), 'veth-x.1'].map(validDeviceName)).toEqual([true, true, true]);
    expect(['', 'a'.repeat(16), '.', '..', 'a/b', 'a:b', 'a b'].map(validDeviceName)).toEqual([false, false, false, false, false, false, false]);
    const t = new Topology();
    expect(() => t.add({ name: 'a/b' })).toThrow(NicConfigError);
    expect(() => t.add({ name: 'x', mtu: 67 })).toThrow('x: MTU must be 68..65535, not 67');
    expect(() => t.add({ name: 'x', rxQueues: 0 })).toThrow('x: RX queues must be 1..4096, not 0');
    expect(() => t.add({ name: 'x', mac: new Uint8Array(5) })).toThrow('x: a MAC address is 6 bytes, not 5');
    expect(() => t.add({ name: 'lo' })).toThrow('device lo already exists');
  });
});
