/**
 * The simulated host's devices, routes and neighbours that bpf_fib_lookup and
 * bpf_check_mtu consult: the part of the kernel's network namespace a program
 * can ask about. Addresses are given as text (`10.0.0.0/8`, `2001:db8::1`,
 * `02:00:00:00:00:01`) and kept as bytes in network order.
 */
import { XdpsimError } from '../errors/index.js';
import { RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../uapi/rtnetlink.js';

export class FibConfigError extends XdpsimError {
  override readonly code = 'FIB_CONFIG';

  constructor(message: string) {
    super(message);
    this.name = 'FibConfigError';
  }
}

// The address families, of include/linux/socket.h: not UAPI (user space has
// them from the C library's sys/socket.h), so not generated into src/uapi.
export const AF_INET = 2;
export const AF_INET6 = 10;

/** Route types that matter to a FIB lookup (the kernel's RTN_*). */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';

/** Neighbour states (NUD_*); all but `incomplete` and `failed` count as valid. */
export type NeighbourState = 'permanent' | 'noarp' | 'reachable' | 'stale' | 'delay' | 'probe' | 'incomplete' | 'failed';

export interface DeviceConfig {
  ifindex: number;
  /** Hardware address, `aa:bb:cc:dd:ee:ff`. */
  mac: string;
  /** L3 MTU; default 1500. */
  mtu?: number;
  /** Whether the device forwards (net.ipv{4,6}.conf.DEV.forwarding); default true, as a router's would. */
  forwarding?: boolean;
  /** Addresses on the device, IPv4 or IPv6, primary first: the source a lookup picks with BPF_FIB_LOOKUP_SRC. */
  addresses?: string[];
}

export interface RouteConfig {
  /** Destination prefix, `10.0.0.0/8` or `2001:db8::/32`; `default` is not accepted, write `0.0.0.0/0` or `::/0`. */
  prefix: string;
  type?: RouteType;
  /** Egress device (required for unicast routes). */
  ifindex?: number;
  /** Next hop; may be IPv6 for an IPv4 route (`via inet6`). */
  gateway?: string;
  /** Priority: IPv4 default 0, IPv6 default 1024, as `ip route add` sets them. */
  metric?: number;
  /**
   * Locked route MTU (`mtu lock N`): forwarding ignores an unlocked route MTU,
   * so only a locked one is modelled; the device's MTU applies when absent.
   */
  mtu?: number;
  /** Preferred source address (`src`). */
  src?: string;
  /** Routing table id; default main (254). */
  table?: number;
}

export interface NeighbourConfig {
  ifindex: number;
  address: string;
  mac: string;
  state?: NeighbourState;
}

export interface Device {
  ifindex: number;
  mac: Uint8Array;
  mtu: number;
  forwarding: boolean;
  ipv4: Uint8Array[];
  ipv6: Uint8Array[];
}

export interface Route {
  family: number;
  prefix: Uint8Array;
  prefixLen: number;
  type: RouteType;
  ifindex: number;
  gateway: Uint8Array | undefined;
  metric: number;
  mtu: number | undefined;
  src: Uint8Array | undefined;
  table: number;
}

export interface Neighbour {
  ifindex: number;
  address: Uint8Array;
  mac: Uint8Array;
  valid: boolean;
}

function parseMac(text: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) throw new FibConfigError(`bad MAC address '${text}'`);
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return Uint8Array.from(parts, Number);
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/** An IPv4 or IPv6 address in network order. */
export function parseIp(text: string): Uint8Array {
  const ip = text.includes(':') ? parseIpv6(text) : parseIpv4(text);
  if (!ip) throw new FibConfigError(`bad IP address '${text}'`);
  return ip;
}

/** Whether the first `bits` bits of `a` and `b` agree. */
function prefixMatches(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = bits >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[full]! & mask) === (b[full]! & mask);
}

const familyOf = (ip: Uint8Array): number => (ip.length === 4 ? AF_INET : AF_INET6);

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Rule order of a namespace without policy rules: local, then main, then default. */
const RULE_TABLES = [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT];

export class FibTable {
  private readonly devices = new Map<number, Device>();
  private readonly routes: Route[] = [];
  private readonly neighbours: Neighbour[] = [];

  addDevice(config: DeviceConfig): this {
    const { ifindex } = config;
    if (!Number.isInteger(ifindex) || ifindex < 1 || ifindex > 0x7fffffff) throw new FibConfigError(`bad ifindex ${ifindex}`);
    const mtu = config.mtu ?? 1500;
    if (!Number.isInteger(mtu) || mtu < 0 || mtu > 0xffffffff) throw new FibConfigError(`bad MTU ${mtu} for ifindex ${ifindex}`);
    const addresses = (config.addresses ?? []).map(parseIp);
    this.devices.set(ifindex, {
      ifindex,
      mac: parseMac(config.mac),
      mtu,
      forwarding: config.forwarding ?? true,
      ipv4: addresses.filter((a) => a.length === 4),
      ipv6: addresses.filter((a) => a.length === 16),
    });
    // The kernel adds each address of a device as a local route, so traffic to the host is not forwarded.
    for (const a of addresses) {
      this.routes.push({
        family: familyOf(a), prefix: a, prefixLen: a.length * 8, type: 'local', ifindex,
        gateway: undefined, metric: 0, mtu: undefined, src: a, table: RT_TABLE_LOCAL,
      });
    }
    return this;
  }

  device(ifindex: number): Device | undefined {
    return this.devices.get(ifindex);
  }

  addRoute(config: RouteConfig): this {
    const slash = config.prefix.indexOf('/');
    if (slash < 0) throw new FibConfigError(`route prefix '${config.prefix}' needs a /length`);
    const prefix = parseIp(config.prefix.slice(0, slash));
    const lenText = config.prefix.slice(slash + 1);
    const prefixLen = Number(lenText);
    if (!/^\d+$/.test(lenText) || prefixLen > prefix.length * 8) throw new FibConfigError(`bad prefix length in '${config.prefix}'`);
    const family = familyOf(prefix);
    const type = config.type ?? 'unicast';
    const ifindex = config.ifindex ?? 0;
    if (type === 'unicast' || type === 'local') {
      if (!this.devices.has(ifindex)) throw new FibConfigError(`route ${config.prefix}: no device with ifindex ${ifindex}`);
    }
    this.routes.push({
      family,
      prefix,
      prefixLen,
      type,
      ifindex,
      gateway: config.gateway === undefined ? undefined : parseIp(config.gateway),
      metric: config.metric ?? (family === AF_INET ? 0 : 1024),
      mtu: config.mtu,
      src: config.src === undefined ? undefined : parseIp(config.src),
      table: config.table ?? RT_TABLE_MAIN,
    });
    return this;
  }

  addNeighbour(config: NeighbourConfig): this {
    const state = config.state ?? 'reachable';
    this.neighbours.push({
      ifindex: config.ifindex,
      address: parseIp(config.address),
      mac: parseMac(config.mac),
      valid: state !== 'incomplete' && state !== 'failed',
    });
    return this;
  }

  hasTable(table: number): boolean {
    return table === RT_TABLE_MAIN || table === RT_TABLE_LOCAL || this.routes.some((r) => r.table === table);
  }

  /**
   * The route for `dst` in `table`, or in the local, main and default tables
   * in turn when `table` is undefined: the longest prefix, then the lowest
   * metric. With `oif`, a unicast route must leave through that device. For
   * IPv4 the main table includes the local one, as the kernel merges them
   * while there are no policy rules.
   */
  route(dst: Uint8Array, table: number | undefined, oif: number): Route | undefined {
    const family = familyOf(dst);
    const tables = table === undefined ? RULE_TABLES : family === AF_INET && table === RT_TABLE_MAIN ? [RT_TABLE_LOCAL, RT_TABLE_MAIN] : [table];
    for (const t of tables) {
      let best: Route | undefined;
      for (const r of this.routes) {
        if (r.table !== t || r.family !== family || !prefixMatches(r.prefix, dst, r.prefixLen)) continue;
        if (oif !== 0 && r.type === 'unicast' && r.ifindex !== oif) continue;
        if (!best || r.prefixLen > best.prefixLen || (r.prefixLen === best.prefixLen && r.metric < best.metric)) best = r;
      }
      if (best) return best;
    }
    return undefined;
  }

  neighbour(ifindex: number, address: Uint8Array): Neighbour | undefined {
    return this.neighbours.find((n) => n.ifindex === ifindex && equal(n.address, address));
  }
}
