/**
 * The simulated host's TCP and UDP sockets that bpf_sk_lookup_tcp,
 * bpf_sk_lookup_udp and bpf_skc_lookup_tcp search, and the lookups
 * themselves as the kernel makes them (__inet_lookup, __inet6_lookup,
 * __udp4_lib_lookup, __udp6_lib_lookup): established sockets first, then
 * listeners bound to the exact address, then wildcard ones, each scored as
 * compute_score scores them. The table is configuration only, shared by every
 * object loaded with it; what changes at run time (references, SYN queue
 * overflow stamps) lives with each object (loaded-sockets.ts).
 *
 * Not modelled: SO_REUSEPORT groups, BPF sk_lookup programs, VRF devices (the
 * device a program runs on is never an l3mdev slave, so sdif is 0), and
 * sk_incoming_cpu, which only breaks ties. Sockets are taken as bound in file
 * order: among equally good matches the kernel's hash chains yield the most
 * recently bound first, and so does this table.
 */
import { XdpsimError } from '../errors/index.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../uapi/in.js';
import { AF_INET, AF_INET6, FibConfigError, parseIp } from './fib-table.js';

export class SocketConfigError extends XdpsimError {
  override readonly code = 'SOCKET_CONFIG';

  constructor(message: string) {
    super(message);
    this.name = 'SocketConfigError';
  }
}

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;

/** The kernel's TCP_* states (linux/bpf.h's BPF_TCP_*) that matter here. */
export const TCP_ESTABLISHED = 1;
export const TCP_TIME_WAIT = 6;
export const TCP_CLOSE = 7;
export const TCP_LISTEN = 10;
export const TCP_NEW_SYN_RECV = 12;

/**
 * The states a TCP socket may be given, named as `ss` prints them. Only
 * hashed sockets can be found, so there is no `close`. `syn-recv` is a
 * half-open connection as the kernel keeps it: a request socket
 * (TCP_NEW_SYN_RECV) tied to its listener.
 */
export const TCP_STATES = {
  established: TCP_ESTABLISHED,
  'syn-sent': 2,
  'fin-wait-1': 4,
  'fin-wait-2': 5,
  'time-wait': TCP_TIME_WAIT,
  'close-wait': 8,
  'last-ack': 9,
  listen: TCP_LISTEN,
  closing: 11,
  'syn-recv': TCP_NEW_SYN_RECV,
} as const;

export type TcpStateName = keyof typeof TCP_STATES;

/** One socket, as `xdpsim run --sockets` reads it (README, "Sockets"). */
export interface SocketConfig {
  proto: 'tcp' | 'udp';
  /** TCP only; default `listen` without `remote`, `established` with it. */
  state?: TcpStateName;
  /** Local address and port: `10.0.0.1:80`, `[2001:db8::1]:443`; a wildcard address (`0.0.0.0`, `::`) for listeners and UDP. */
  local: string;
  /** Peer address and port: required for TCP connections, forbidden on listeners, optional for UDP (a connected socket). */
  remote?: string;
  /** The device it is bound to (SO_BINDTODEVICE), an ifindex; default 0, none. */
  device?: number;
  /** IPV6_V6ONLY; default false (net.ipv6.bindv6only). The kernel sets it for a specific, non-v4-mapped IPv6 address. */
  v6only?: boolean;
  /** SO_MARK and SO_PRIORITY; default 0. */
  mark?: number;
  priority?: number;
  /**
   * The RX queue the socket last received on (sk_rx_queue_mapping); default
   * none, which bpf_sock shows as -1. (The kernel leaves an accepted socket's
   * as its memory held until a packet from a NIC queue sets it.)
   */
  rxQueue?: number;
  /** Listeners: listen()'s backlog as the kernel keeps it (capped at net.core.somaxconn); default 4096. */
  backlog?: number;
  /** Listeners: half-open connections queued beyond the `syn-recv` sockets listed; default 0. */
  synQueue?: number;
  /** Listeners: connections waiting for accept(); default 0. */
  acceptQueue?: number;
  /** Listeners: TCP_MAXSEG (the user MSS a SYN's MSS option is capped at); default 0, none. */
  mss?: number;
}

export interface NamespaceConfig {
  /** net.ipv4.tcp_syncookies: 0, 1 (the kernel's default) or 2. */
  syncookies?: number;
  sockets?: SocketConfig[];
}

/** The sockets of the namespace the program runs in, and of other namespaces by the id it knows them by (`ip netns set`). */
export interface SocketTableConfig extends NamespaceConfig {
  namespaces?: Array<NamespaceConfig & { id: number }>;
}

/**
 * A network namespace's sockets, each list in the order bound (the most
 * recently bound last): TCP connections (and time-wait and request sockets)
 * by their 4-tuple, as the kernel's established hash finds them, listeners
 * and UDP sockets by local port, as few share one.
 */
export class Netns {
  readonly connections = new Map<string, Sock[]>();
  readonly listeners = new Map<number, Sock[]>();
  readonly udp = new Map<number, Sock[]>();

  constructor(
    /** Its id as the program's namespace knows it; -1 for that namespace itself. */
    readonly id: number,
    readonly syncookies: number,
  ) {}
}

/** One socket, with what lookups compare and what struct bpf_sock shows of it. */
export interface Sock {
  /** Position in the table: the order of the sockets' bpf_sock regions. */
  readonly index: number;
  readonly netns: Netns;
  readonly protocol: number;
  readonly type: number;
  /** A request socket's is its listener's (inet_reqsk_alloc), set when attached to it. */
  family: number;
  readonly state: number;
  /** Anything but a request or time-wait socket: a `struct sock`, not only a `sock_common`. */
  readonly full: boolean;
  /** skc_rcv_saddr and skc_daddr, as they lie in memory. */
  readonly rcvSaddr: Uint8Array;
  readonly daddr: Uint8Array;
  /** skc_v6_rcv_saddr and skc_v6_daddr (for AF_INET sockets zero, or v4-mapped once connected or a request). */
  readonly v6RcvSaddr: Uint8Array;
  readonly v6Daddr: Uint8Array;
  /** skc_num: the local port, host order. */
  readonly num: number;
  /** The peer's port, host order; 0 when not connected. */
  readonly dport: number;
  /** sk_bound_dev_if; a request socket's is its listener's. */
  boundDevIf: number;
  readonly mark: number;
  readonly priority: number;
  /** sk_rx_queue_mapping, -1 for none. */
  readonly rxQueue: number;
  /** Addresses IPv4 lookups compare, as big-endian words, or undefined when they never find it. */
  readonly v4: { local: number; remote: number; connected: boolean } | undefined;
  /** Addresses IPv6 lookups compare, or undefined when they never find it. */
  readonly v6: { local: Uint32Array; remote: Uint32Array; connected: boolean } | undefined;
  /** A request socket's listener (rsk_listener). */
  listener: Sock | undefined;
  readonly ipv6only: boolean;
  readonly backlog: number;
  /** Requests queued on a listener: its synQueue plus its request sockets here. */
  synQueue: number;
  readonly acceptQueue: number;
  readonly userMss: number;
  /** `tcp 10.0.0.1:80 listen`: for region names and messages. */
  readonly name: string;
}

/** A lookup's bpf_sock_tuple, read from the program's memory: addresses as big-endian words (IPv4 in word 0), ports host order. */
export interface Tuple {
  family: number;
  readonly saddr: Uint32Array;
  readonly daddr: Uint32Array;
  sport: number;
  dport: number;
}

export function newTuple(): Tuple {
  return { family: AF_INET, saddr: new Uint32Array(4), daddr: new Uint32Array(4), sport: 0, dport: 0 };
}

/** ::ffff:0:0/96, the v4-mapped prefix. */
const V4_MAPPED_PREFIX = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff);

/** LOOPBACK4_IPV6: what an IPv6 socket with a specific, non-v4-mapped address shows as its IPv4 address. */
const LOOPBACK4_IPV6 = Uint8Array.of(127, 0, 0, 6);

const words = (ip: Uint8Array): Uint32Array => {
  const view = new DataView(ip.buffer, ip.byteOffset, ip.byteLength);
  return Uint32Array.from({ length: ip.length / 4 }, (_, i) => view.getUint32(4 * i));
};

const isAny = (ip: Uint8Array): boolean => ip.every((b) => b === 0);
const isV4Mapped = (ip: Uint8Array): boolean =>
  ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff;

/** An index's answer for a key it lacks. */
const NONE: readonly Sock[] = [];

/** inet_bound_dev_eq with sdif 0: an unbound socket takes any device, a bound one only its own. */
const boundDevEq = (bound: number, dif: number): boolean => bound === 0 || bound === dif;

export class SocketTable {
  /** Every socket, in file order: the device's namespace first, then each other namespace's. */
  readonly sockets: readonly Sock[];
  private readonly current: Netns;
  private readonly peers = new Map<number, Netns>();

  constructor(config: SocketTableConfig = {}) {
    const sockets: Sock[] = [];
    const top = record(config, 'the socket table', ['syncookies', 'sockets', 'namespaces']);
    this.current = new Netns(-1, syncookies(top.syncookies, 'the socket table'));
    addSockets(this.current, top.sockets, 'sockets', sockets);
    // Absent is none; anything else, null included, is refused as `sockets` is.
    const namespaces = top.namespaces === undefined ? [] : top.namespaces;
    if (!Array.isArray(namespaces)) throw new SocketConfigError('namespaces: expected an array');
    namespaces.forEach((value: unknown, i) => {
      const where = `namespaces[${i}]`;
      const ns = record(value, where, ['id', 'syncookies', 'sockets']);
      const id = integer(ns.id, `${where}.id`, 0, 0x7fffffff);
      if (this.peers.has(id)) throw new SocketConfigError(`${where}: namespace id ${id} given twice`);
      const netns = new Netns(id, syncookies(ns.syncookies, where));
      this.peers.set(id, netns);
      addSockets(netns, ns.sockets, `${where}.sockets`, sockets);
    });
    this.sockets = sockets;
  }

  /** A table from parsed JSON (the --sockets file). */
  static fromJson(value: unknown): SocketTable {
    // The constructor checks every field, so whatever the JSON holds is refused with a reason.
    return new SocketTable(value as SocketTableConfig);
  }

  /**
   * The namespace a lookup's netns argument names, as __bpf_skc_lookup reads
   * it: a negative s32 (BPF_F_CURRENT_NETNS) is the program's own, anything
   * else a peer's id (get_net_ns_by_id), undefined when there is none.
   */
  netns(id: number): Netns | undefined {
    return id < 0 ? this.current : this.peers.get(id);
  }

  /**
   * __inet_lookup / __inet6_lookup: the established (or time-wait, or
   * request) socket of the tuple, else the best listener on its destination
   * address, else the best on the wildcard address.
   */
  lookupTcp(netns: Netns, t: Tuple, dif: number): Sock | undefined {
    const connections = netns.connections.get(tupleKey(t)) ?? NONE;
    for (let i = connections.length - 1; i >= 0; i--) {
      const sk = connections[i]!;
      if (boundDevEq(sk.boundDevIf, dif)) return sk;
    }
    const listeners = netns.listeners.get(t.dport);
    return listeners && lookupListener(listeners, t, dif);
  }

  /**
   * __udp4_lib_lookup / __udp6_lib_lookup: the best-scoring socket bound to the
   * tuple's destination address, else the best bound to the wildcard one.
   */
  lookupUdp(netns: Netns, t: Tuple, dif: number): Sock | undefined {
    const candidates = netns.udp.get(t.dport);
    if (!candidates) return undefined;
    const v4 = t.family === AF_INET;
    return udpBest(candidates, t, dif, false) ?? (isAnyWords(t.daddr, v4) ? undefined : udpBest(candidates, t, dif, true));
  }
}

/** A socket table from the text of a JSON file (`xdpsim run --sockets`); errors name the file. */
export function parseSocketTable(text: string, file: string): SocketTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the text, and the file may hold anything.
    throw new SocketConfigError(`${file}: not valid JSON`);
  }
  try {
    return SocketTable.fromJson(value);
  } catch (e) {
    if (e instanceof SocketConfigError) throw new SocketConfigError(`${file}: ${e.message}`);
    throw e;
  }
}

/** __inet_lookup_listener: the best listener on the tuple's destination address, else on the wildcard one. */
function lookupListener(candidates: readonly Sock[], t: Tuple, dif: number): Sock | undefined {
  const v4 = t.family === AF_INET;
  return bestListener(candidates, t, dif, false) ?? (isAnyWords(t.daddr, v4) ? undefined : bestListener(candidates, t, dif, true));
}

/** inet_lhash2_lookup with compute_score: the highest score wins, the most recently bound among equals. */
function bestListener(candidates: readonly Sock[], t: Tuple, dif: number, wildcard: boolean): Sock | undefined {
  const v4 = t.family === AF_INET;
  let best: Sock | undefined;
  let hiscore = 0;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const sk = candidates[i]!;
    if ((v4 ? sk.v4 : sk.v6) === undefined || !boundDevEq(sk.boundDevIf, dif)) continue;
    if (!(wildcard ? isAnyLocal(sk, v4) : sameLocal(sk, t, v4))) continue;
    const score = (sk.boundDevIf ? 2 : 1) + (v4 && sk.family === AF_INET ? 1 : 0);
    if (score > hiscore) {
      hiscore = score;
      best = sk;
    }
  }
  return best;
}

/** udp4_lib_lookup2 / udp6_lib_lookup2 with their compute_score (IPv4 scores start above 0, IPv6 at 0): the most recently bound among equals. */
function udpBest(candidates: readonly Sock[], t: Tuple, dif: number, wildcard: boolean): Sock | undefined {
  const v4 = t.family === AF_INET;
  let best: Sock | undefined;
  let badness = v4 ? 0 : -1;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const sk = candidates[i]!;
    const view = v4 ? sk.v4 : sk.v6;
    if (view === undefined || !boundDevEq(sk.boundDevIf, dif)) continue;
    if (!(wildcard ? isAnyLocal(sk, v4) : sameLocal(sk, t, v4))) continue;
    if (view.connected && !samePeer(sk, t, v4)) continue;
    // A matching peer address and port, and a bound device, each add 4 (IPv4) or 1 (IPv6).
    const points = v4 ? 4 : 1;
    let score = v4 ? (sk.family === AF_INET ? 2 : 1) : 0;
    if (view.connected) score += 2 * points;
    if (sk.boundDevIf) score += points;
    if (score > badness) {
      badness = score;
      best = sk;
    }
  }
  return best;
}

function isAnyWords(w: Uint32Array, v4: boolean): boolean {
  return v4 ? w[0] === 0 : w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0;
}

function isAnyLocal(sk: Sock, v4: boolean): boolean {
  return v4 ? sk.v4!.local === 0 : isAnyWords(sk.v6!.local, false);
}

function sameLocal(sk: Sock, t: Tuple, v4: boolean): boolean {
  if (v4) return sk.v4!.local === t.daddr[0];
  const l = sk.v6!.local;
  return l[0] === t.daddr[0] && l[1] === t.daddr[1] && l[2] === t.daddr[2] && l[3] === t.daddr[3];
}

/** A connected socket's peer is the tuple's source, as compute_score compares it. */
function samePeer(sk: Sock, t: Tuple, v4: boolean): boolean {
  if (sk.dport !== t.sport) return false;
  if (v4) return sk.v4!.remote === t.saddr[0];
  const r = sk.v6!.remote;
  return r[0] === t.saddr[0] && r[1] === t.saddr[1] && r[2] === t.saddr[2] && r[3] === t.saddr[3];
}

/**
 * The established hash's key, as inet_match / inet6_match compare it: the
 * family of the lookup (an IPv4 connection on an IPv6 socket is hashed as
 * IPv4), both addresses and both ports.
 */
function connectionKey(v4: boolean, local: Uint32Array, remote: Uint32Array, num: number, dport: number): string {
  return v4 ? `4 ${local[0]} ${remote[0]} ${num} ${dport}` : `6 ${local.join(' ')} ${remote.join(' ')} ${num} ${dport}`;
}

/** The key of the connection a lookup's tuple names: the tuple's destination is the socket's local end. */
const tupleKey = (t: Tuple): string => connectionKey(t.family === AF_INET, t.daddr, t.saddr, t.dport, t.sport);

/** The keys a connection is found by: one per family that finds it. */
function connectionKeys(sk: Sock): string[] {
  const keys: string[] = [];
  if (sk.v4) keys.push(connectionKey(true, Uint32Array.of(sk.v4.local), Uint32Array.of(sk.v4.remote), sk.num, sk.dport));
  if (sk.v6) keys.push(connectionKey(false, sk.v6.local, sk.v6.remote, sk.num, sk.dport));
  return keys;
}

/** Appends `sk` to the list under `key`. */
function append<K>(index: Map<K, Sock[]>, key: K, sk: Sock): void {
  const list = index.get(key);
  if (list) list.push(sk);
  else index.set(key, [sk]);
}

type Fields = Record<string, unknown>;

function record(value: unknown, where: string, keys: readonly string[]): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SocketConfigError(`${where}: expected an object`);
  for (const k of Object.keys(value)) {
    if (!keys.includes(k)) throw new SocketConfigError(`${where}: unknown field '${k}' (expected one of ${keys.join(', ')})`);
  }
  return value as Fields;
}

function integer(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SocketConfigError(`${where}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optional(value: unknown, where: string, min: number, max: number, fallback: number): number {
  return value === undefined ? fallback : integer(value, where, min, max);
}

function syncookies(value: unknown, where: string): number {
  return optional(value, `${where}: syncookies`, 0, 2, 1);
}

/** An IPv6 address ending in dotted IPv4 (`::ffff:10.0.0.1`) with that tail as two hex groups, which parseIp reads. */
function withoutDottedTail(address: string): string {
  const m = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (!m || m.slice(2).some((b) => Number(b) > 255)) return address;
  const [a, b, c, d] = m.slice(2).map(Number) as [number, number, number, number];
  return `${m[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** `ADDR:PORT` or `[ADDR6]:PORT`: the address in network order and the port. */
function endpoint(text: unknown, where: string): { ip: Uint8Array; port: number } {
  const m = typeof text === 'string' ? /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text) : null;
  if (!m) throw new SocketConfigError(`${where}: expected "ADDRESS:PORT" or "[IPV6]:PORT", got ${JSON.stringify(text)}`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new SocketConfigError(`${where}: port ${port} is not from 1 to 65535`);
  const address = m[1] ?? m[2]!;
  let ip: Uint8Array;
  try {
    ip = parseIp(withoutDottedTail(address));
  } catch (e) {
    if (e instanceof FibConfigError) throw new SocketConfigError(`${where}: bad IP address '${address}'`);
    throw e;
  }
  if ((m[1] !== undefined) !== (ip.length === 16)) throw new SocketConfigError(`${where}: write an IPv6 address in brackets, [${address}]:${port}, and only an IPv6 one`);
  return { ip, port };
}

const SOCKET_FIELDS = [
  'proto', 'state', 'local', 'remote', 'device', 'v6only', 'mark', 'priority', 'rxQueue', 'backlog', 'synQueue', 'acceptQueue', 'mss',
];
const LISTENER_FIELDS = ['backlog', 'synQueue', 'acceptQueue', 'mss'];
const U32_MAX = 0xffffffff;
const INT_MAX = 0x7fffffff;
/** net.core.somaxconn's default: the backlog listen(fd, SOMAXCONN) ends up with. */
const DEFAULT_BACKLOG = 4096;
/** TCP_MAXSEG accepts 0 or TCP_MIN_MSS (88) to MAX_TCP_WINDOW (32767). */
const TCP_MIN_MSS = 88;
const MAX_TCP_WINDOW = 32767;

function addSockets(netns: Netns, list: unknown, where: string, all: Sock[]): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new SocketConfigError(`${where}: expected an array`);
  const added: Sock[] = [];
  list.forEach((value: unknown, i) => {
    const sk = socket(record(value, `${where}[${i}]`, SOCKET_FIELDS), `${where}[${i}]`, netns, all.length);
    all.push(sk);
    added.push(sk);
    if (sk.protocol === IPPROTO_UDP) append(netns.udp, sk.num, sk);
    else if (sk.state === TCP_LISTEN) append(netns.listeners, sk.num, sk);
    else for (const key of connectionKeys(sk)) append(netns.connections, key, sk);
  });
  for (const sk of added) {
    if (sk.state === TCP_NEW_SYN_RECV) attachListener(netns, sk);
    if (sk.protocol === IPPROTO_TCP && sk.family === AF_INET6 && sk.state !== TCP_LISTEN) markAccepted(netns, sk);
  }
}

/**
 * A request socket belongs to the listener that took its SYN: the one a
 * lookup of its connection finds on the device the SYN came in on (its
 * `device`); it then carries the listener's bound device and family
 * (inet_reqsk_alloc: an IPv4 connection on a dual-stack listener is AF_INET6).
 */
function attachListener(netns: Netns, req: Sock): void {
  const t = newTuple();
  if (req.v4) {
    t.saddr[0] = req.v4.remote;
    t.daddr[0] = req.v4.local;
  } else {
    t.family = AF_INET6;
    t.saddr.set(req.v6!.remote);
    t.daddr.set(req.v6!.local);
  }
  t.sport = req.dport;
  t.dport = req.num;
  const listener = lookupListener(netns.listeners.get(req.num) ?? NONE, t, req.boundDevIf);
  if (!listener) throw new SocketConfigError(`${req.name}: a syn-recv socket needs a listener on its local address and port`);
  req.listener = listener;
  req.family = listener.family;
  req.boundDevIf = listener.boundDevIf;
  listener.synQueue++;
}

/**
 * An IPv6 connection on a non-v4-mapped address shows 127.0.0.6
 * (LOOPBACK4_IPV6) as its IPv4 peer when it is a request or was accepted,
 * and nothing when this host connected it. A connection on a port some
 * listener of the namespace holds is taken to be accepted.
 */
function markAccepted(netns: Netns, sk: Sock): void {
  if (isV4Mapped(sk.v6Daddr)) return;
  const listening = (netns.listeners.get(sk.num) ?? NONE).some(
    (l) => l.family === AF_INET6 && (isAny(l.v6RcvSaddr) || l.v6RcvSaddr.every((b, i) => b === sk.v6RcvSaddr[i])),
  );
  if (listening || sk.state === TCP_NEW_SYN_RECV) sk.daddr.set(LOOPBACK4_IPV6);
}

function socket(f: Fields, where: string, netns: Netns, index: number): Sock {
  if (f.proto !== 'tcp' && f.proto !== 'udp') throw new SocketConfigError(`${where}.proto: expected "tcp" or "udp", got ${JSON.stringify(f.proto)}`);
  const tcp = f.proto === 'tcp';
  let local = endpoint(f.local, `${where}.local`);
  let remote = f.remote === undefined ? undefined : endpoint(f.remote, `${where}.remote`);
  let stateName: string;
  let state: number;
  if (tcp) {
    stateName = f.state === undefined ? (remote ? 'established' : 'listen') : String(f.state);
    if (!Object.hasOwn(TCP_STATES, stateName)) {
      throw new SocketConfigError(`${where}.state: expected one of ${Object.keys(TCP_STATES).join(', ')}, got ${JSON.stringify(f.state)}`);
    }
    state = TCP_STATES[stateName as TcpStateName];
  } else {
    if (f.state !== undefined) throw new SocketConfigError(`${where}.state: a UDP socket has no state; a remote address connects it`);
    state = remote ? TCP_ESTABLISHED : TCP_CLOSE;
    stateName = remote ? 'connected' : 'unconnected';
  }
  const listening = state === TCP_LISTEN;
  if (listening && remote) throw new SocketConfigError(`${where}: a listening socket has no remote end`);
  if (tcp && !listening && !remote) throw new SocketConfigError(`${where}: a TCP ${stateName} socket needs a remote end`);
  if (!listening) {
    for (const k of LISTENER_FIELDS) if (f[k] !== undefined) throw new SocketConfigError(`${where}.${k}: only listening sockets have it`);
  }
  if (remote && remote.ip.length !== local.ip.length) {
    throw new SocketConfigError(`${where}: the local and remote addresses are of different families (write an IPv4 peer of an IPv6 socket as [::ffff:a.b.c.d])`);
  }
  if (remote && isAny(remote.ip)) throw new SocketConfigError(`${where}.remote: a peer cannot be the wildcard address`);
  // connect() gives a socket bound to the wildcard address the one it routes from.
  if (remote && isAny(local.ip)) throw new SocketConfigError(`${where}.local: a connected socket has a specific local address`);
  const request = state === TCP_NEW_SYN_RECV;
  if (request && isV4Mapped(local.ip) && remote && isV4Mapped(remote.ip)) {
    // An IPv4 connection's request socket, as `ss` shows it on a dual-stack
    // listener: the same socket as with IPv4 addresses, its family its listener's.
    local = { ip: local.ip.slice(12), port: local.port };
    remote = { ip: remote.ip.slice(12), port: remote.port };
  }

  const family = local.ip.length === 4 ? AF_INET : AF_INET6;
  if (f.v6only !== undefined && typeof f.v6only !== 'boolean') throw new SocketConfigError(`${where}.v6only: expected true or false`);
  if (f.v6only !== undefined && family === AF_INET) throw new SocketConfigError(`${where}.v6only: only IPv6 sockets have it`);
  const mappedLocal = isV4Mapped(local.ip);
  const mappedRemote = remote !== undefined && isV4Mapped(remote.ip);
  // __inet6_bind makes a socket on a specific IPv6 address v6-only itself, and refuses v4-mapped ones on a v6-only socket.
  const ipv6only = family === AF_INET6 && (f.v6only === true || (!isAny(local.ip) && !mappedLocal));
  if (ipv6only && (mappedLocal || mappedRemote)) throw new SocketConfigError(`${where}: a v6only socket has no v4-mapped addresses`);
  if (remote && mappedLocal !== mappedRemote) {
    throw new SocketConfigError(`${where}: an IPv6 socket's local and remote addresses are both v4-mapped or neither`);
  }

  const connection = tcp && !listening;
  const v4Of = (ip: Uint8Array): number => words(family === AF_INET ? ip : ip.subarray(12))[0]!;
  let v4: Sock['v4'];
  let v6: Sock['v6'];
  if (family === AF_INET) {
    v4 = { local: v4Of(local.ip), remote: remote ? v4Of(remote.ip) : 0, connected: remote !== undefined };
  } else {
    // A connection on v4-mapped addresses is hashed as IPv4 (inet_ehashfn); a
    // listener or UDP socket answers IPv4 lookups unless it is v6-only.
    const v4Reachable = connection ? mappedLocal : !ipv6only && (isAny(local.ip) || mappedLocal) && (!remote || mappedRemote);
    if (v4Reachable) v4 = { local: isAny(local.ip) ? 0 : v4Of(local.ip), remote: remote ? v4Of(remote.ip) : 0, connected: remote !== undefined };
    if (!(connection && mappedLocal)) v6 = { local: words(local.ip), remote: remote ? words(remote.ip) : new Uint32Array(4), connected: remote !== undefined };
  }

  // What struct bpf_sock shows: an IPv6 socket's IPv4 addresses are the
  // v4-mapped ones, 0 for none, else LOOPBACK4_IPV6 (bind, connect and
  // request sockets set it so; markAccepted settles accepted peers).
  const rcvSaddr = new Uint8Array(4);
  const daddr = new Uint8Array(4);
  const v6RcvSaddr = new Uint8Array(16);
  const v6Daddr = new Uint8Array(16);
  if (family === AF_INET) {
    rcvSaddr.set(local.ip);
    if (remote) daddr.set(remote.ip);
    // connect() and accept() set a TCP socket's addresses with sk_rcv_saddr_set
    // and sk_daddr_set, which mirror them v4-mapped into the IPv6 ones, and so
    // does tcp_v4_init_req a request socket's (which stays so when its
    // listener makes it AF_INET6); bind() and UDP's connect() do not, and
    // time-wait sockets copy none.
    if (connection && state !== TCP_TIME_WAIT) {
      v6RcvSaddr.set(V4_MAPPED_PREFIX);
      v6RcvSaddr.set(local.ip, 12);
      v6Daddr.set(V4_MAPPED_PREFIX);
      v6Daddr.set(remote!.ip, 12);
    }
  } else {
    v6RcvSaddr.set(local.ip);
    if (remote) v6Daddr.set(remote.ip);
    if (mappedLocal) rcvSaddr.set(local.ip.subarray(12));
    else if (!isAny(local.ip)) rcvSaddr.set(LOOPBACK4_IPV6);
    if (mappedRemote) daddr.set(remote!.ip.subarray(12));
  }

  const mss = optional(f.mss, `${where}.mss`, 0, MAX_TCP_WINDOW, 0);
  if (mss !== 0 && mss < TCP_MIN_MSS) throw new SocketConfigError(`${where}.mss: TCP_MAXSEG takes 0 or ${TCP_MIN_MSS} to ${MAX_TCP_WINDOW}, not ${mss}`);
  if (listening && !tcp) throw new SocketConfigError(`${where}: only TCP sockets listen`);
  return {
    index,
    netns,
    protocol: tcp ? IPPROTO_TCP : IPPROTO_UDP,
    type: tcp ? SOCK_STREAM : SOCK_DGRAM,
    family,
    state,
    full: state !== TCP_TIME_WAIT && !request,
    rcvSaddr,
    daddr,
    v6RcvSaddr,
    v6Daddr,
    num: local.port,
    dport: remote?.port ?? 0,
    boundDevIf: optional(f.device, `${where}.device`, 0, INT_MAX, 0),
    mark: optional(f.mark, `${where}.mark`, 0, U32_MAX, 0),
    priority: optional(f.priority, `${where}.priority`, 0, U32_MAX, 0),
    rxQueue: optional(f.rxQueue, `${where}.rxQueue`, 0, 0xfffe, -1),
    v4,
    v6,
    listener: undefined,
    ipv6only,
    backlog: optional(f.backlog, `${where}.backlog`, 0, INT_MAX, DEFAULT_BACKLOG),
    synQueue: optional(f.synQueue, `${where}.synQueue`, 0, INT_MAX, 0),
    acceptQueue: optional(f.acceptQueue, `${where}.acceptQueue`, 0, INT_MAX, 0),
    userMss: mss,
    name: `${String(f.proto)} ${String(f.local)}${remote ? ` ${String(f.remote)}` : ''} ${stateName}${netns.id >= 0 ? ` (netns ${netns.id})` : ''}`,
  };
}
