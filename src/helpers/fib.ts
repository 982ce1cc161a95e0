import {
  BPF_FIB_LKUP_RET_BLACKHOLE,
  BPF_FIB_LKUP_RET_FRAG_NEEDED,
  BPF_FIB_LKUP_RET_FWD_DISABLED,
  BPF_FIB_LKUP_RET_NO_NEIGH,
  BPF_FIB_LKUP_RET_NO_SRC_ADDR,
  BPF_FIB_LKUP_RET_NOT_FWDED,
  BPF_FIB_LKUP_RET_PROHIBIT,
  BPF_FIB_LKUP_RET_SUCCESS,
  BPF_FIB_LKUP_RET_UNREACHABLE,
  BPF_FIB_LOOKUP_DIRECT,
  BPF_FIB_LOOKUP_MARK,
  BPF_FIB_LOOKUP_OUTPUT,
  BPF_FIB_LOOKUP_SKIP_NEIGH,
  BPF_FIB_LOOKUP_SRC,
  BPF_FIB_LOOKUP_TBID,
} from '../uapi/bpf.js';
import { EAFNOSUPPORT, EINVAL, ENODEV } from '../uapi/errno.js';
import { RT_TABLE_MAIN } from '../uapi/rtnetlink.js';
import type { Helper } from '../vm/helper.js';
import { AF_INET, AF_INET6, type Device, type FibTable, type Route } from './fib-table.js';
import { ptrArg, type HelperState } from './state.js';

const FLAGS = BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT | BPF_FIB_LOOKUP_SKIP_NEIGH | BPF_FIB_LOOKUP_TBID |
  BPF_FIB_LOOKUP_SRC | BPF_FIB_LOOKUP_MARK;

/** struct bpf_fib_lookup. */
const SIZE = 64;
const FAMILY = 0;
const TOT_LEN = 6; // union with mtu_result
const IFINDEX = 8;
const RT_METRIC = 12;
const SRC = 16;
const DST = 32;
const TBID = 48; // union with h_vlan_proto, h_vlan_TCI
const SMAC = 52;
const DMAC = 58;

/** IP_MAX_MTU and IP6_MAX_MTU: what a route's MTU is capped at. */
const IP_MAX_MTU = 0xfff0;
const IP6_MAX_MTU = 0xffff + 40;
const IPV6_MIN_MTU = 1280;

/** The struct bpf_fib_lookup being read and filled in: the memory and its address. */
type Params = { u8: Uint8Array; view: DataView; at: number };

const routeError: Readonly<Record<string, number>> = {
  blackhole: BPF_FIB_LKUP_RET_BLACKHOLE,
  unreachable: BPF_FIB_LKUP_RET_UNREACHABLE,
  prohibit: BPF_FIB_LKUP_RET_PROHIBIT,
};

/** rt6_need_strict: multicast, link-local and loopback addresses are never forwarded. */
function needsStrict(a: Uint8Array): boolean {
  if (a[0] === 0xff) return true;
  if (a[0] === 0xfe && (a[1]! & 0xc0) === 0x80) return true;
  return a.subarray(0, 15).every((b) => b === 0) && a[15] === 1;
}

/**
 * The table a lookup searches: main (or params->tbid, which is then zeroed)
 * when direct, undefined for the rule order; -1 for a table that does not exist.
 */
function tableFor(fib: FibTable, p: Params, flags: number): number | undefined | -1 {
  if (!(flags & BPF_FIB_LOOKUP_DIRECT)) return undefined;
  let table = RT_TABLE_MAIN;
  if (flags & BPF_FIB_LOOKUP_TBID) {
    table = p.view.getUint32(p.at + TBID, true);
    p.view.setUint32(p.at + TBID, 0, true);
  }
  return fib.hasTable(table) ? table : -1;
}

/** Writes what a successful lookup writes last: no VLAN, and the MTU. */
function forwardParams(p: Params, mtu: number): number {
  p.view.setUint32(p.at + TBID, 0, true);
  if (mtu) p.view.setUint16(p.at + TOT_LEN, mtu, true);
  return BPF_FIB_LKUP_RET_SUCCESS;
}

function neighbourParams(fib: FibTable, p: Params, dev: Device, nextHop: Uint8Array, mtu: number): number {
  const neigh = fib.neighbour(dev.ifindex, nextHop);
  if (!neigh || !neigh.valid) return BPF_FIB_LKUP_RET_NO_NEIGH;
  p.u8.set(neigh.mac, p.at + DMAC);
  p.u8.set(dev.mac, p.at + SMAC);
  return forwardParams(p, mtu);
}

/** bpf_ipv4_fib_lookup. */
function lookupV4(fib: FibTable, p: Params, flags: number): number {
  const { u8, view, at } = p;
  const dev = fib.device(view.getUint32(at + IFINDEX, true));
  if (!dev) return -ENODEV;
  if (!dev.forwarding) return BPF_FIB_LKUP_RET_FWD_DISABLED;
  const table = tableFor(fib, p, flags);
  if (table === -1) return BPF_FIB_LKUP_RET_NOT_FWDED;
  const dst = u8.slice(at + DST, at + DST + 4);
  const route = fib.route(dst, table, flags & BPF_FIB_LOOKUP_OUTPUT ? dev.ifindex : 0);
  if (!route) return BPF_FIB_LKUP_RET_NOT_FWDED;
  if (route.type !== 'unicast') return routeError[route.type] ?? BPF_FIB_LKUP_RET_NOT_FWDED;
  const out = fib.device(route.ifindex)!;
  const mtu = Math.min(route.mtu ?? out.mtu, IP_MAX_MTU);
  if (view.getUint16(at + TOT_LEN, true) > mtu) {
    view.setUint16(at + TOT_LEN, mtu, true);
    return BPF_FIB_LKUP_RET_FRAG_NEEDED;
  }
  view.setUint32(at + RT_METRIC, route.metric, true);
  view.setUint32(at + IFINDEX, out.ifindex, true);
  if (flags & BPF_FIB_LOOKUP_SRC) u8.set(preferredSource(route, out, 4) ?? new Uint8Array(4), at + SRC);
  let nextHop: Uint8Array = dst;
  if (route.gateway?.length === 16) {
    u8[at + FAMILY] = AF_INET6;
    u8.set(route.gateway, at + DST);
    nextHop = route.gateway;
  } else if (route.gateway) {
    u8.set(route.gateway, at + DST);
    nextHop = route.gateway;
  }
  if (flags & BPF_FIB_LOOKUP_SKIP_NEIGH) return forwardParams(p, mtu);
  return neighbourParams(fib, p, out, nextHop, mtu);
}

/** bpf_ipv6_fib_lookup. */
function lookupV6(fib: FibTable, p: Params, flags: number): number {
  const { u8, view, at } = p;
  const src = u8.slice(at + SRC, at + SRC + 16);
  const dst = u8.slice(at + DST, at + DST + 16);
  if (needsStrict(dst) || needsStrict(src)) return BPF_FIB_LKUP_RET_NOT_FWDED;
  const dev = fib.device(view.getUint32(at + IFINDEX, true));
  if (!dev) return -ENODEV;
  if (!dev.forwarding) return BPF_FIB_LKUP_RET_FWD_DISABLED;
  const table = tableFor(fib, p, flags);
  if (table === -1) return BPF_FIB_LKUP_RET_NOT_FWDED;
  const route = fib.route(dst, table, flags & BPF_FIB_LOOKUP_OUTPUT ? dev.ifindex : 0);
  if (!route) return BPF_FIB_LKUP_RET_NOT_FWDED;
  if (route.type !== 'unicast') return routeError[route.type] ?? BPF_FIB_LKUP_RET_NOT_FWDED;
  const out = fib.device(route.ifindex)!;
  const mtu = Math.min(route.mtu ?? Math.max(IPV6_MIN_MTU, out.mtu), IP6_MAX_MTU);
  if (view.getUint16(at + TOT_LEN, true) > mtu) {
    view.setUint16(at + TOT_LEN, mtu, true);
    return BPF_FIB_LKUP_RET_FRAG_NEEDED;
  }
  const nextHop = route.gateway ?? dst;
  if (route.gateway) u8.set(route.gateway, at + DST);
  view.setUint32(at + RT_METRIC, route.metric, true);
  view.setUint32(at + IFINDEX, out.ifindex, true);
  if (flags & BPF_FIB_LOOKUP_SRC) {
    const source = preferredSource(route, out, 16);
    if (!source) return BPF_FIB_LKUP_RET_NO_SRC_ADDR;
    u8.set(source, at + SRC);
  }
  if (flags & BPF_FIB_LOOKUP_SKIP_NEIGH) return forwardParams(p, mtu);
  return neighbourParams(fib, p, out, nextHop, mtu);
}

/** The route's preferred source, else the egress device's first address of the family. */
function preferredSource(route: Route, dev: Device, length: number): Uint8Array | undefined {
  if (route.src?.length === length) return route.src;
  return (length === 4 ? dev.ipv4 : dev.ipv6)[0];
}

/**
 * bpf_fib_lookup(ctx, params, plen, flags), XDP flavour, against HelperState.fib
 * (a host with no devices when unset): the route to params->ipv{4,6}_dst from
 * device params->ifindex, its next hop's neighbour entry, and the MTU check
 * on params->tot_len that XDP always makes. Fills struct bpf_fib_lookup
 * field by field in the kernel's order, so a failed lookup leaves what the
 * kernel leaves. Returns 0, a BPF_FIB_LKUP_RET_* code, or a negative errno
 * for bad arguments.
 */
export function fibLookup(state: HelperState): Helper {
  return (call, _r1, r2, r3, r4, _r5, _h1, h2) => {
    const plen = r3;
    const flags = r4 >>> 0;
    if (plen < SIZE || flags & ~FLAGS) {
      return -EINVAL;
    }
    const at = ptrArg(call, 2, r2, h2);
    call.memory.check(at, SIZE, true, call.insn);
    const p: Params = { u8: call.memory.u8, view: call.memory.view, at };
    const fib = state.fib;
    switch (p.u8[at + FAMILY]) {
      case AF_INET:
        return fib ? lookupV4(fib, p, flags) : -ENODEV;
      case AF_INET6:
        return fib ? lookupV6(fib, p, flags) : ipv6WithoutFib(p);
      default:
        return -EAFNOSUPPORT;
    }
  };
}

/** With no FIB, every device is unknown, but link-local addresses are refused before devices are looked at. */
function ipv6WithoutFib(p: Params): number {
  const { u8, at } = p;
  return needsStrict(u8.subarray(at + DST, at + DST + 16)) || needsStrict(u8.subarray(at + SRC, at + SRC + 16))
    ? BPF_FIB_LKUP_RET_NOT_FWDED
    : -ENODEV;
}
