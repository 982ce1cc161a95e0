// bpf_sk_lookup_tcp/udp, bpf_skc_lookup_tcp, bpf_sk_release and the socket
// SYN cookie helpers. Against the kernel: lookups of made-up addresses (no
// socket), every argument that makes a lookup find nothing, and real sockets
// this test opens on lo (listeners, connections both ways, dual-stack, UDP,
// time-wait) mirrored in a socket table: the same sockets are found, with
// the same struct bpf_sock. Where only a filled table can answer (request
// sockets, bound devices, namespaces, SYN queues), by property.
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SocketConfigError, SocketTable, parseSocketTable, type SocketConfig, type SocketTableConfig } from '../../src/helpers/socket-table.js';
import { INITIAL_JIFFIES } from '../../src/helpers/time.js';
import { loadObject, type LoadOptions } from '../../src/loader/load.js';
import { runFrame } from '../../src/testrun/line.js';
import { EINVAL, ENOENT, EPROTONOSUPPORT } from '../../src/uapi/errno.js';
import { KernelOracleError, kernelAvailable, runInKernel } from '../oracle/kernel.js';
import { skipBecause } from '../support/skip.js';
import { agree, fixture, FIXTURES } from './agreement.js';
import { mssOption, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, tcpFrame, udpFrame, type TcpFrame } from './tcp-frames.js';
import { pastWrongVerifier } from '../support/wrong-verifier.js';

vi.mock('../../src/loader/verify.js', async (real) => (await import('../support/wrong-verifier.js')).wrongVerifierModule(await real()));

const OBJ = fixture('sockets');
/** Programs the kernel refuses for their references; xdpsim faults where they go wrong. */
const REFS = resolve(FIXTURES, '../refused/socket_refs.bpf.o');
const kernel = kernelAvailable();

/** The programs' lookup modes (sockets.bpf.c). */
const MODE = { plain: 0, netnsNegative: 1, netnsAbsent: 2, flags: 3, short: 4, empty: 5, netnsHigh: 6 };
const COOKIE = { plain: 0, iphShort: 1, thShort: 2, thNotDoff: 3, version5: 4, version6: 5, fakeSyn: 6 };

const FIELDS = [
  'found', 'bound_dev_if', 'family', 'type', 'protocol', 'mark', 'priority', 'src_ip4', 'src_ip6', 'src_ip6_1', 'src_ip6_2', 'src_ip6_3',
  'src_port', 'dst_port', 'dst_ip4', 'dst_ip6', 'dst_ip6_1', 'dst_ip6_2', 'dst_ip6_3', 'state', 'rx_queue_mapping',
] as const;

interface SockView {
  found: number;
  bound_dev_if: number;
  family: number;
  type: number;
  protocol: number;
  mark: number;
  priority: number;
  src: string;
  src6: string;
  src_port: number;
  dst_port: number;
  dst: string;
  dst6: string;
  state: number;
  rx_queue_mapping: number;
}

function sockView(b: Buffer, at: number): SockView {
  const u32 = (name: (typeof FIELDS)[number]) => b.readUInt32LE(at + 4 * FIELDS.indexOf(name));
  const v4 = (name: (typeof FIELDS)[number]) => [...b.subarray(at + 4 * FIELDS.indexOf(name), at + 4 * FIELDS.indexOf(name) + 4)].join('.');
  const v6 = (name: (typeof FIELDS)[number]) => b.subarray(at + 4 * FIELDS.indexOf(name), at + 4 * FIELDS.indexOf(name) + 16).toString('hex');
  return {
    found: u32('found'),
    bound_dev_if: u32('bound_dev_if'),
    family: u32('family'),
    type: u32('type'),
    protocol: u32('protocol'),
    mark: u32('mark'),
    priority: u32('priority'),
    src: v4('src_ip4'),
    src6: v6('src_ip6'),
    src_port: u32('src_port'),
    // dst_port is network order in its low 16 bits.
    dst_port: b.readUInt16BE(at + 4 * FIELDS.indexOf('dst_port')),
    dst: v4('dst_ip4'),
    dst6: v6('dst_ip6'),
    state: u32('state'),
    rx_queue_mapping: b.readInt32LE(at + 4 * FIELDS.indexOf('rx_queue_mapping')),
  };
}

const ROW = 4 * FIELDS.length;

/** The first `n` rows of `rows`: what each run's full lookup found, and what bpf_skc_lookup_tcp found. */
function rowsOf(maps: Record<string, Array<[string, unknown]>>, n: number): Array<{ sk: SockView; skc: SockView }> {
  return maps.rows!.slice(0, n).map(([, v]) => {
    const b = Buffer.from(v as string, 'hex');
    return { sk: sockView(b, 0), skc: sockView(b, ROW) };
  });
}

function cookieRows(maps: Record<string, Array<[string, unknown]>>, n: number): Array<[bigint, bigint]> {
  return maps.cookies!.slice(0, n).map(([, v]) => {
    const b = Buffer.from(v as string, 'hex');
    return [b.readBigInt64LE(0), b.readBigInt64LE(8)];
  });
}

const tcp = (src: string, sport: number, dst: string, dport: number, more: Partial<TcpFrame> = {}) => tcpFrame({ src, sport, dst, dport, ...more });

/** Runs `program` on `frames` in xdpsim alone, with `options`, and returns the object's maps. */
function simulate(program: string, frames: Uint8Array[], options: LoadOptions, ifindex = 1) {
  const obj = loadObject(OBJ, options);
  const prog = obj.program({ program });
  const lines = frames.map((f, i) => runFrame(prog, i, f, { ifindex }));
  for (const l of lines) expect(l).toMatchObject({ verdict: expect.any(Number) });
  const maps: Record<string, Array<[string, unknown]>> = {};
  for (const [name, map] of obj.maps) maps[name] = [...map.entries()].map(([k, v]) => [Buffer.from(k).toString('hex'), Buffer.from(v as Uint8Array).toString('hex')]);
  return maps;
}

/** The lookups' results for each frame, from xdpsim with the sockets `table`. */
const lookups = (table: SocketTableConfig, frames: Uint8Array[], ifindex = 1) =>
  rowsOf(simulate('xdp_sk_lookup', frames, { sockets: new SocketTable(table) }, ifindex), frames.length);

describe('socket lookups against the kernel', () => {
  if (!kernel.ok) {
    skipBecause(`kernel oracle unavailable: ${kernel.reason}`);
    return;
  }

  it('find no socket for addresses nobody uses, whatever the arguments', () => {
    const frames = Object.values(MODE).flatMap((mode) => [
      tcp('198.51.100.7', 40000, '203.0.113.9', 7, { mode }),
      tcp('2001:db8::7', 40000, '2001:db8::9', 7, { mode }),
      udpFrame({ src: '198.51.100.7', sport: 40000, dst: '203.0.113.9', dport: 7, mode }),
      udpFrame({ src: '2001:db8::7', sport: 40000, dst: '2001:db8::9', dport: 7, mode }),
    ]);
    const { kernel: run } = agree(OBJ, 'xdp_sk_lookup', frames);
    expect(rowsOf(run.maps, frames.length).every((r) => r.sk.found === 0 && r.skc.found === 0)).toBe(true);
  });

  describe('with sockets open on lo', () => {
    const servers: Server[] = [];
    const streams: Socket[] = [];
    const datagrams: UdpSocket[] = [];
    const port: Record<string, number> = {};

    async function listen(name: string, host: string, ipv6Only = false): Promise<void> {
      const server = createServer((s) => streams.push(s));
      server.listen({ host, port: 0, ipv6Only });
      await once(server, 'listening');
      servers.push(server);
      port[name] = (server.address() as AddressInfo).port;
    }

    async function dial(name: string, host: string, to: string): Promise<Socket> {
      const s = connect({ host, port: port[to]! });
      await once(s, 'connect');
      streams.push(s);
      port[name] = s.localPort!;
      return s;
    }

    async function bindUdp(name: string, type: 'udp4' | 'udp6', address: string, peer?: string): Promise<void> {
      const s = createSocket(type);
      s.bind({ address, port: 0 });
      await once(s, 'listening');
      datagrams.push(s);
      port[name] = s.address().port;
      if (peer) {
        s.connect(port[peer]!, address);
        await once(s, 'connect');
      }
    }

    beforeAll(async () => {
      await listen('L4', '127.0.0.1');
      await listen('L6', '::1');
      await listen('DUAL', '::');
      await dial('C4', '127.0.0.1', 'L4');
      await dial('C6', '::1', 'L6');
      await dial('CM', '127.0.0.1', 'DUAL');
      await bindUdp('U4', 'udp4', '127.0.0.1');
      await bindUdp('U6', 'udp6', '::1');
      await bindUdp('UC', 'udp4', '127.0.0.1', 'U4');
    });

    afterAll(() => {
      for (const s of streams) s.destroy();
      for (const s of servers) s.close();
      for (const s of datagrams) s.close();
    });

    /** The sockets above, as a socket table says them. */
    const table = (): SocketTableConfig => {
      const p = port;
      const sockets: SocketConfig[] = [
        { proto: 'tcp', local: `127.0.0.1:${p.L4}` },
        { proto: 'tcp', local: `[::1]:${p.L6}` },
        { proto: 'tcp', local: `[::]:${p.DUAL}` },
        { proto: 'tcp', local: `127.0.0.1:${p.C4}`, remote: `127.0.0.1:${p.L4}` },
        { proto: 'tcp', local: `127.0.0.1:${p.L4}`, remote: `127.0.0.1:${p.C4}` },
        { proto: 'tcp', local: `[::1]:${p.C6}`, remote: `[::1]:${p.L6}` },
        { proto: 'tcp', local: `[::1]:${p.L6}`, remote: `[::1]:${p.C6}` },
        { proto: 'tcp', local: `127.0.0.1:${p.CM}`, remote: `127.0.0.1:${p.DUAL}` },
        // An IPv4 client of a dual-stack listener is accepted as an IPv6 socket on v4-mapped addresses.
        { proto: 'tcp', local: `[::ffff:127.0.0.1]:${p.DUAL}`, remote: `[::ffff:127.0.0.1]:${p.CM}` },
        { proto: 'udp', local: `127.0.0.1:${p.U4}` },
        { proto: 'udp', local: `[::1]:${p.U6}` },
        { proto: 'udp', local: `127.0.0.1:${p.UC}`, remote: `127.0.0.1:${p.U4}` },
      ];
      return { sockets };
    };

    it('find the sockets the kernel finds, and show the same struct bpf_sock', () => {
      const p = port;
      const lo = '127.0.0.1';
      const frames = [
        tcp('127.0.0.9', 40001, lo, p.L4!),
        tcp(lo, p.C4!, lo, p.L4!),
        tcp(lo, p.L4!, lo, p.C4!),
        tcp('::1', 40001, '::1', p.L6!),
        tcp(lo, 40001, lo, p.L6!),
        tcp(lo, 40001, lo, p.DUAL!),
        tcp('::1', 40001, '::1', p.DUAL!),
        tcp('::1', p.C6!, '::1', p.L6!),
        tcp('::1', p.L6!, '::1', p.C6!),
        tcp(lo, p.CM!, lo, p.DUAL!),
        tcp(lo, p.DUAL!, lo, p.CM!),
        tcp(lo, 40001, lo, p.C4!),
        udpFrame({ src: '127.0.0.9', sport: 5000, dst: lo, dport: p.U4! }),
        udpFrame({ src: '::1', sport: 5000, dst: '::1', dport: p.U6! }),
        udpFrame({ src: lo, sport: p.U4!, dst: lo, dport: p.UC! }),
        udpFrame({ src: lo, sport: 5000, dst: lo, dport: p.UC! }),
        ...[MODE.netnsNegative, MODE.netnsAbsent, MODE.flags, MODE.short, MODE.empty, MODE.netnsHigh].map((mode) =>
          tcp('127.0.0.9', 40001, lo, p.L4!, { mode }),
        ),
      ];
      const { kernel: run } = agree(OBJ, 'xdp_sk_lookup', frames, [], { sockets: new SocketTable(table()) });
      const rows = rowsOf(run.maps, frames.length);
      const seen = rows.map((r) => [r.sk.found ? `${r.sk.family}/${r.sk.state}/${r.sk.src_port}` : '-', r.skc.found ? r.skc.state : '-']);
      expect(seen).toEqual([
        [`2/10/${p.L4}`, 10],
        [`2/1/${p.L4}`, 1],
        [`2/1/${p.C4}`, 1],
        [`10/10/${p.L6}`, 10],
        ['-', '-'], // a v6-only listener takes no IPv4
        [`10/10/${p.DUAL}`, 10],
        [`10/10/${p.DUAL}`, 10],
        [`10/1/${p.L6}`, 1],
        [`10/1/${p.C6}`, 1],
        [`10/1/${p.DUAL}`, 1],
        [`2/1/${p.CM}`, 1],
        ['-', '-'], // a connection answers only its peer
        [`2/7/${p.U4}`, '-'],
        [`10/7/${p.U6}`, '-'],
        [`2/1/${p.UC}`, '-'],
        ['-', '-'], // a connected UDP socket takes only its peer's datagrams
        [`2/10/${p.L4}`, 10], // netns 0x80000000: the current one
        ['-', '-'],
        ['-', '-'],
        ['-', '-'],
        ['-', '-'],
        [`2/10/${p.L4}`, 10], // the high half of netns is not read
      ]);
      // What an IPv6 socket shows as its IPv4 addresses: 127.0.0.6 unless v4-mapped or the wildcard.
      expect([rows[3]!.sk.src, rows[5]!.sk.src, rows[7]!.sk.src, rows[7]!.sk.dst, rows[8]!.sk.dst, rows[9]!.sk.dst]).toEqual([
        '127.0.0.6', '0.0.0.0', '127.0.0.6', '127.0.0.6', '0.0.0.0', '127.0.0.1',
      ]);
    });

    it('the socket SYN cookie helpers fail as the kernel’s do', () => {
      const p = port;
      const lo = '127.0.0.1';
      const mss = mssOption(1460);
      const syn = (dport: number, more: Partial<TcpFrame> = {}) => tcp('127.0.0.9', 40001, lo, dport, { options: mss, ...more });
      const frames = [
        syn(p.L4!),
        syn(p.L4!, { flags: TCP_ACK }),
        tcp(lo, p.C4!, lo, p.L4!, { options: mss }),
        syn(p.L4!, { mode: COOKIE.iphShort }),
        syn(p.L4!, { mode: COOKIE.thShort }),
        syn(p.L4!, { mode: COOKIE.thNotDoff }),
        syn(p.L4!, { mode: COOKIE.version5 }),
        syn(p.L4!, { mode: COOKIE.version5, flags: TCP_ACK }),
        syn(p.L4!, { mode: COOKIE.version6 }),
        syn(p.DUAL!),
        syn(p.DUAL!, { mode: COOKIE.version6 }),
        tcp('::1', 40001, '::1', p.L6!, { options: mss }),
        tcp('::1', 40001, '::1', p.L6!, { flags: TCP_ACK }),
        udpFrame({ src: '127.0.0.9', sport: 5000, dst: lo, dport: p.U4!, mode: COOKIE.fakeSyn }),
        syn(p.L4!, { flags: TCP_RST | TCP_ACK }),
        syn(p.L4!, { flags: TCP_SYN | TCP_FIN }),
      ];
      const { kernel: run } = agree(OBJ, 'xdp_sk_syncookie', frames, [], { sockets: new SocketTable(table()) });
      const errnos = [
        [ENOENT, ENOENT], // no SYN flood, so no cookie; no ACK to check
        [EINVAL, ENOENT], // not a SYN; no cookie sent lately
        [EINVAL, EINVAL], // not a listener
        [EINVAL, ENOENT],
        [EINVAL, EINVAL],
        [EINVAL, ENOENT], // gen wants th_len = doff * 4, check does not
        [EPROTONOSUPPORT, ENOENT],
        [EINVAL, ENOENT],
        [EINVAL, ENOENT], // IPv6 for an AF_INET listener
        [ENOENT, ENOENT], // IPv4 on a dual-stack listener
        [ENOENT, ENOENT],
        [ENOENT, ENOENT],
        [EINVAL, ENOENT],
        [EINVAL, EINVAL], // a UDP socket
        [EINVAL, ENOENT],
        [EINVAL, ENOENT],
      ];
      expect(cookieRows(run.maps, frames.length)).toEqual(errnos.map((row) => row.map((e) => BigInt(-e))));
    });

    it('a time-wait socket: bpf_skc_lookup_tcp finds it, bpf_sk_lookup_tcp finds nothing', async () => {
      await listen('TW', '127.0.0.1');
      const client = await dial('TWC', '127.0.0.1', 'TW');
      const closed = once(client, 'close');
      client.end();
      await closed;
      const lo = '127.0.0.1';
      const frames = [tcp(lo, port.TW!, lo, port.TWC!)];
      const sockets = [
        { proto: 'tcp', local: `127.0.0.1:${port.TW}` },
        { proto: 'tcp', state: 'time-wait', local: `127.0.0.1:${port.TWC}`, remote: `127.0.0.1:${port.TW}` },
      ] satisfies SocketConfig[];
      const { kernel: run } = agree(OBJ, 'xdp_sk_lookup', frames, [], { sockets: new SocketTable({ sockets }) });
      const [row] = rowsOf(run.maps, 1);
      expect(row!.sk.found).toBe(0);
      expect(row!.skc).toMatchObject({ found: 1, family: 2, state: 6, src_port: port.TWC, dst_port: port.TW });
    });
  });
});

describe('socket lookups in a filled table', () => {
  const to80 = (src: string, sport = 40000, dst = '10.0.0.2', more: Partial<TcpFrame> = {}) => tcp(src, sport, dst, 80, more);
  const marks = (rows: Array<{ sk: SockView }>) => rows.map((r) => (r.sk.found ? r.sk.mark : -1));

  it('finds a connection before a listener, and a listener for anyone else', () => {
    const rows = lookups(
      {
        sockets: [
          { proto: 'tcp', local: '10.0.0.2:80', mark: 1 },
          { proto: 'tcp', local: '10.0.0.2:80', remote: '10.0.0.1:40000', mark: 2 },
        ],
      },
      [to80('10.0.0.1'), to80('10.0.0.1', 40001), to80('10.0.0.9')],
    );
    expect(marks(rows)).toEqual([2, 1, 1]);
    expect(rows[0]!.sk).toMatchObject({ state: 1, src: '10.0.0.2', src_port: 80, dst: '10.0.0.1', dst_port: 40000, type: 1, protocol: 6 });
  });

  it('prefers a listener on the address to a wildcard one, and a bound device when it matches', () => {
    const sockets: SocketConfig[] = [
      { proto: 'tcp', local: '0.0.0.0:80', mark: 1 },
      { proto: 'tcp', local: '0.0.0.0:80', device: 2, mark: 2 },
      { proto: 'tcp', local: '10.0.0.2:80', mark: 3 },
      { proto: 'tcp', local: '10.0.0.5:80', device: 3, mark: 4 },
    ];
    const frames = [to80('10.0.0.1'), to80('10.0.0.1', 40000, '10.0.0.3'), to80('10.0.0.1', 40000, '10.0.0.5')];
    expect(marks(lookups({ sockets }, frames, 1))).toEqual([3, 1, 1]);
    expect(marks(lookups({ sockets }, frames, 2))).toEqual([3, 2, 2]);
    expect(marks(lookups({ sockets }, frames, 3))).toEqual([3, 1, 4]);
    expect(lookups({ sockets: [{ proto: 'tcp', local: '0.0.0.0:80', device: 5 }] }, frames, 1)[0]!.sk.found).toBe(0);
  });

  it('prefers an AF_INET listener to a dual-stack one, takes the later bound among equals, and leaves v6-only ones to IPv6', () => {
    const v4 = [to80('10.0.0.1')];
    const dual: SocketConfig = { proto: 'tcp', local: '[::]:80', mark: 6 };
    const inet: SocketConfig = { proto: 'tcp', local: '0.0.0.0:80', mark: 4 };
    expect(marks(lookups({ sockets: [inet, dual] }, v4))).toEqual([4]);
    expect(marks(lookups({ sockets: [dual, inet] }, v4))).toEqual([4]);
    expect(marks(lookups({ sockets: [dual] }, v4))).toEqual([6]);
    expect(marks(lookups({ sockets: [{ ...dual, v6only: true }] }, [...v4, tcp('2001:db8::1', 1, '2001:db8::2', 80)]))).toEqual([-1, 6]);
    expect(marks(lookups({ sockets: [inet, { ...inet, mark: 5 }] }, v4))).toEqual([5]);
  });

  it('turns a request socket into its listener, and a time-wait one into nothing, unless bpf_skc_lookup_tcp looks', () => {
    const rows = lookups(
      {
        sockets: [
          { proto: 'tcp', local: '10.0.0.2:80', mark: 9, device: 4 },
          { proto: 'tcp', state: 'syn-recv', local: '10.0.0.2:80', remote: '10.0.0.1:40000', device: 4 },
          { proto: 'tcp', state: 'time-wait', local: '10.0.0.2:80', remote: '10.0.0.1:40001' },
          { proto: 'tcp', state: 'syn-recv', local: '[2001:db8::2]:80', remote: '[2001:db8::1]:40000' },
          { proto: 'tcp', local: '[::]:80', mark: 10 },
        ],
      },
      [to80('10.0.0.1'), to80('10.0.0.1', 40001), tcp('2001:db8::1', 40000, '2001:db8::2', 80)],
      4,
    );
    expect(rows[0]!.sk).toMatchObject({ found: 1, state: 10, mark: 9, bound_dev_if: 4 });
    expect(rows[0]!.skc).toMatchObject({ found: 1, state: 12, src_port: 80, dst_port: 40000, src: '10.0.0.2', dst: '10.0.0.1', bound_dev_if: 4 });
    expect(rows[1]!.sk.found).toBe(0);
    expect(rows[1]!.skc).toMatchObject({ found: 1, state: 6, dst_port: 40001 });
    expect(rows[2]!.sk).toMatchObject({ found: 1, state: 10, mark: 10, family: 10 });
    expect(rows[2]!.skc).toMatchObject({ found: 1, state: 12, family: 10, src: '127.0.0.6', dst: '127.0.0.6' });
  });

  it('gives a request socket its listener’s family, and v4-mapped IPv6 addresses to an IPv4 connection’s', () => {
    // The program reads no IPv6 address of a sock_common (a time-wait socket's are garbage), so the table shows them.
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const request: SocketConfig = { proto: 'tcp', state: 'syn-recv', local: '10.0.0.2:80', remote: '10.0.0.1:40000' };
    // As `ss` shows it on a dual-stack listener: the same socket.
    const asSsShows: SocketConfig = { ...request, local: '[::ffff:10.0.0.2]:80', remote: '[::ffff:10.0.0.1]:40000' };
    for (const [listener, req, family] of [['0.0.0.0:80', request, 2], ['[::]:80', request, 10], ['[::]:80', asSsShows, 10]] as const) {
      const table: SocketTableConfig = { sockets: [{ proto: 'tcp', local: listener }, req] };
      // inet_reqsk_alloc takes the listener's family; tcp_v4_init_req sets the addresses with sk_rcv_saddr_set and sk_daddr_set.
      const [row] = lookups(table, [to80('10.0.0.1')]);
      expect(row!.skc).toMatchObject({ found: 1, state: 12, family, src: '10.0.0.2', dst: '10.0.0.1', src_port: 80, dst_port: 40000 });
      const sk = new SocketTable(table).sockets[1]!;
      expect([hex(sk.v6RcvSaddr), hex(sk.v6Daddr)]).toEqual(['00000000000000000000ffff0a000002', '00000000000000000000ffff0a000001']);
    }
  });

  it('finds the same sockets among many connections on one port', () => {
    const sockets: SocketConfig[] = [{ proto: 'tcp', local: '10.0.0.2:80', mark: 1 }];
    for (let i = 0; i < 20000; i++) sockets.push({ proto: 'tcp', local: '10.0.0.2:80', remote: `10.1.${i >> 8}.${i & 0xff}:${1024 + (i % 60000)}`, mark: 2 });
    sockets.push({ proto: 'tcp', local: '10.0.0.2:80', remote: '10.1.0.5:1029', mark: 3, device: 7 });
    const started = performance.now();
    const table = new SocketTable({ sockets });
    expect(performance.now() - started).toBeLessThan(2000);
    // The later of two on the same tuple, unless bound to another device.
    expect(marks(lookups({ sockets }, [tcp('10.1.0.5', 1029, '10.0.0.2', 80), tcp('10.1.0.5', 1030, '10.0.0.2', 80)], 7))).toEqual([3, 1]);
    expect(marks(lookups({ sockets }, [tcp('10.1.0.5', 1029, '10.0.0.2', 80)], 1))).toEqual([2]);
    expect(table.sockets).toHaveLength(20002);
  });

  it('scores UDP sockets: a connected one, then one on the address, then the wildcard; a bound device adds', () => {
    const sockets: SocketConfig[] = [
      { proto: 'udp', local: '0.0.0.0:53', mark: 1 },
      { proto: 'udp', local: '10.0.0.2:53', mark: 2 },
      { proto: 'udp', local: '10.0.0.2:53', remote: '10.0.0.1:5353', mark: 3 },
      { proto: 'udp', local: '[::]:53', mark: 4 },
      { proto: 'udp', local: '0.0.0.0:53', device: 2, mark: 5 },
    ];
    const frames = [
      udpFrame({ src: '10.0.0.1', sport: 5353, dst: '10.0.0.2', dport: 53 }),
      udpFrame({ src: '10.0.0.1', sport: 1000, dst: '10.0.0.2', dport: 53 }),
      udpFrame({ src: '10.0.0.1', sport: 1000, dst: '10.0.0.3', dport: 53 }),
      udpFrame({ src: '2001:db8::1', sport: 1000, dst: '2001:db8::2', dport: 53 }),
    ];
    expect(marks(lookups({ sockets }, frames, 1))).toEqual([3, 2, 1, 4]);
    expect(marks(lookups({ sockets }, frames, 2))).toEqual([3, 2, 5, 4]);
    expect(marks(lookups({ sockets: sockets.filter((s) => s.local.startsWith('[')) }, frames.slice(2)))).toEqual([4, 4]);
  });

  it('looks in another namespace by its id, and shows each field as set', () => {
    const rows = lookups(
      {
        sockets: [{ proto: 'tcp', local: '10.0.0.2:80', mark: 10, priority: 6, rxQueue: 3, device: 1 }],
        namespaces: [{ id: 1000000, sockets: [{ proto: 'tcp', local: '10.0.0.2:80', mark: 11 }] }],
      },
      [to80('10.0.0.1'), to80('10.0.0.1', 40000, '10.0.0.2', { mode: MODE.netnsAbsent })],
    );
    expect(rows[0]!.sk).toMatchObject({ mark: 10, priority: 6, rx_queue_mapping: 3, bound_dev_if: 1, family: 2, src6: '0'.repeat(32) });
    expect(rows[1]!.sk).toMatchObject({ mark: 11, rx_queue_mapping: -1, bound_dev_if: 0 });
  });

  it('returns the same read-only struct bpf_sock each time', () => {
    const obj = loadObject(OBJ, { sockets: new SocketTable({ sockets: [{ proto: 'tcp', local: '10.0.0.2:80' }] }) });
    const region = obj.memory.regions.find((r) => r.name.startsWith('socket 0 '))!;
    expect(region).toMatchObject({ name: 'socket 0 (tcp 10.0.0.2:80 listen)', writable: false, end: region.start + 80 });
    expect(() => obj.memory.check(region.start, 4, true, 0)).toThrow(/read-only/);
  });
});

describe('the socket SYN cookie helpers with a filled table', () => {
  const MINUTE = 60_000_000_000n;
  const syn = (mss = 1460, more: Partial<TcpFrame> = {}) =>
    tcp('10.0.0.1', 40000, '10.0.0.2', 80, { seq: 5000, options: mssOption(mss), ...more });

  /** gen on a SYN at `t`, then check on its ACK at `t2`: [gen, check]. */
  function genThenCheck(table: SocketTableConfig, t = 10n * MINUTE, t2 = t, mss = 1460): [bigint, bigint] {
    let now = t;
    const obj = loadObject(OBJ, { sockets: new SocketTable(table), now: () => now });
    const prog = obj.program({ program: 'xdp_sk_syncookie' });
    const row = (i: number) => {
      const v = Buffer.from([...obj.map('cookies').entries()][i]![1] as Uint8Array);
      return [v.readBigInt64LE(0), v.readBigInt64LE(8)] as const;
    };
    expect(runFrame(prog, 0, syn(mss))).toMatchObject({ verdict: 2 });
    const [gen] = row(0);
    now = t2;
    const ack = syn(mss, { flags: TCP_ACK, seq: 5001, ack: Number((gen + 1n) & 0xffffffffn) });
    expect(runFrame(prog, 1, ack)).toMatchObject({ verdict: 2 });
    return [gen, row(1)[1]];
  }

  const listener = (more: Partial<SocketConfig> = {}): SocketConfig => ({ proto: 'tcp', local: '10.0.0.2:80', ...more });

  it('makes a cookie when syncookies is 2 or the SYN queue overflows, and takes its ACK', () => {
    for (const table of [{ syncookies: 2, sockets: [listener()] }, { sockets: [listener({ backlog: 3, synQueue: 4 })] }]) {
      const [gen, check] = genThenCheck(table);
      expect(gen >> 32n).toBe(1460n);
      expect(check).toBe(0n);
    }
  });

  it('counts the listener’s request sockets in its SYN queue', () => {
    const sockets: SocketConfig[] = [
      listener({ backlog: 1 }),
      { proto: 'tcp', state: 'syn-recv', local: '10.0.0.2:80', remote: '10.0.0.1:1' },
    ];
    expect(genThenCheck({ sockets })[0]).toBe(BigInt(-ENOENT));
    sockets.push({ proto: 'tcp', state: 'syn-recv', local: '10.0.0.2:80', remote: '10.0.0.1:2' });
    expect(genThenCheck({ sockets })[0] >> 32n).toBe(1460n);
  });

  it('makes none with a full accept queue or syncookies off, where check is -EINVAL', () => {
    expect(genThenCheck({ syncookies: 2, sockets: [listener({ backlog: 2, acceptQueue: 3 })] })).toEqual([BigInt(-ENOENT), BigInt(-ENOENT)]);
    expect(genThenCheck({ syncookies: 0, sockets: [listener({ synQueue: 5000 })] })).toEqual([BigInt(-ENOENT), BigInt(-EINVAL)]);
  });

  it('caps the SYN’s MSS at the listener’s TCP_MAXSEG', () => {
    expect(genThenCheck({ syncookies: 2, sockets: [listener({ mss: 1000 })] })[0] >> 32n).toBe(536n);
    expect(genThenCheck({ syncookies: 2, sockets: [listener({ mss: 1450 })] }, undefined, undefined, 1500)[0] >> 32n).toBe(1440n);
  });

  it('takes cookies for two minutes after the last one it made', () => {
    const table = { syncookies: 2, sockets: [listener()] };
    // The first nanosecond of a minute of the cookies' counter: jiffies start at INITIAL_JIFFIES.
    const t = (71590n * 60_000n - INITIAL_JIFFIES) * 1_000_000n;
    expect(genThenCheck(table, t, t + MINUTE + 59_000_000_000n)[1]).toBe(0n);
    // Past TCP_SYNCOOKIE_VALID the listener takes no cookie at all, whatever its minute.
    expect(genThenCheck(table, t, t + 2n * MINUTE + 1_000_000n)[1]).toBe(BigInt(-ENOENT));
  });
});

describe('the socket SYN cookie helpers on a fresh listener', () => {
  it('take no cookie in its first two minutes, not even one its secret made that minute', () => {
    // Its last-overflow stamp is 0, which jiffies (from INITIAL_JIFFIES) are far from at boot.
    const secret = Uint8Array.from({ length: 64 }, (_, i) => i);
    const run = (frame: Uint8Array): [bigint, bigint] => {
      const table = new SocketTable({ syncookies: 2, sockets: [{ proto: 'tcp', local: '10.0.0.2:80' }] });
      const obj = loadObject(OBJ, { sockets: table, now: () => 30_000_000_000n, syncookieSecret: secret });
      expect(runFrame(obj.program({ program: 'xdp_sk_syncookie' }), 0, frame)).toMatchObject({ verdict: 2 });
      const v = Buffer.from([...obj.map('cookies').entries()][0]![1] as Uint8Array);
      return [v.readBigInt64LE(0), v.readBigInt64LE(8)];
    };
    const [gen] = run(tcp('10.0.0.1', 40000, '10.0.0.2', 80, { seq: 5000, options: mssOption(1460) }));
    expect(gen >> 32n).toBe(1460n);
    const ack = tcp('10.0.0.1', 40000, '10.0.0.2', 80, { flags: TCP_ACK, seq: 5001, ack: Number((gen + 1n) & 0xffffffffn), options: mssOption(1460) });
    expect(run(ack)[1]).toBe(BigInt(-ENOENT));
  });
});

describe('socket references', () => {
  const table = () => new SocketTable({ sockets: [{ proto: 'tcp', local: '10.0.0.2:80' }] });
  const frame = tcp('10.0.0.1', 40000, '10.0.0.2', 80);

  it('are refused at load when held at exit or at a tail call, or released twice, in the kernel\'s words', () => {
    const refusal = (program: string): string => {
      try {
        loadObject(REFS, { select: { program } });
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(refusal('xdp_clean')).toMatch(/^program 'xdp_leak' \(the object is loaded whole, so this also stops 'xdp_clean'\): insn 21: BPF_EXIT instruction in main prog would lead to reference leak/);
  });

  it('past a wrong verifier, a run that exits holding a socket faults at the lookup; one that found none does not', () => {
    const obj = pastWrongVerifier(() => loadObject(REFS, { sockets: table() }));
    const line = runFrame(obj.program({ program: 'xdp_leak' }), 0, frame);
    expect(line).toMatchObject({ err: 'fault' });
    expect((line as { reason: string }).reason).toMatch(
      /^insn 16: Unreleased reference alloc_insn=16: BPF_EXIT instruction in main prog would lead to reference leak \(the socket bpf_sk_lookup_tcp returned is not released with bpf_sk_release\) \(socket_refs\.bpf\.c:\d+: return bpf_sk_lookup_tcp\(.*\)$/,
    );
    // The fault leaves nothing held: the next run releases what it finds and passes.
    expect(runFrame(obj.program({ program: 'xdp_clean' }), 1, frame)).toMatchObject({ verdict: 1 });
    expect(runFrame(pastWrongVerifier(() => loadObject(REFS)).program({ program: 'xdp_leak' }), 0, frame)).toMatchObject({ verdict: 2 });
  });

  it('past a wrong verifier, releasing twice faults, and so does a tail call while holding a socket', () => {
    const obj = pastWrongVerifier(() => loadObject(REFS, { sockets: table() }));
    expect(runFrame(obj.program({ program: 'xdp_double_release' }), 0, frame)).toMatchObject({
      err: 'fault',
      reason: expect.stringMatching(/^insn \d+: bpf_sk_release: R1 is not a socket the program holds/),
    });
    expect(runFrame(obj.program({ program: 'xdp_tail_call_holding' }), 0, frame)).toMatchObject({
      err: 'fault',
      reason: expect.stringMatching(/^insn \d+: Unreleased reference alloc_insn=\d+: tail_call would lead to reference leak/),
    });
  });

  it.runIf(kernel.ok)('the kernel refuses such programs at load', () => {
    expect(() => runInKernel(REFS, { program: 'xdp_clean', frames: [frame] })).toThrow(KernelOracleError);
    expect(() => runInKernel(REFS, { program: 'xdp_clean', frames: [frame] })).toThrow(/reference leak|Unreleased reference/);
  });
});

describe('the socket table', () => {
  it.each([
    [{ sockets: [{ proto: 'sctp', local: '10.0.0.1:1' }] }, 'sockets[0].proto: expected "tcp" or "udp", got "sctp"'],
    [{ sockets: [{ proto: 'tcp', local: '10.0.0.1' }] }, 'sockets[0].local: expected "ADDRESS:PORT" or "[IPV6]:PORT", got "10.0.0.1"'],
    [{ sockets: [{ proto: 'tcp', local: '10.0.0.1:0' }] }, 'sockets[0].local: port 0 is not from 1 to 65535'],
    [{ sockets: [{ proto: 'tcp', local: '::1:80' }] }, 'sockets[0].local: expected "ADDRESS:PORT"'],
    [{ sockets: [{ proto: 'tcp', local: '10.0.0.300:80' }] }, "sockets[0].local: bad IP address '10.0.0.300'"],
    [{ sockets: [{ proto: 'tcp', local: '10.0.0.1:80', state: 'close' }] }, 'sockets[0].state: expected one of established, syn-sent'],
    [{ sockets: [{ proto: 'tcp', local: '10.0.0.1:80', state: 'established' }] }, 'sockets[0]: a TCP established socket needs a remote end'],
    [{ sockets: [{ proto: 'tcp', local: '10.0.0.1:80', remote: '10.0.0.2:1', state: 'listen' }] }, 'sockets[0]: a listening socket has no remote end'],
    [{ sockets: [{ proto: 'tcp', local: '10.0.0.1:80', remote: '[::1]:1' }] }, 'different families'],
    [{ sockets: [{ proto: 'udp', local: '10.0.0.1:53', state: 'listen' }] }, 'sockets[0].state: a UDP socket has no state'],
    [{ sockets: [{ proto: 'tcp', local: '10.0.0.1:80', remote: '10.0.0.2:1', backlog: 5 }] }, 'sockets[0].backlog: only listening sockets have it'],
    [{ sockets: [{ proto: 'tcp', local: '[::ffff:10.0.0.1]:80', v6only: true }] }, 'a v6only socket has no v4-mapped addresses'],
    [{ sockets: [{ proto: 'tcp', local: '10.0.0.1:80', mss: 40 }] }, 'sockets[0].mss: TCP_MAXSEG takes 0 or 88 to 32767, not 40'],
    [{ sockets: [{ proto: 'tcp', state: 'syn-recv', local: '10.0.0.1:80', remote: '10.0.0.2:1' }] }, 'a syn-recv socket needs a listener'],
    [{ sockets: [{ proto: 'tcp', local: '10.0.0.1:80', colour: 'red' }] }, "sockets[0]: unknown field 'colour'"],
    [{ syncookies: 3 }, 'the socket table: syncookies: expected an integer from 0 to 2, got 3'],
    [{ namespaces: [{ id: 1 }, { id: 1 }] }, 'namespaces[1]: namespace id 1 given twice'],
    [{ namespaces: null }, 'namespaces: expected an array'],
    [{ sockets: null }, 'sockets: expected an array'],
    [{ sockets: [{ proto: 'udp', local: '0.0.0.0:53', remote: '10.0.0.2:53' }] }, 'sockets[0].local: a connected socket has a specific local address'],
    [{ sockets: [{ proto: 'tcp', local: '[::]:80', remote: '[::1]:1' }] }, 'sockets[0].local: a connected socket has a specific local address'],
  ])('refuses %j', (config, message) => {
    expect(() => SocketTable.fromJson(config)).toThrow(SocketConfigError);
    expect(() => SocketTable.fromJson(config)).toThrow(message);
  });

  it('reads a JSON file, naming it in errors', () => {
    expect(parseSocketTable('{"sockets":[{"proto":"udp","local":"[::]:53"}]}', 'socks.json').sockets).toHaveLength(1);
    expect(() => parseSocketTable('{', 'socks.json')).toThrow(/^socks\.json: not valid JSON$/);
    expect(() => parseSocketTable('{"secret": 1', 'socks.json')).not.toThrow(/secret/);
    expect(() => parseSocketTable('[]', 'socks.json')).toThrow('socks.json: the socket table: expected an object');
  });
});
