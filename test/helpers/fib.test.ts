// bpf_fib_lookup on routes, neighbours and devices, against what the kernel
// answered in a network namespace set up like the FibTable below
// (test/fixtures/objects/fib_routes.netns.sh records it; the oracle harness
// runs in the host's namespace, where nothing forwards). Every field the
// kernel wrote back is compared, not only the result.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AF_INET, AF_INET6, FibTable, parseIp } from '../../src/helpers/fib-table.js';
import {
  BPF_FIB_LOOKUP_DIRECT,
  BPF_FIB_LOOKUP_MARK,
  BPF_FIB_LOOKUP_OUTPUT,
  BPF_FIB_LOOKUP_SKIP_NEIGH,
  BPF_FIB_LOOKUP_SRC,
  BPF_FIB_LOOKUP_TBID,
} from '../../src/uapi/bpf.js';
import { loadObject } from '../../src/loader/load.js';
import { dumpMapsHex } from '../../src/maps/dump.js';
import { runFrame } from '../../src/testrun/line.js';
import { concat, hex, le32 } from '../oracle/packets.js';
import { fixture, FIXTURES, sortedMaps } from './agreement.js';

const A = 10, B = 12, C = 14;

/** The namespace of fib_routes.netns.sh. */
function table(): FibTable {
  return new FibTable()
    .addDevice({ ifindex: A, mac: '02:00:00:00:0a:01', addresses: ['10.1.0.1', '2001:db8:1::1'] })
    .addDevice({ ifindex: B, mac: '02:00:00:00:0b:01', mtu: 1400, addresses: ['10.2.0.1', '2001:db8:2::1'] })
    .addDevice({ ifindex: C, mac: '02:00:00:00:0c:01', forwarding: false, addresses: ['10.3.0.1'] })
    .addRoute({ prefix: '10.1.0.0/24', ifindex: A })
    .addRoute({ prefix: '10.2.0.0/24', ifindex: B })
    .addRoute({ prefix: '10.3.0.0/24', ifindex: C })
    .addRoute({ prefix: '2001:db8:1::/64', ifindex: A, metric: 256 })
    .addRoute({ prefix: '2001:db8:2::/64', ifindex: B, metric: 256 })
    .addRoute({ prefix: '10.9.0.0/16', gateway: '10.2.0.254', ifindex: B, metric: 7 })
    .addRoute({ prefix: '10.10.0.0/16', gateway: '10.1.0.254', ifindex: A, metric: 3 })
    .addRoute({ prefix: '10.66.0.0/16', type: 'blackhole' })
    .addRoute({ prefix: '10.67.0.0/16', type: 'unreachable' })
    .addRoute({ prefix: '10.68.0.0/16', type: 'prohibit' })
    .addRoute({ prefix: '10.70.0.0/16', gateway: '10.2.0.254', ifindex: B, mtu: 1200 })
    .addRoute({ prefix: '10.71.0.0/16', gateway: '10.2.0.254', ifindex: B }) // `mtu 1000`, not locked: ignored
    .addRoute({ prefix: '10.80.0.0/16', ifindex: A, table: 100 })
    .addRoute({ prefix: '10.90.0.0/16', ifindex: A, src: '10.2.0.1' })
    .addRoute({ prefix: '10.95.0.0/16', gateway: '2001:db8:2::fe', ifindex: B })
    .addRoute({ prefix: '2001:db8:9::/48', gateway: '2001:db8:2::fe', ifindex: B, metric: 5 })
    .addRoute({ prefix: '2001:db8:66::/48', type: 'blackhole' })
    .addRoute({ prefix: '2001:db8:67::/48', type: 'unreachable' })
    .addRoute({ prefix: '2001:db8:68::/48', type: 'prohibit' })
    .addRoute({ prefix: '2001:db8:70::/48', gateway: '2001:db8:2::fe', ifindex: B, mtu: 1300 })
    .addNeighbour({ ifindex: B, address: '10.2.0.254', mac: '02:00:00:00:0b:fe', state: 'permanent' })
    .addNeighbour({ ifindex: A, address: '10.1.0.5', mac: '02:00:00:00:0a:05', state: 'stale' })
    .addNeighbour({ ifindex: B, address: '2001:db8:2::fe', mac: '02:00:00:00:0b:ef', state: 'permanent' })
    .addNeighbour({ ifindex: A, address: '2001:db8:1::5', mac: '02:00:00:00:0a:06' });
}

interface Case {
  what: string;
  dst: string;
  src?: string;
  ifindex?: number;
  flags?: number;
  totLen?: number;
  tbid?: number;
  result: number;
}

const { DIRECT, OUTPUT, SKIP, TBID, SRC, MARK } = {
  DIRECT: BPF_FIB_LOOKUP_DIRECT, OUTPUT: BPF_FIB_LOOKUP_OUTPUT, SKIP: BPF_FIB_LOOKUP_SKIP_NEIGH,
  TBID: BPF_FIB_LOOKUP_TBID, SRC: BPF_FIB_LOOKUP_SRC, MARK: BPF_FIB_LOOKUP_MARK,
};

const CASES: Case[] = [
  { what: 'connected, permanent neighbour', dst: '10.2.0.254', result: 0 },
  { what: 'via a gateway', dst: '10.9.1.2', result: 0 },
  { what: 'gateway without a neighbour', dst: '10.10.1.1', result: 7 },
  { what: 'stale neighbour is valid', dst: '10.1.0.5', result: 0 },
  { what: 'no neighbour', dst: '10.1.0.6', result: 7 },
  { what: 'blackhole', dst: '10.66.0.1', result: 1 },
  { what: 'unreachable', dst: '10.67.0.1', result: 2 },
  { what: 'prohibit', dst: '10.68.0.1', result: 3 },
  { what: 'no route', dst: '8.8.8.8', result: 4 },
  { what: 'local address', dst: '10.1.0.1', result: 4 },
  { what: 'bigger than the device MTU', dst: '10.2.0.254', totLen: 1401, result: 8 },
  { what: 'the device MTU exactly', dst: '10.2.0.254', totLen: 1400, result: 0 },
  { what: 'locked route MTU', dst: '10.70.1.1', totLen: 1201, result: 8 },
  { what: 'unlocked route MTU is ignored', dst: '10.71.1.1', totLen: 1300, result: 0 },
  { what: 'ingress device not forwarding', dst: '10.2.0.254', ifindex: C, result: 5 },
  { what: 'unknown ingress device', dst: '10.2.0.254', ifindex: 999, result: -19 },
  { what: 'skip the neighbour', dst: '10.10.1.1', flags: SKIP, result: 0 },
  { what: 'source from the egress device', dst: '10.9.1.2', flags: SRC, result: 0 },
  { what: 'preferred source of the route', dst: '10.90.1.1', flags: SRC | SKIP, result: 0 },
  { what: 'direct: IPv4 main and local tables are one', dst: '10.1.0.1', flags: DIRECT, result: 4 },
  { what: 'direct: IPv6 main table has no local routes', dst: '2001:db8:1::1', flags: DIRECT, result: 7 },
  { what: 'direct into table 100', dst: '10.80.1.1', flags: DIRECT | TBID | SKIP, tbid: 100, result: 0 },
  { what: 'direct into a missing table', dst: '10.80.1.1', flags: DIRECT | TBID, tbid: 200, result: 4 },
  { what: 'a table id without direct is ignored', dst: '10.80.1.1', flags: TBID, tbid: 100, result: 4 },
  { what: 'output through the route device', dst: '10.9.1.2', ifindex: B, flags: OUTPUT, result: 0 },
  { what: 'output through another device', dst: '10.9.1.2', ifindex: A, flags: OUTPUT, result: 4 },
  { what: 'output from a device not forwarding', dst: '10.9.1.2', ifindex: C, flags: OUTPUT, result: 5 },
  { what: 'IPv4 route via an IPv6 gateway', dst: '10.95.1.1', result: 0 },
  { what: 'mark without rules', dst: '10.9.1.2', flags: MARK, result: 0 },
  { what: 'IPv6 via a gateway', dst: '2001:db8:9::1', result: 0 },
  { what: 'IPv6 connected', dst: '2001:db8:2::fe', result: 0 },
  { what: 'IPv6 reachable neighbour', dst: '2001:db8:1::5', result: 0 },
  { what: 'IPv6 no neighbour', dst: '2001:db8:1::6', result: 7 },
  { what: 'IPv6 blackhole', dst: '2001:db8:66::1', result: 1 },
  { what: 'IPv6 unreachable', dst: '2001:db8:67::1', result: 2 },
  { what: 'IPv6 prohibit', dst: '2001:db8:68::1', result: 3 },
  { what: 'IPv6 no route', dst: '2001:db8:ff::1', result: 4 },
  { what: 'IPv6 local address', dst: '2001:db8:1::1', result: 4 },
  { what: 'IPv6 link-local source', dst: '2001:db8:9::1', src: 'fe80::1', result: 4 },
  { what: 'IPv6 multicast destination', dst: 'ff02::1', ifindex: 999, result: 4 },
  { what: 'IPv6 bigger than the device MTU', dst: '2001:db8:9::1', totLen: 1401, result: 8 },
  { what: 'IPv6 locked route MTU', dst: '2001:db8:70::1', totLen: 1301, result: 8 },
  { what: 'IPv6 source from the egress device', dst: '2001:db8:9::1', flags: SRC, result: 0 },
  { what: 'IPv6 not forwarding', dst: '2001:db8:9::1', ifindex: C, result: 5 },
  { what: 'IPv6 unknown device', dst: '2001:db8:9::1', ifindex: 999, result: -19 },
];

/** The flags, then struct bpf_fib_lookup as the program copies it from the frame. */
function frame(c: Case): Uint8Array {
  const p = new Uint8Array(64);
  const view = new DataView(p.buffer);
  const dst = parseIp(c.dst);
  p[0] = dst.length === 4 ? AF_INET : AF_INET6;
  view.setUint16(6, c.totLen ?? 0, true);
  view.setUint32(8, c.ifindex ?? A, true);
  if (c.src) p.set(parseIp(c.src), 16);
  p.set(dst, 32);
  view.setUint32(48, c.tbid ?? 0, true);
  return concat(new Uint8Array(14), le32(c.flags ?? 0), p);
}

const RECORDED = `${FIXTURES}/fib_routes.kernel.jsonl`;

describe('bpf_fib_lookup on a simulated host', () => {
  const frames = CASES.map(frame);
  if (process.env.XDPSIM_WRITE_FIB_FRAMES) {
    const out = Buffer.concat(frames.flatMap((f) => [Buffer.from(le32(f.length)), Buffer.from(f)]));
    writeFileSync(process.env.XDPSIM_WRITE_FIB_FRAMES, out);
  }
  const lines = readFileSync(RECORDED, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const kernelFrames = lines.slice(0, -1);
  const kernelMaps = (lines.at(-1)! as { maps: Record<string, Array<[string, unknown]>> }).maps;

  it('the recording is of these very frames', () => {
    expect(kernelFrames.map((l) => l.out)).toEqual(frames.map(hex));
  });

  it('returns what the kernel returned, case by case', () => {
    const results = kernelMaps.rows!.slice(0, CASES.length).map(([, v]) => Number(Buffer.from(v as string, 'hex').readBigInt64LE(0)));
    expect(Object.fromEntries(CASES.map((c, i) => [c.what, results[i]]))).toEqual(Object.fromEntries(CASES.map((c) => [c.what, c.result])));
  });

  it('leaves struct bpf_fib_lookup exactly as the kernel left it', () => {
    const obj = loadObject(fixture('fib_routes'), { fib: table() });
    const prog = obj.program({ program: 'xdp_fib_route' });
    const ours = frames.map((f, i) => {
      const { reason: _reason, ...line } = runFrame(prog, i, f) as Record<string, unknown>;
      return line;
    });
    expect(ours).toEqual(kernelFrames);
    const mine = sortedMaps(dumpMapsHex(obj.maps));
    const theirs = sortedMaps(kernelMaps);
    CASES.forEach((c, i) => expect(mine.fibs![i], c.what).toEqual(theirs.fibs![i]));
    expect(mine).toEqual(theirs);
  });
});
