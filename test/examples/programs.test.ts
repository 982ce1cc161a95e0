// Programs built around one BPF feature each: tail calls, BPF-to-BPF calls,
// .rodata configuration, .data/.bss state, bpf_printk, ring buffers and a
// legacy "maps" section. Each run is xdpsim's, checked against the kernel's
// where BPF is usable (runCompared).
import { describe, expect, it } from 'vitest';
import { ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6 } from '../../src/uapi/if-ether.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../../src/uapi/in.js';
import {
  DST4,
  DST6,
  ETH_ONLY_14,
  RUNT_13,
  SRC4,
  SRC6,
  ethernet,
  hex,
  ipv4Packet,
  ipv6Packet,
  pattern,
  tcp4Frame,
  tcpSegment,
  udp4Frame,
  udpDatagram,
} from '../oracle/packets.js';
import { XDP_DROP, XDP_PASS, XDP_TX } from '../../src/uapi/bpf.js';
import {
  example,
  keyU32,
  mapValue,
  plain,
  ran,
  runCompared,
  sayWhereKernelMissing,
  type Run,
  u32le,
  u64le,
  verdicts,
} from '../oracle/support.js';

sayWhereKernelMissing();

const ipv6Frame = ethernet(ETH_P_IPV6, ipv6Packet(SRC6, DST6, IPPROTO_TCP, tcpSegment(SRC6, DST6, 1, 2, pattern(4))));
const arpFrame = ethernet(ETH_P_ARP, pattern(28));
const lldpFrame = ethernet(0x88cc, pattern(30));

describe('xdp_tailcall', () => {
  // enum run_counter in xdp_tailcall.c.
  const RAN_DISPATCH = 0, RAN_IPV4 = 1, RAN_IPV6 = 2, RAN_FALLTHROUGH = 3;
  const runs = (run: Run) =>
    [RAN_DISPATCH, RAN_IPV4, RAN_IPV6, RAN_FALLTHROUGH].map((k) => u64le(plain(mapValue(run, 'runs', keyU32(k))), 0));

  it('dispatches by EtherType through the program array that libbpf filled', () => {
    const frames = [tcp4Frame(1, 2), ipv6Frame, arpFrame, lldpFrame, ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000), RUNT_13];
    const run = runCompared(example('xdp_tailcall'), { program: 'xdp_dispatch', frames });
    expect(verdicts(run)).toEqual([XDP_DROP, XDP_TX, XDP_PASS, XDP_PASS, XDP_DROP, XDP_DROP, XDP_DROP, 'Invalid argument']);
    expect(runs(run)).toEqual([7n, 4n, 1n, 1n]);
    expect(Object.keys(run.maps)).toEqual(['runs']); // the program array is not dumped
  });

  it('runs a handler on its own when it is the chosen program', () => {
    const run = runCompared(example('xdp_tailcall'), { program: 'xdp_handle_ipv6', frames: [tcp4Frame(1, 2), ipv6Frame] });
    expect(verdicts(run)).toEqual([XDP_TX, XDP_TX]);
    expect(runs(run)).toEqual([0n, 0n, 2n, 0n]);
  });
});

describe('xdp_calls', () => {
  const udp = (badChecksum: boolean, options?: Uint8Array) =>
    ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_UDP, badChecksum, options }, udpDatagram(SRC4, DST4, 1, 2, pattern(8)));
  const cases: Array<[string, Uint8Array, number]> = [
    ['good IPv4', ethernet(ETH_P_IP, udp(false)), XDP_PASS],
    ['bad IPv4 checksum', ethernet(ETH_P_IP, udp(true)), XDP_DROP],
    ['good IPv4 with 40 bytes of options', ethernet(ETH_P_IP, udp(false, pattern(40, 7))), XDP_PASS],
    ['bad IPv4 with options', ethernet(ETH_P_IP, udp(true, pattern(40, 7))), XDP_DROP],
    ['802.1Q, good', ethernet(ETH_P_IP, udp(false), [{ tpid: ETH_P_8021Q, vid: 5 }]), XDP_PASS],
    ['802.1Q, bad', ethernet(ETH_P_IP, udp(true), [{ tpid: ETH_P_8021Q, vid: 5 }]), XDP_DROP],
    ['802.1ad is not looked into', ethernet(ETH_P_IP, udp(true), [{ tpid: ETH_P_8021AD, vid: 5 }]), XDP_PASS],
    ['IPv6', ipv6Frame, XDP_PASS],
    ['IPv4 announced, header missing', ETH_ONLY_14, XDP_DROP],
    ['3520 bytes, good', udp4Frame(1, 2, 3520), XDP_PASS],
    ['4000 bytes, good', udp4Frame(1, 2, 4000), XDP_PASS],
  ];

  it('drops IPv4 headers whose checksum is wrong', () => {
    const run = runCompared(example('xdp_calls'), { frames: [...cases.map((c) => c[1]), RUNT_13] });
    expect(verdicts(run)).toEqual([...cases.map((c) => c[2]), 'Invalid argument']);
    cases.forEach(([name, frame], i) => expect(ran(run.frames[i]).out, name).toBe(hex(frame)));
  });
});

describe('xdp_rodata', () => {
  const tcpFragment = ethernet(
    ETH_P_IP,
    ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_TCP, fragField: 100 }, tcpSegment(SRC4, DST4, 1, 23, pattern(4))),
  );
  const cases: Array<[string, Uint8Array, number]> = [
    ['TCP to telnet', tcp4Frame(40000, 23), XDP_DROP],
    ['TCP to http', tcp4Frame(40000, 80), XDP_PASS],
    ['UDP to 23', udp4Frame(40000, 23), XDP_DROP],
    ['UDP to 24', udp4Frame(40000, 24), XDP_PASS],
    ['later fragment', tcpFragment, XDP_PASS],
    ['1514 bytes', udp4Frame(1, 2, 1514), XDP_PASS],
    ['1515 bytes', udp4Frame(1, 2, 1515), XDP_DROP],
    ['3520 bytes', udp4Frame(1, 2, 3520), XDP_DROP],
    ['4000 bytes', udp4Frame(1, 2, 4000), XDP_DROP],
    ['Ethernet header only', ETH_ONLY_14, XDP_PASS],
  ];

  it('filters with the defaults compiled into .rodata, which stays readable', () => {
    const run = runCompared(example('xdp_rodata'), { frames: [...cases.map((c) => c[1]), RUNT_13] });
    expect(verdicts(run)).toEqual([...cases.map((c) => c[2]), 'Invalid argument']);
    // max_frame_len 1514 at 0, blocked_port 23 at 4, filter_udp 1 at 6.
    expect(plain(mapValue(run, 'xdp_roda.rodata', keyU32(0)))).toBe('ea050000170001');
  });
});

describe('xdp_globals', () => {
  it('passes three frames on the .data quota, then drops, keeping totals in .bss', () => {
    const frames = [tcp4Frame(1, 2), ETH_ONLY_14, RUNT_13, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000), tcp4Frame(1, 2, 100)];
    const run = runCompared(example('xdp_globals'), { frames });
    expect(verdicts(run)).toEqual([XDP_PASS, XDP_PASS, 'Invalid argument', XDP_PASS, XDP_DROP, XDP_DROP]);
    expect(u32le(plain(mapValue(run, 'xdp_glob.data', keyU32(0))), 0)).toBe(0);
    const bss = plain(mapValue(run, 'xdp_glob.bss', keyU32(0)));
    // frames_seen, bytes_seen (linear parts), last_frame_len, frames_dropped.
    expect([u64le(bss, 0), u64le(bss, 8), u32le(bss, 16), u32le(bss, 20)]).toEqual([5n, BigInt(64 + 14 + 3520 + 3520 + 100), 100, 2]);
  });
});

describe('xdp_printk', () => {
  it('passes every frame unchanged while tracing', () => {
    const frames = [tcp4Frame(1, 2), ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000), RUNT_13];
    const run = runCompared(example('xdp_printk'), { frames });
    expect(verdicts(run)).toEqual([XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, 'Invalid argument']);
    frames.slice(0, 4).forEach((f, i) => expect(ran(run.frames[i]).out).toBe(hex(f)));
  });
});

describe('xdp_ringbuf', () => {
  it('fills the 16 KiB ring with 227 records of 72 bytes, then counts lost events', () => {
    // A 60-byte event takes 8 bytes of record header and rounds up to 72.
    const frames = [...Array.from({ length: 300 }, (_, i) => tcp4Frame(i, 80)), ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000)];
    const run = runCompared(example('xdp_ringbuf'), { frames: [...frames, RUNT_13] });
    expect(verdicts(run)).toEqual([...frames.map(() => XDP_PASS), 'Invalid argument']);
    expect(Object.keys(run.maps)).toEqual(['xdp_ring.bss']);
    expect(u64le(plain(mapValue(run, 'xdp_ring.bss', keyU32(0))), 0)).toBe(BigInt(frames.length - 227));
  });
});

describe('xdp_legacy_maps', () => {
  it('loads through the iproute2-style loader (libbpf 1.x refuses it) and counts by EtherType', () => {
    const frames = [tcp4Frame(1, 2), ipv6Frame, arpFrame, lldpFrame, ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000), RUNT_13];
    const run = runCompared(example('xdp_legacy_maps'), { sec: 'prog', frames });
    expect(verdicts(run)).toEqual([XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, 'Invalid argument']);
    const counts = [0, 1, 2, 3].map((k) => u64le(plain(mapValue(run, 'ethertype_counts', keyU32(k))), 0));
    expect(counts).toEqual([4n, 1n, 1n, 1n]);
  });

  it('finds the program by function name as well', () => {
    const run = runCompared(example('xdp_legacy_maps'), { program: 'xdp_legacy', frames: [arpFrame] });
    expect(verdicts(run)).toEqual([XDP_PASS]);
  });
});
