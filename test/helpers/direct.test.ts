// Helpers called directly: the paths the kernel's verifier keeps programs
// from reaching (they fault here, with the verifier's or lockdep's reason),
// and argument checks that no test object can provoke.
import { describe, expect, it } from 'vitest';
import { FibConfigError, FibTable } from '../../src/helpers/fib-table.js';
import { fibLookup } from '../../src/helpers/fib.js';
import * as id from '../../src/uapi/func-ids.js';
import { EINVAL } from '../../src/uapi/errno.js';
import { mapFuncCompatible } from '../../src/helpers/map-compat.js';
import { checkMtu } from '../../src/helpers/mtu.js';
import { probeReadKernel } from '../../src/helpers/probe-read.js';
import { mapPushElem, mapTakeElem } from '../../src/helpers/queue-stack.js';
import { redirectMap } from '../../src/helpers/redirect-map.js';
import { ringbufCommit, ringbufOutput, ringbufQuery, ringbufReserve } from '../../src/helpers/ringbuf.js';
import { snprintf } from '../../src/helpers/snprintf.js';
import { spinLock, spinUnlock } from '../../src/helpers/spin-lock.js';
import { strncmp } from '../../src/helpers/strncmp.js';
import { HELPER_PROTOS } from '../../src/helpers/protos.js';
import { xdpHelpers } from '../../src/helpers/xdp-table.js';
import {
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_CPUMAP,
  BPF_MAP_TYPE_DEVMAP,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_RINGBUF,
  BPF_MAP_TYPE_STACK,
  BPF_MAP_TYPE_XSKMAP,
} from '../../src/uapi/bpf.js';
import type { XskMap } from '../../src/maps/xskmap.js';
import { RuntimeError } from '../../src/vm/errors.js';
import { bench } from './direct.js';

const spec = (type: number, keySize: number, valueSize: number, maxEntries: number, name = 'm') => ({ name, type, keySize, valueSize, maxEntries, flags: 0 });
const cstr = (b: ReturnType<typeof bench>, at: number, s: string) => b.memory.u8.set(Buffer.from(`${s}\0`, 'latin1'), at);

describe('which maps a helper takes (check_map_func_compatibility)', () => {
  it('follows both the map type and the helper', () => {
    expect(mapFuncCompatible(BPF_MAP_TYPE_DEVMAP, id.BPF_FUNC_map_lookup_elem)).toBe(true);
    expect(mapFuncCompatible(BPF_MAP_TYPE_CPUMAP, id.BPF_FUNC_map_lookup_elem)).toBe(false);
    expect(mapFuncCompatible(BPF_MAP_TYPE_XSKMAP, id.BPF_FUNC_map_lookup_elem)).toBe(true);
    expect(mapFuncCompatible(BPF_MAP_TYPE_DEVMAP, id.BPF_FUNC_map_update_elem)).toBe(false);
    expect(mapFuncCompatible(BPF_MAP_TYPE_PROG_ARRAY, id.BPF_FUNC_tail_call)).toBe(true);
    expect(mapFuncCompatible(BPF_MAP_TYPE_ARRAY, id.BPF_FUNC_tail_call)).toBe(false);
    expect(mapFuncCompatible(BPF_MAP_TYPE_HASH, id.BPF_FUNC_map_update_elem)).toBe(true);
    expect(mapFuncCompatible(BPF_MAP_TYPE_HASH, id.BPF_FUNC_map_push_elem)).toBe(false);
    expect(mapFuncCompatible(BPF_MAP_TYPE_QUEUE, id.BPF_FUNC_map_lookup_elem)).toBe(false);
    expect(mapFuncCompatible(BPF_MAP_TYPE_RINGBUF, id.BPF_FUNC_ringbuf_query)).toBe(true);
  });

  it('bpf_map_update_elem reads its flags as a u64: a high bit or bit 31 is -EINVAL, as every map type refuses them first', () => {
    const b = bench([spec(BPF_MAP_TYPE_ARRAY, 4, 4, 2), spec(BPF_MAP_TYPE_HASH, 4, 4, 2)]);
    const update = xdpHelpers(b.state, () => []).get(id.BPF_FUNC_map_update_elem)!;
    b.memory.view.setUint32(b.scratch, 1, true);
    for (const map of b.maps) {
      for (const flags of [1n << 32n, 0x8000_0000n, 0xffff_ffff_0000_0000n]) {
        expect(b.call(update, map.address, b.scratch, b.scratch + 8, flags)).toBe(BigInt(-EINVAL));
      }
      expect(b.call(update, map.address, b.scratch, b.scratch + 8, 0)).toBe(0n);
    }
  });

  it('faults in the verifier\'s words', () => {
    const b = bench([spec(BPF_MAP_TYPE_ARRAY, 4, 4, 1)]);
    const table = xdpHelpers(b.state, () => []);
    const helper = (func: number) => table.get(func)!;
    expect(() => b.call(helper(id.BPF_FUNC_redirect_map), b.maps[0]!.address, 0, 0)).toThrow(RuntimeError);
    expect(() => b.call(helper(id.BPF_FUNC_redirect_map), b.maps[0]!.address, 0, 0)).toThrow('cannot pass map_type 2 into func bpf_redirect_map#51');
    expect(() => b.call(helper(id.BPF_FUNC_ringbuf_reserve), b.maps[0]!.address, 8, 0)).toThrow('cannot pass map_type 2 into func bpf_ringbuf_reserve#131');
    expect(() => b.call(helper(id.BPF_FUNC_map_push_elem), b.maps[0]!.address, b.scratch, 0)).toThrow('bpf_map_push_elem#87');
    // The answer is per map type: an allowed type passes after a refused one, and the refused one stays refused.
    const q = bench([spec(BPF_MAP_TYPE_QUEUE, 0, 4, 2)]);
    expect(q.call(xdpHelpers(q.state, () => []).get(id.BPF_FUNC_map_push_elem)!, q.maps[0]!.address, q.scratch, 0)).toBe(0n);
  });

  it('registers the new helpers for XDP, the GPL-only ones as such', () => {
    const table = xdpHelpers(bench().state, () => []);
    for (const h of [12, 51, 69, 87, 88, 89, 93, 94, 113, 130, 131, 132, 133, 134, 163, 165, 182, 25]) expect(table.has(h)).toBe(true);
    for (const h of [id.BPF_FUNC_fib_lookup, id.BPF_FUNC_check_mtu, id.BPF_FUNC_snprintf, id.BPF_FUNC_perf_event_output]) {
      expect(HELPER_PROTOS.get(h)!.gplOnly).toBe(true);
    }
    for (const h of [id.BPF_FUNC_strncmp, id.BPF_FUNC_redirect_map, id.BPF_FUNC_ringbuf_output, id.BPF_FUNC_map_push_elem]) {
      expect(HELPER_PROTOS.get(h)!.gplOnly).toBe(false);
    }
  });
});

describe('faults where the kernel would have refused the program', () => {
  it('bpf_spin_lock: a held lock is a deadlock, a free one cannot be released', () => {
    const b = bench();
    expect(b.call(spinLock, b.scratch)).toBe(0n);
    expect(() => b.call(spinLock, b.scratch)).toThrow(/already held \(deadlock\)/);
    expect(b.call(spinUnlock, b.scratch)).toBe(0n);
    expect(() => b.call(spinUnlock, b.scratch)).toThrow(/is not held/);
    expect(() => b.call(spinLock, b.scratch + 2)).toThrow(/not 4-byte aligned/);
    expect(() => b.call(spinLock, b.rodata)).toThrow(/read-only/);
  });

  it('bpf_spin_lock: one lock at a time, as the verifier allows', () => {
    const b = bench();
    expect(b.call(spinLock, b.scratch)).toBe(0n);
    expect(() => b.call(spinLock, b.scratch + 8)).toThrow('Locking two bpf_spin_locks are not allowed');
    expect(b.call(spinUnlock, b.scratch)).toBe(0n);
    expect(b.call(spinLock, b.scratch + 8)).toBe(0n);
    expect(b.call(spinUnlock, b.scratch + 8)).toBe(0n);
  });

  it('bpf_ringbuf_submit / discard: only a reserved, uncommitted record', () => {
    const b = bench([spec(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096)]);
    const ring = b.maps[0]!.address;
    const sample = Number(b.call(ringbufReserve(b.state), ring, 16, 0));
    expect(sample).toBeGreaterThan(0);
    expect(() => b.call(ringbufCommit(b.state, false), b.scratch, 0)).toThrow(/not a reserved, uncommitted ring buffer record/);
    expect(b.call(ringbufCommit(b.state, true), sample, 0)).toBe(0n);
    expect(() => b.call(ringbufCommit(b.state, false), sample, 0)).toThrow(/bpf_ringbuf_submit/);
    expect(b.call(ringbufReserve(b.state), ring, 2n ** 32n, 0)).toBe(0n);
    expect(b.call(ringbufOutput(b.state), ring, b.scratch, 8, 1n << 32n)).toBe(-22n);
    expect(b.call(ringbufQuery(b.state), ring, 1)).toBe(4096n);
    expect(b.call(ringbufQuery(b.state), ring, 1n << 32n)).toBe(0n);
  });
});

describe('argument checks', () => {
  it('queue and stack helpers refuse 64-bit flags and zero the value on an empty pop', () => {
    const b = bench([spec(BPF_MAP_TYPE_QUEUE, 0, 4, 2), spec(BPF_MAP_TYPE_STACK, 0, 4, 2)]);
    b.memory.view.setUint32(b.scratch, 0xdeadbeef, true);
    expect(b.call(mapPushElem(b.state), b.maps[0]!.address, b.scratch, 1n << 33n)).toBe(-22n);
    expect(b.call(mapTakeElem(b.state, true), b.maps[1]!.address, b.scratch)).toBe(-2n);
    expect(b.memory.view.getUint32(b.scratch, true)).toBe(0);
  });

  it('bpf_probe_read_kernel reads any region; outside them it zeroes and fails', () => {
    const b = bench();
    b.memory.view.setUint32(b.rodata, 0x11223344, true);
    expect(b.call(probeReadKernel, b.scratch, 4, b.rodata)).toBe(0n);
    expect(b.memory.view.getUint32(b.scratch, true)).toBe(0x11223344);
    expect(b.call(probeReadKernel, b.scratch, 4, b.rodata + 254)).toBe(-14n);
    expect(b.memory.view.getUint32(b.scratch, true)).toBe(0);
    expect(b.call(probeReadKernel, b.scratch, 0, b.rodata)).toBe(0n);
    expect(b.call(probeReadKernel, b.scratch, 0, 0x7ff)).toBe(-34n);
  });

  it('bpf_snprintf refuses what bpf_bprintf_prepare refuses, and may write nothing', () => {
    const b = bench();
    const fmt = b.scratch + 1024;
    const args = b.scratch + 2048;
    cstr(b, fmt, 'a%db');
    b.memory.view.setBigInt64(args, -5n, true);
    expect(b.call(snprintf, 0, 0, fmt, args, 8)).toBe(5n); // "a-5b" and its NUL, nothing written
    expect(b.call(snprintf, b.scratch, 16, fmt, args, 12)).toBe(-22n); // not a multiple of 8
    expect(b.call(snprintf, b.scratch, 16, fmt, args, 13 * 8)).toBe(-22n); // more than 12 arguments
    expect(b.call(snprintf, b.scratch, 16, fmt, 0, 8)).toBe(-22n); // arguments without data
    expect(b.call(snprintf, b.scratch, 16, fmt, args, 0)).toBe(-22n); // more conversions than arguments
    cstr(b, fmt, 'a%qb');
    expect(b.call(snprintf, b.scratch, 16, fmt, args, 8)).toBe(-22n); // a conversion the kernel does not know
    cstr(b, fmt, '[%s]');
    b.memory.view.setBigUint64(args, 0n, true);
    expect(b.call(snprintf, b.scratch, 16, fmt, args, 8)).toBe(3n); // an unreadable string prints as nothing
    expect(Buffer.from(b.memory.u8.subarray(b.scratch, b.scratch + 3)).toString()).toBe('[]\0');
  });

  it('bpf_strncmp wants a NUL-terminated constant string', () => {
    const b = bench();
    b.memory.u8.fill(0x41, b.rodata, b.rodata + 256);
    expect(() => b.call(strncmp, b.scratch, 4, b.rodata)).toThrow(/R3 is not a NUL-terminated constant string/);
  });

  it('bpf_check_mtu on a device of the FIB', () => {
    const b = bench();
    b.state.fib = new FibTable().addDevice({ ifindex: 5, mac: '02:00:00:00:00:05', mtu: 9000 });
    b.memory.view.setUint32(b.scratch, 0, true);
    expect(b.call(checkMtu(b.state), 0, 5, b.scratch, 9000 - 60 + 14, 0)).toBe(0n);
    expect(b.memory.view.getUint32(b.scratch, true)).toBe(9000);
    b.memory.view.setUint32(b.scratch, 0, true);
    expect(b.call(checkMtu(b.state), 0, 5, b.scratch, 9000 - 60 + 15, 0)).toBe(1n);
    b.memory.view.setUint32(b.scratch, 0, true);
    expect(b.call(checkMtu(b.state), 0, 0, b.scratch, 0, 0)).toBe(0n);
    expect(b.memory.view.getUint32(b.scratch, true)).toBe(65536); // HelperState.mtu unset: lo's, the test-run device
  });

  it('bpf_fib_lookup without a FIB knows no device, and IPv6 with no global source address fails', () => {
    const b = bench();
    const p = b.scratch;
    b.memory.u8[p] = 2;
    expect(b.call(fibLookup(b.state), 0, p, 64, 0)).toBe(-19n);
    b.state.fib = new FibTable()
      .addDevice({ ifindex: 1, mac: '02:00:00:00:00:01' })
      .addRoute({ prefix: '2001:db8::/32', ifindex: 1 })
      .addNeighbour({ ifindex: 1, address: '2001:db8::2', mac: '02:00:00:00:00:02' });
    b.memory.u8.fill(0, p, p + 64);
    b.memory.u8[p] = 10;
    b.memory.view.setUint32(p + 8, 1, true);
    b.memory.u8.set([0x20, 0x01, 0x0d, 0xb8], p + 32);
    b.memory.u8[p + 47] = 2;
    expect(b.call(fibLookup(b.state), 0, p, 64, 1 << 4)).toBe(9n);
    expect(b.call(fibLookup(b.state), 0, p, 64, 0)).toBe(0n);
  });

  it('a FIB refuses a malformed configuration', () => {
    const fib = new FibTable();
    expect(() => fib.addDevice({ ifindex: 0, mac: '02:00:00:00:00:01' })).toThrow(FibConfigError);
    expect(() => fib.addDevice({ ifindex: 1, mac: '02:00:00:00:01' })).toThrow(/bad MAC address/);
    expect(() => fib.addDevice({ ifindex: 1, mac: '02:00:00:00:00:01', addresses: ['10.0.0.256'] })).toThrow(/bad IP address/);
    expect(() => fib.addRoute({ prefix: '10.0.0.0', ifindex: 1 })).toThrow(/needs a \/length/);
    expect(() => fib.addRoute({ prefix: '10.0.0.0/33', ifindex: 1 })).toThrow(/bad prefix length/);
    expect(() => fib.addRoute({ prefix: '2001:db8::1::/64', ifindex: 1 })).toThrow(/bad IP address/);
    expect(() => fib.addRoute({ prefix: '10.0.0.0/8', ifindex: 3 })).toThrow(/no device with ifindex 3/);
    expect(() => fib.addRoute({ prefix: '10.0.0.0/8', type: 'blackhole' })).not.toThrow();
  });
});

describe('bpf_redirect_map on an xskmap', () => {
  it('redirects to a socket a program can look up, reading its queue', () => {
    const b = bench([spec(BPF_MAP_TYPE_XSKMAP, 4, 4, 2)]);
    const map = b.maps[0] as XskMap;
    map.setSocket(1, { id: 42, queueId: 3 });
    expect(b.call(redirectMap(b.state), map.address, 1, 0)).toBe(4n);
    expect(b.state.redirect.target()).toEqual({ ifindex: 1, map, key: 1, flags: 0 });
    b.memory.view.setUint32(b.scratch, 1, true);
    const at = map.lookup(b.scratch);
    expect(b.memory.view.getUint32(at, true)).toBe(3);
    expect(b.call(redirectMap(b.state), map.address, 0, 2)).toBe(2n);
    // The kernel keeps the earlier target's index, now without its map: an ifindex redirect.
    expect(b.state.redirect.target()).toEqual({ ifindex: 1, flags: 0 });
    b.state.redirect.clear();
    expect(b.call(redirectMap(b.state), map.address, 0, 2)).toBe(2n);
    expect(b.state.redirect.target()).toBeUndefined();
  });
});
