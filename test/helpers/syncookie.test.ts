// The raw SYN cookie helpers. Against the kernel: the MSS each SYN's options
// give, the th_len checks and errors, and gen-then-check in one run (an ACK
// forged from the SYN and its cookie is taken; with another port it is not;
// a cookie one more encodes the next MSS index). The kernel's secret is its
// own, so the rest is by property, calling the helpers directly with a fixed
// secret and clock: check takes exactly what gen made, within two minutes,
// and the cookie is the kernel's formula.
import { describe, expect, it } from 'vitest';
import {
  syncookieSecret,
  COOKIE_V4,
  COOKIE_V6,
  IPV6_MSS_DEFAULT,
  TCP_MSS_DEFAULT,
  TCP_SYNCOOKIE_PERIOD,
  tcpCookieTime,
  tcpParseMssOption,
} from '../../src/helpers/syncookie.js';
import { HZ, INITIAL_JIFFIES, jiffiesAt, NSEC_PER_JIFFY } from '../../src/helpers/time.js';
import { toKtime } from '../../src/helpers/clock.js';
import { tcpRawCheckSyncookie, tcpRawGenSyncookie } from '../../src/helpers/syncookie-raw.js';
import { SocketConfigError } from '../../src/helpers/socket-table.js';
import { loadObject } from '../../src/loader/load.js';
import { EACCES, EINVAL } from '../../src/uapi/errno.js';
import { kernelAvailable } from '../oracle/kernel.js';
import { skipBecause } from '../support/skip.js';
import { agree, fixture } from './agreement.js';
import { bench } from './direct.js';
import { mssOption, TCP_ACK, tcpFrame, type TcpFrame } from './tcp-frames.js';

const OBJ = fixture('syncookies');

/** SYNs from 10.0.0.1:40000 to 10.0.0.2:80 (or the IPv6 pair) with these options. */
const syn4 = (options?: number[], more: Partial<TcpFrame> = {}) =>
  tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, seq: 0x12345678, ...(options && { options: Uint8Array.from(options) }), ...more });
const syn6 = (options?: number[]) =>
  tcpFrame({ src: '2001:db8::1', dst: '2001:db8::2', sport: 40000, dport: 443, seq: 0xfffffff0, ...(options && { options: Uint8Array.from(options) }) });

const MSS = (v: number) => [...mssOption(v)];

/** Frames and the MSS the kernel's gen returns for each. */
const CASES: ReadonlyArray<[string, Uint8Array, bigint]> = [
  ['IPv4, no options: TCP_MSS_DEFAULT', syn4(), 536n],
  ['IPv4, MSS 1460', syn4(MSS(1460)), 1460n],
  ['IPv4, MSS 1400: rounded down to 1300', syn4(MSS(1400)), 1300n],
  ['IPv4, MSS 1452: rounded down to 1440', syn4(MSS(1452)), 1440n],
  ['IPv4, MSS 9000: the largest entry', syn4(MSS(9000)), 1460n],
  ['IPv4, MSS 100: the smallest entry', syn4(MSS(100)), 536n],
  ['IPv4, MSS 0: no option', syn4(MSS(0)), 536n],
  ['IPv4, NOPs and window scale before MSS 1440', syn4([1, 3, 3, 7, 1, 1, ...MSS(1440)]), 1440n],
  ['IPv4, EOL before the MSS option', syn4([0, 0, 0, 0, ...MSS(1460)]), 536n],
  ['IPv4, an option of length 1 before it', syn4([8, 1, 0, 0, ...MSS(1460)]), 536n],
  ['IPv4, an MSS option running past the header', syn4([1, 1, 2, 4]), 536n],
  ['IPv4, an MSS option of length 3', syn4([2, 3, 5, 1]), 536n],
  ['IPv4, an ACK with MSS 1300: gen takes any flags', syn4(MSS(1300), { flags: TCP_ACK }), 1300n],
  ['IPv6, no options: the IPv6 minimum', syn6(), 1220n],
  ['IPv6, MSS 1440', syn6(MSS(1440)), 1440n],
  ['IPv6, MSS 1460: rounded down to 1440', syn6(MSS(1460)), 1440n],
  ['IPv6, MSS 1400: the smallest entry', syn6(MSS(1400)), 1220n],
  ['IPv6, MSS 9000: 8940', syn6(MSS(9000)), 8940n],
];

const rowsOf = (maps: Record<string, Array<[string, unknown]>>): bigint[][] =>
  maps.rows!.map(([, v]) => Array.from({ length: 9 }, (_, i) => Buffer.from(v as string, 'hex').readBigInt64LE(8 * i)));

describe('bpf_tcp_raw_*_syncookie_ipv4/ipv6 against the kernel', () => {
  const kernel = kernelAvailable();
  if (!kernel.ok) {
    skipBecause(`kernel oracle unavailable: ${kernel.reason}`);
    return;
  }

  it('returns the MSS of each SYN, -EINVAL for th_len, and takes the ACK forged from its cookie', () => {
    const { kernel: run } = agree(OBJ, 'xdp_raw_syncookie', CASES.map(([, f]) => f));
    const rows = rowsOf(run.maps);
    CASES.forEach(([what, , mss], i) => {
      const [gen, short, long, zero, packet, ack, next, port, sameSeq] = rows[i]!;
      expect({ what, gen, short, long, zero, packet }).toEqual({ what, gen: mss, short: BigInt(-EINVAL), long: BigInt(-EINVAL), zero: BigInt(-EINVAL), packet: BigInt(-EACCES) });
      const last = (what.startsWith('IPv6') ? COOKIE_V6 : COOKIE_V4).msstab.at(-1)!;
      // One more in the ACK (or one less in its seq) decodes as the next MSS index: taken unless there is none.
      const nextTaken = mss === BigInt(last) ? BigInt(-EACCES) : 0n;
      expect({ what, ack, next, port, sameSeq }).toEqual({ what, ack: 0n, next: nextTaken, port: BigInt(-EACCES), sameSeq: nextTaken });
    });
  });
});

/** A helper state and a memory holding one SYN's IP and TCP headers, for calling the helpers directly. */
function setup(frame: Uint8Array, secret = SECRET) {
  const b = bench();
  b.state.syncookieSecret = syncookieSecret(secret);
  const v6 = frame[12] === 0x86;
  const iph = b.scratch;
  const th = iph + (v6 ? 40 : 20);
  const family = v6 ? COOKIE_V6 : COOKIE_V4;
  const gen = tcpRawGenSyncookie(b.state, family, v6 ? 40 : 20, v6 ? IPV6_MSS_DEFAULT : TCP_MSS_DEFAULT);
  const check = tcpRawCheckSyncookie(b.state, family, v6 ? 40 : 20);
  const load = (f: Uint8Array) => b.memory.u8.set(f.subarray(14, 14 + (v6 ? 40 : 20) + 60), iph);
  load(frame);
  const thLen = (b.memory.u8[th + 12]! >> 4) * 4;
  const view = b.memory.view;
  return {
    b,
    /** gen on the loaded SYN: [cookie, mss]. */
    gen(): [number, number] {
      const r = b.call(gen, iph, th, thLen);
      expect(r).toBeGreaterThan(0n);
      return [Number(r & 0xffffffffn), Number(r >> 32n)];
    },
    /** check on the loaded header turned into the ACK of `cookie` (plus `delta`). */
    check(cookie: number, delta = 1): bigint {
      const seq = view.getUint32(th + 4);
      view.setUint32(th + 4, seq + 1);
      view.setUint32(th + 8, (cookie + delta) >>> 0);
      const r = b.call(check, iph, th);
      view.setUint32(th + 4, seq);
      return r;
    },
    load,
    at: (ns: bigint) => (b.state.now = () => toKtime(ns)),
  };
}

const SECRET = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
const MINUTE = 60_000_000_000n;
/**
 * The first nanosecond of CLOCK_MONOTONIC at which the minute counter
 * (tcp_cookie_time) is `count`: jiffies count from INITIAL_JIFFIES at boot, so
 * minutes turn 47.296 s into each monotonic one, and counts start at 71577.
 */
const minuteStart = (count: bigint) => (count * BigInt(TCP_SYNCOOKIE_PERIOD) - INITIAL_JIFFIES) * NSEC_PER_JIFFY;

/** A reproducible stream of u32s (xorshift32). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

const dotted = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
const v6Text = (next: () => number) => Array.from({ length: 8 }, () => (next() & 0xffff).toString(16)).join(':');

describe('raw SYN cookies by property', () => {
  it('check takes the ACK of every cookie gen makes, and not one for another tuple', () => {
    const next = random(7);
    for (let i = 0; i < 200; i++) {
      const v6 = i % 2 === 1;
      const frame = tcpFrame({
        src: v6 ? v6Text(next) : dotted(next()),
        dst: v6 ? v6Text(next) : dotted(next()),
        sport: 1 + (next() % 65535),
        dport: 1 + (next() % 65535),
        seq: next(),
        options: mssOption(next() % 10000),
      });
      const s = setup(frame);
      s.at(BigInt(next()) * 1_000_000n);
      const [cookie] = s.gen();
      expect(s.check(cookie)).toBe(0n);
      // The same ACK from another source port, or to another port.
      for (const offset of [0, 2]) {
        const view = s.b.memory.view;
        const th = s.b.scratch + (v6 ? 40 : 20);
        view.setUint16(th + offset, view.getUint16(th + offset) ^ 1);
        expect(s.check(cookie)).toBe(BigInt(-EACCES));
        view.setUint16(th + offset, view.getUint16(th + offset) ^ 1);
      }
    }
  });

  it('encodes the MSS index in the low bits: one more in the ACK decodes as the next index', () => {
    for (const [mss, indexes] of [[536, 4], [1300, 3], [1440, 2], [1460, 1]] as const) {
      const s = setup(syn4(MSS(mss)));
      s.at(90n * MINUTE);
      const [cookie, got] = s.gen();
      expect(got).toBe(mss);
      for (let d = 1; d <= 4; d++) expect(s.check(cookie, d)).toBe(d <= indexes ? 0n : BigInt(-EACCES));
      expect(s.check(cookie, 0)).toBe(mss === 536 ? BigInt(-EACCES) : 0n);
    }
  });

  it('takes a cookie in the minute it was made and the next, and not after or before', () => {
    const s = setup(syn6(MSS(1500)));
    const made = minuteStart(100001n) - 1n; // the last nanosecond of minute 100000
    s.at(made);
    const [cookie] = s.gen();
    for (const [at, ok] of [
      [made, true],
      [made + 1n, true], // minute 100001
      [minuteStart(100002n) - 1n, true],
      [minuteStart(100002n), false], // MAX_SYNCOOKIE_AGE minutes on
      [minuteStart(100000n) - 1n, false], // a clock gone back
    ] as const) {
      s.at(at);
      expect(s.check(cookie), `at ${at}`).toBe(ok ? 0n : BigInt(-EACCES));
    }
  });

  it('makes the same cookie from the same secret, and another boot’s is refused', () => {
    const a = setup(syn4(MSS(1460)));
    const b = setup(syn4(MSS(1460)));
    a.at(5n * MINUTE);
    b.at(5n * MINUTE);
    expect(a.gen()).toEqual(b.gen());
    // Two runtimes without a secret draw their own, as two boots do.
    const random1 = setup(syn4(), new Uint8Array(64));
    random1.b.state.syncookieSecret = undefined;
    const random2 = setup(syn4(), new Uint8Array(64));
    random2.b.state.syncookieSecret = undefined;
    const [cookie] = random1.gen();
    expect(random1.check(cookie)).toBe(0n);
    expect(random2.check(cookie)).toBe(BigInt(-EACCES));
  });

  it('counts minutes of the kernel’s jiffies, which start 300 s short of the 32-bit wrap', () => {
    expect(jiffiesAt(0n)).toBe(0x1_0000_0000n - 300n * BigInt(HZ));
    expect(jiffiesAt(300n * 1_000_000_000n)).toBe(0x1_0000_0000n);
    expect(tcpCookieTime(0n)).toBe(71577); // (2^32 - 300000) / 60000
    expect(tcpCookieTime(minuteStart(71578n) - 1n)).toBe(71577);
    expect(tcpCookieTime(minuteStart(71578n))).toBe(71578);
  });

  it('is the kernel’s formula: siphash of the addresses, ports and minute under the per-family keys', () => {
    const count = 123456n;
    const s4 = setup(syn4(MSS(1440)));
    s4.at(minuteStart(count) + 5n);
    const [cookie4] = s4.gen();
    // secure_tcp_syn_cookie with siphash_4u32(saddr, daddr, sport << 16 | dport, count) on the raw
    // big-endian fields, read as the little-endian words they are in memory.
    const le32 = (b: number[]) => BigInt(Buffer.from(b).readUInt32LE(0));
    const saddr = le32([10, 0, 0, 1]);
    const daddr = le32([10, 0, 0, 2]);
    const ports = (BigInt(Buffer.from([40000 >> 8, 40000 & 0xff]).readUInt16LE(0)) << 16n) | BigInt(Buffer.from([0, 80]).readUInt16LE(0));
    const key = (i: number) => [Buffer.from(SECRET).readBigUInt64LE(16 * i), Buffer.from(SECRET).readBigUInt64LE(16 * i + 8)] as const;
    const hash4 = (k: number, c: bigint) => sip(key(k), [(daddr << 32n) | saddr, (c << 32n) | ports], 16) & 0xffffffffn;
    const expected4 = (hash4(0, 0n) + 0x12345678n + ((count << 24n) & 0xffffffffn) + ((hash4(1, count) + 2n) & 0xffffffn)) & 0xffffffffn;
    expect(BigInt(cookie4)).toBe(expected4);

    const s6 = setup(syn6(MSS(9000)));
    s6.at(minuteStart(count));
    const [cookie6] = s6.gen();
    // siphash of { saddr, daddr, u32 count, be16 sport, be16 dport }.
    const addr = (text: number[]) => [Buffer.from(text).readBigUInt64LE(0), Buffer.from(text).readBigUInt64LE(8)];
    const src = addr([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const dst = addr([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    const tail = (c: bigint) => c | (BigInt(Buffer.from([40000 >> 8, 40000 & 0xff, 443 >> 8, 443 & 0xff]).readUInt32LE(0)) << 32n);
    const hash6 = (k: number, c: bigint) => sip(key(k + 2), [...src, ...dst, tail(c)], 40) & 0xffffffffn;
    const expected6 = (hash6(0, 0n) + 0xfffffff0n + ((count << 24n) & 0xffffffffn) + ((hash6(1, count) + 3n) & 0xffffffn)) & 0xffffffffn;
    expect(BigInt(cookie6)).toBe(expected6);
  });

  it('parses the MSS option as tcp_parse_mss_option, capped at the user MSS', () => {
    const parse = (options: number[], user = 0) => {
      const f = syn4(options);
      return tcpParseMssOption(f, 14 + 20, user);
    };
    expect(parse(MSS(1460))).toBe(1460);
    expect(parse(MSS(1460), 1000)).toBe(1000);
    expect(parse(MSS(900), 1000)).toBe(900);
    expect(parse([1, 1, ...MSS(1200), ...MSS(1300)])).toBe(1300); // the last one counts
    expect(parse([...MSS(1200), 0, 0, 0, 0, ...MSS(1300)])).toBe(1200);
    expect(parse([3, 0, ...MSS(1200)])).toBe(0); // a "silly" length stops the parse
  });

  it('refuses a secret of the wrong size at load', () => {
    expect(() => loadObject(OBJ, { syncookieSecret: new Uint8Array(63) })).toThrow(SocketConfigError);
    expect(() => loadObject(OBJ, { syncookieSecret: new Uint8Array(63) })).toThrow('a SYN cookie secret is 64 bytes, not 63');
  });
});

/** SipHash-2-4 of message words (lib/siphash.c's siphash_Nu64 form), on BigInt: the test's own, independent of ours. */
function sip(key: readonly [bigint, bigint], words: readonly bigint[], length: number): bigint {
  const M = (1n << 64n) - 1n;
  const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & M;
  let v0 = 0x736f6d6570736575n ^ key[0];
  let v1 = 0x646f72616e646f6dn ^ key[1];
  let v2 = 0x6c7967656e657261n ^ key[0];
  let v3 = 0x7465646279746573n ^ key[1];
  const round = () => {
    v0 = (v0 + v1) & M; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & M; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & M; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  for (const m of [...words, BigInt(length) << 56n]) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  v2 ^= 0xffn;
  for (let i = 0; i < 4; i++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}
