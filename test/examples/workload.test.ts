// The benchmark workload (examples/xdp_{drop,parse,firewall,lb,redirect})
// checked against what each C source says the program does. Each run is
// xdpsim's, checked against the kernel's where BPF is usable (runCompared).
import { describe, expect, it } from 'vitest';
import { ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6 } from '../../src/uapi/if-ether.js';
import { IPPROTO_GRE, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/uapi/in.js';
import {
  DST4,
  DST6,
  ETH_ONLY_14,
  MAC_B,
  RUNT_13,
  SRC4,
  SRC6,
  concat,
  ethernet,
  fromHex,
  hex,
  icmpEcho,
  icmpv6Echo,
  internetChecksum,
  ipv4,
  ipv4Packet,
  ipv6Packet,
  l4Checksum,
  le32,
  pattern,
  tcp4Frame,
  tcpSegment,
  udp4Frame,
  udpDatagram,
} from '../oracle/packets.js';
import { XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../../src/uapi/bpf.js';
import {
  cpu0,
  example,
  keyU32,
  mapValue,
  plain,
  ran,
  runCompared,
  sayWhereKernelMissing,
  u64le,
  verdicts,
} from '../oracle/support.js';

sayWhereKernelMissing();

describe('xdp_drop', () => {
  it('drops every frame the kernel accepts', () => {
    const run = runCompared(example('xdp_drop'), {
      frames: [tcp4Frame(1, 2), RUNT_13, ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000)],
    });
    expect(verdicts(run)).toEqual([XDP_DROP, 'Invalid argument', XDP_DROP, XDP_DROP, XDP_DROP]);
  });
});

describe('xdp_parse', () => {
  // Slots of enum parse_slot in xdp_parse.c.
  const TCP = 0, UDP = 1, ICMP = 2, ICMPV6 = 3, OTHER_L4 = 4, NON_IP = 5, MALFORMED = 6;
  const q = (vid: number) => ({ tpid: ETH_P_8021Q, vid });
  const ad = (vid: number) => ({ tpid: ETH_P_8021AD, vid });
  const udpIn = (size: number) => ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_UDP }, udpDatagram(SRC4, DST4, 1, 2, pattern(size)));
  const tcpIn4 = ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_TCP }, tcpSegment(SRC4, DST4, 1, 2, pattern(6)));
  const cases: Array<[string, Uint8Array, number]> = [
    ['IPv4/TCP', tcp4Frame(1234, 80), TCP],
    ['IPv4/UDP', udp4Frame(53, 53), UDP],
    ['IPv4/ICMP', ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_ICMP }, icmpEcho(8, 1, 1, pattern(8)))), ICMP],
    ['IPv6/ICMPv6', ethernet(ETH_P_IPV6, ipv6Packet(SRC6, DST6, IPPROTO_ICMPV6, icmpv6Echo(SRC6, DST6, 128, 1, 1, pattern(8)))), ICMPV6],
    ['IPv6/TCP', ethernet(ETH_P_IPV6, ipv6Packet(SRC6, DST6, IPPROTO_TCP, tcpSegment(SRC6, DST6, 1, 2, pattern(4)))), TCP],
    ['802.1Q/IPv4/UDP', ethernet(ETH_P_IP, udpIn(10), [q(10)]), UDP],
    ['802.1ad/802.1Q/IPv4/TCP', ethernet(ETH_P_IP, tcpIn4, [ad(100), q(10)]), TCP],
    ['IPv4 with 8 bytes of options/UDP', ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_UDP, options: Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 0) }, udpDatagram(SRC4, DST4, 1, 2, pattern(4)))), UDP],
    ['IPv4 later fragment', ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_UDP, fragField: 185 }, pattern(30))), OTHER_L4],
    ['IPv4/GRE', ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_GRE }, pattern(30))), OTHER_L4],
    ['ARP', ethernet(ETH_P_ARP, pattern(28)), NON_IP],
    ['three VLAN tags', ethernet(ETH_P_IP, udpIn(4), [q(1), q(2), q(3)]), NON_IP],
    ['IPv4 with IHL 4', ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_UDP, ihl: 4 }, pattern(30))), MALFORMED],
    ['IPv4 with IHL past the end', ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_UDP, ihl: 15 }, pattern(20))), MALFORMED],
    ['TCP cut short', ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_TCP }, pattern(12))), MALFORMED],
    ['802.1Q tag cut short', concat(fromHex('02000000000b02000000000a8100'), Uint8Array.of(0)), MALFORMED],
    ['Ethernet header only', ETH_ONLY_14, MALFORMED],
    ['3520-byte IPv4/UDP', udp4Frame(1, 2, 3520), UDP],
    ['4000-byte IPv4/UDP (linear part 3520)', udp4Frame(1, 2, 4000), UDP],
  ];

  it('passes everything and counts each frame in its protocol slot on CPU 0', () => {
    const run = runCompared(example('xdp_parse'), { frames: [...cases.map((c) => c[1]), RUNT_13] });
    expect(verdicts(run)).toEqual([...cases.map(() => XDP_PASS), 'Invalid argument']);
    cases.forEach(([, frame], i) => expect(ran(run.frames[i]).out, cases[i]![0]).toBe(hex(frame)));

    const expected = new Map<number, { packets: bigint; bytes: bigint }>();
    for (const [, frame, slot] of cases) {
      const e = expected.get(slot) ?? { packets: 0n, bytes: 0n };
      e.packets += 1n;
      e.bytes += BigInt(Math.min(frame.length, 3520)); // the program sees the linear part only
      expected.set(slot, e);
    }
    for (let slot = TCP; slot <= MALFORMED; slot++) {
      const value = cpu0(mapValue(run, 'l4_counts', keyU32(slot)));
      const e = expected.get(slot) ?? { packets: 0n, bytes: 0n };
      expect({ packets: u64le(value, 0), bytes: u64le(value, 8) }, `slot ${slot}`).toEqual(e);
    }
  });
});

function fiveTupleKey(src: Uint8Array, dst: Uint8Array, sport: number, dport: number, proto: number): Uint8Array {
  const k = new Uint8Array(16);
  const v = new DataView(k.buffer);
  k.set(src, 0);
  k.set(dst, 4);
  v.setUint16(8, sport);
  v.setUint16(10, dport);
  k[12] = proto;
  return k;
}

describe('xdp_firewall', () => {
  const blockedNet = ipv4('192.168.0.0');
  const setup = [
    { map: 'deny_rules', key: fiveTupleKey(SRC4, DST4, 12345, 80, IPPROTO_TCP), value: new Uint8Array(16) },
    { map: 'deny_rules', key: fiveTupleKey(SRC4, DST4, 5000, 53, IPPROTO_UDP), value: new Uint8Array(16) },
    { map: 'blocked_sources', key: concat(le32(16), blockedNet), value: new Uint8Array(8) },
  ];
  const frames: Array<[string, Uint8Array, number]> = [
    ['denied TCP flow', tcp4Frame(12345, 80), XDP_DROP],
    ['same flow, other source port', tcp4Frame(12346, 80), XDP_PASS],
    ['denied TCP flow again, 100 bytes', tcp4Frame(12345, 80, 100), XDP_DROP],
    ['source in 192.168.0.0/16', tcp4Frame(1, 2, 64, ipv4('192.168.7.9')), XDP_DROP],
    ['source just outside the prefix', tcp4Frame(1, 2, 64, ipv4('192.169.0.1')), XDP_PASS],
    ['UDP to a port with no rule', udp4Frame(5000, 54), XDP_PASS],
    ['IPv6', ethernet(ETH_P_IPV6, ipv6Packet(SRC6, DST6, IPPROTO_TCP, tcpSegment(SRC6, DST6, 12345, 80, pattern(4)))), XDP_PASS],
    ['ARP', ethernet(ETH_P_ARP, pattern(28)), XDP_PASS],
    ['IPv4 announced, header missing', ETH_ONLY_14, XDP_DROP],
    ['3520-byte denied UDP flow', udp4Frame(5000, 53, 3520), XDP_DROP],
    ['4000-byte UDP flow with no rule', udp4Frame(5001, 53, 4000), XDP_PASS],
  ];

  it('drops denied 5-tuples and blocked prefixes and counts hits and verdicts', () => {
    const run = runCompared(example('xdp_firewall'), { setup, frames: [...frames.map((f) => f[1]), RUNT_13] });
    expect(verdicts(run)).toEqual([...frames.map((f) => f[2]), 'Invalid argument']);

    const tcpRule = plain(mapValue(run, 'deny_rules', hex(setup[0]!.key)));
    expect([u64le(tcpRule, 0), u64le(tcpRule, 8)]).toEqual([2n, 164n]);
    const udpRule = plain(mapValue(run, 'deny_rules', hex(setup[1]!.key)));
    expect([u64le(udpRule, 0), u64le(udpRule, 8)]).toEqual([1n, 3520n]);
    expect(run.maps['deny_rules']).toHaveLength(2);
    expect(u64le(plain(mapValue(run, 'blocked_sources', hex(setup[2]!.key))), 0)).toBe(1n);

    const drop = cpu0(mapValue(run, 'action_counts', keyU32(XDP_DROP)));
    const pass = cpu0(mapValue(run, 'action_counts', keyU32(XDP_PASS)));
    const linear = (f: Uint8Array) => BigInt(Math.min(f.length, 3520));
    const sum = (v: number) => frames.filter((f) => f[2] === v).reduce((n, f) => n + linear(f[1]), 0n);
    expect([u64le(drop, 0), u64le(drop, 8)]).toEqual([5n, sum(XDP_DROP)]);
    expect([u64le(pass, 0), u64le(pass, 8)]).toEqual([6n, sum(XDP_PASS)]);
  });

  it('passes everything with empty tables', () => {
    const run = runCompared(example('xdp_firewall'), { frames: [tcp4Frame(12345, 80), udp4Frame(5000, 53, 3520)] });
    expect(verdicts(run)).toEqual([XDP_PASS, XDP_PASS]);
    expect(run.maps['deny_rules']).toEqual([]);
    expect(run.maps['blocked_sources']).toEqual([]);
  });
});

// xdp_lb.c's flow hash, over the fields as the program loads them: packet
// bytes read as little-endian integers.
const M64 = (1n << 64n) - 1n;
function mix64(h: bigint): bigint {
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & M64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & M64;
  h ^= h >> 33n;
  return h;
}

function lbSlot(frame: Uint8Array): number {
  const b = Buffer.from(frame);
  const saddr = BigInt(b.readUInt32LE(26));
  const daddr = BigInt(b.readUInt32LE(30));
  const sport = BigInt(b.readUInt16LE(34));
  const dport = BigInt(b.readUInt16LE(36));
  const proto = BigInt(b[23]!);
  const h = mix64(((saddr << 32n) | daddr) ^ mix64((sport << 32n) | (dport << 16n) | proto));
  return Number(h % 256n);
}

describe('xdp_lb', () => {
  const backendAddr = (slot: number) => Uint8Array.of(10, 1, slot >> 4, slot & 15);
  const backendMac = (slot: number) => Uint8Array.of(2, 0, 0, 0, 1, slot);
  const setup = Array.from({ length: 256 }, (_, slot) => ({
    map: 'backends',
    key: fromHex(keyU32(slot)),
    value: concat(backendAddr(slot), backendMac(slot), new Uint8Array(2)),
  }));

  it('sends TCP and UDP flows to the hashed backend with valid checksums', () => {
    const flows = [tcp4Frame(40000, 80), tcp4Frame(40001, 80), tcp4Frame(40002, 443, 200), udp4Frame(5353, 53), udp4Frame(1, 2, 3520), udp4Frame(3, 4, 4000)];
    const run = runCompared(example('xdp_lb'), { setup, frames: flows });
    flows.forEach((frame, i) => {
      const r = ran(run.frames[i]);
      expect(r.verdict).toBe(XDP_TX);
      const slot = lbSlot(frame);
      const out = fromHex(r.out);
      const expected = Uint8Array.from(frame);
      expected.set(backendMac(slot), 0);
      expected.set(MAC_B, 6);
      expected.set(backendAddr(slot), 30);
      // Checksum fields aside, the frame must be exactly the readdressed input.
      const ipCheck = (out[24]! << 8) | out[25]!;
      const l4CheckAt = frame[23] === IPPROTO_TCP ? 34 + 16 : 34 + 6;
      expected.set(out.subarray(24, 26), 24);
      expected.set(out.subarray(l4CheckAt, l4CheckAt + 2), l4CheckAt);
      expect(hex(out)).toBe(hex(expected));
      expect(internetChecksum(out.subarray(14, 34))).toBe(0);
      expect(ipCheck).not.toBe((frame[24]! << 8) | frame[25]!);
      expect(l4Checksum(out.subarray(26, 30), out.subarray(30, 34), frame[23]!, out.subarray(34))).toBe(0);
    });
  });

  it('leaves a UDP checksum of zero alone', () => {
    const frame = ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_UDP }, udpDatagram(SRC4, DST4, 7, 9, pattern(20), false)));
    const run = runCompared(example('xdp_lb'), { setup, frames: [frame] });
    const out = fromHex(ran(run.frames[0]).out);
    expect(ran(run.frames[0]).verdict).toBe(XDP_TX);
    expect(hex(out.subarray(30, 34))).toBe(hex(backendAddr(lbSlot(frame))));
    expect(hex(out.subarray(40, 42))).toBe('0000');
    expect(internetChecksum(out.subarray(14, 34))).toBe(0);
  });

  it('passes what it does not balance, unchanged', () => {
    const frames = [
      ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_ICMP }, icmpEcho(8, 1, 1, pattern(8)))),
      ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_TCP, fragField: 0x2000 }, tcpSegment(SRC4, DST4, 1, 2, pattern(8)))),
      ethernet(ETH_P_IPV6, ipv6Packet(SRC6, DST6, IPPROTO_TCP, tcpSegment(SRC6, DST6, 1, 2, pattern(4)))),
      ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_TCP }, pattern(10))),
      ETH_ONLY_14,
    ];
    const run = runCompared(example('xdp_lb'), { setup, frames: [...frames, RUNT_13] });
    expect(verdicts(run)).toEqual([XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, 'Invalid argument']);
    frames.forEach((f, i) => expect(ran(run.frames[i]).out).toBe(hex(f)));
  });

  it('uses the slot as it stands when the backend table is empty', () => {
    const frame = tcp4Frame(40000, 80);
    const out = fromHex(ran(runCompared(example('xdp_lb'), { frames: [frame] }).frames[0]).out);
    expect(hex(out.subarray(0, 12))).toBe(`000000000000${hex(MAC_B)}`);
    expect(hex(out.subarray(30, 34))).toBe('00000000');
  });
});

describe('xdp_redirect', () => {
  const frames = [tcp4Frame(1, 2), ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000), RUNT_13];

  it('falls back to XDP_PASS when the ingress port has no device map entry', () => {
    const run = runCompared(example('xdp_redirect'), { frames });
    expect(verdicts(run)).toEqual([XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, 'Invalid argument']);
  });

  it('redirects when the ingress port (lo, ifindex 1 in a test run) is mapped', () => {
    // struct bpf_devmap_val: egress ifindex 1, no program (fd 0).
    const setup = [{ map: 'egress_ports', key: fromHex(keyU32(1)), value: concat(le32(1), le32(0)) }];
    const run = runCompared(example('xdp_redirect'), { setup, frames });
    expect(verdicts(run)).toEqual([XDP_REDIRECT, XDP_REDIRECT, XDP_REDIRECT, XDP_REDIRECT, 'Invalid argument']);
    frames.slice(0, 4).forEach((f, i) => expect(ran(run.frames[i]).out).toBe(hex(f)));
    // A device map's values are not plain bytes to read back: it is not dumped.
    expect(run.maps).toEqual({});
  });
});
