// probe_read_kernel, strncmp, snprintf, check_mtu, fib_lookup and spin locks
// against the kernel. BPF_PROG_TEST_RUN runs on lo (ifindex 1, MTU 65536,
// forwarding off on this host), so xdpsim is given the same device.
import { describe, expect, it } from 'vitest';
import { FibTable } from '../../src/helpers/fib-table.js';
import { concat } from '../oracle/packets.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';
import type { LoadOptions } from '../../src/loader/load.js';

skipWithoutKernel();

const OBJ = fixture('misc_helpers');
const FRAME = concat(new Uint8Array(14), new Uint8Array(46));

const values = (hexRows: Array<[string, unknown]>): bigint[] => hexRows.map(([, v]) => Buffer.from(v as string, 'hex').readBigInt64LE(0));

/** lo as this host has it. */
const onLoopback = (): LoadOptions => ({
  mtu: 65536,
  fib: new FibTable().addDevice({ ifindex: 1, mac: '00:00:00:00:00:00', mtu: 65536, forwarding: false }),
});

describe('helpers on memory, strings, MTU, routes and locks', () => {
  it('bpf_probe_read_kernel: -ERANGE for the NULL page, -EFAULT unmapped, the destination zeroed', () => {
    const { kernel } = agree(OBJ, 'xdp_probe_read', [FRAME]);
    expect(values(kernel.maps.rows!).slice(0, 8)).toEqual([-34n, 0n, -34n, 0n, -14n, -34n, 0n, 0x0123456789abcdefn]);
  });

  it('bpf_strncmp and bpf_snprintf', () => {
    const { kernel } = agree(OBJ, 'xdp_strings', [FRAME]);
    expect(values(kernel.maps.rows!).slice(0, 5)).toEqual([-1n, 0n, 1n, -1n, 1n]);
    const text = (i: number) => Buffer.from(kernel.maps.texts![i]![1] as string, 'hex');
    expect(text(0).readBigInt64LE(0)).toBe(21n);
    expect(text(0).subarray(8, 29).toString('latin1')).toBe('-42-xdp|    7|beef|Z\0');
    expect(text(1).subarray(8, 14).toString('latin1')).toBe('-42-x\0');
  });

  it('bpf_check_mtu against the device it runs on and another one', () => {
    const { kernel } = agree(OBJ, 'xdp_mtu', [FRAME], [], onLoopback());
    expect(values(kernel.maps.rows!).slice(0, 12)).toEqual([0n, 65536n, 0n, 65536n, 0n, 65536n, -19n, 77n, -22n, 77n, 0n, 1n]);
  });

  it('bpf_fib_lookup: argument errors, unknown devices, link-local IPv6 and forwarding off', () => {
    const { kernel } = agree(OBJ, 'xdp_fib', [FRAME], [], onLoopback());
    expect(values(kernel.maps.rows!).slice(0, 8)).toEqual([-22n, -22n, -97n, -19n, 5n, 4n, 5n, 5n]);
  });

  it('bpf_spin_lock / bpf_spin_unlock around a counter', () => {
    const { kernel } = agree(OBJ, 'xdp_spin_lock', [FRAME, FRAME, FRAME]);
    expect(kernel.maps.counters).toEqual([['00000000', '0000000003000000']]);
  });
});
