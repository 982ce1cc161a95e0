// examples/xdp_icmp_echo turns echo requests into replies in place and
// sends them back (XDP_TX); the test builds the reply it expects from
// scratch and checks the bytes against it. Each run is xdpsim's, checked
// against the kernel's where BPF is usable (runCompared).
import { describe, expect, it } from 'vitest';
import { ETH_P_IP, ETH_P_IPV6 } from '../../src/uapi/if-ether.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../../src/uapi/in.js';
import {
  DST4,
  DST6,
  ETH_ONLY_14,
  MAC_A,
  MAC_B,
  RUNT_13,
  SRC4,
  SRC6,
  ethernet,
  fromHex,
  hex,
  icmpEcho,
  icmpv6Echo,
  internetChecksum,
  ipv4Packet,
  ipv6Packet,
  l4Checksum,
  pattern,
  tcp4Frame,
} from '../oracle/packets.js';
import { XDP_PASS, XDP_TX } from '../../src/uapi/bpf.js';
import { example, ran, runCompared, sayWhereKernelMissing, verdicts } from '../oracle/support.js';

sayWhereKernelMissing();

const ECHO_REQUEST = 8, ECHO_REPLY = 0, ECHOV6_REQUEST = 128, ECHOV6_REPLY = 129;

function ping4(type: number, payloadLen: number, from = SRC4, to = DST4, options?: Uint8Array, fragField?: number): Uint8Array {
  return ipv4Packet({ src: from, dst: to, proto: IPPROTO_ICMP, options, fragField }, icmpEcho(type, 0x4242, 7, pattern(payloadLen)));
}

function ping6(type: number, payloadLen: number, from = SRC6, to = DST6): Uint8Array {
  return ipv6Packet(from, to, IPPROTO_ICMPV6, icmpv6Echo(from, to, type, 0x4242, 7, pattern(payloadLen)));
}

describe('xdp_icmp_echo', () => {
  const options = Uint8Array.of(0x94, 4, 0, 0); // Router Alert
  const requests: Array<[string, Uint8Array, Uint8Array]> = [
    ['IPv4 ping', ethernet(ETH_P_IP, ping4(ECHO_REQUEST, 56)), ethernet(ETH_P_IP, ping4(ECHO_REPLY, 56, DST4, SRC4), [], MAC_A, MAC_B)],
    [
      'IPv4 ping with IP options',
      ethernet(ETH_P_IP, ping4(ECHO_REQUEST, 8, SRC4, DST4, options)),
      ethernet(ETH_P_IP, ping4(ECHO_REPLY, 8, DST4, SRC4, options), [], MAC_A, MAC_B),
    ],
    ['IPv6 ping', ethernet(ETH_P_IPV6, ping6(ECHOV6_REQUEST, 56)), ethernet(ETH_P_IPV6, ping6(ECHOV6_REPLY, 56, DST6, SRC6), [], MAC_A, MAC_B)],
    [
      '3520-byte IPv4 ping',
      ethernet(ETH_P_IP, ping4(ECHO_REQUEST, 3520 - 42)),
      ethernet(ETH_P_IP, ping4(ECHO_REPLY, 3520 - 42, DST4, SRC4), [], MAC_A, MAC_B),
    ],
    [
      '4000-byte IPv6 ping (fragments untouched)',
      ethernet(ETH_P_IPV6, ping6(ECHOV6_REQUEST, 4000 - 62)),
      ethernet(ETH_P_IPV6, ping6(ECHOV6_REPLY, 4000 - 62, DST6, SRC6), [], MAC_A, MAC_B),
    ],
  ];

  it('answers echo requests with XDP_TX and a reply whose checksums hold', () => {
    const run = runCompared(example('xdp_icmp_echo'), { frames: requests.map((r) => r[1]) });
    requests.forEach(([name, request, reply], i) => {
      const r = ran(run.frames[i]);
      expect(r.verdict, name).toBe(XDP_TX);
      expect(r.len, name).toBe(request.length);
      expect(r.out, name).toBe(hex(reply));
      const out = fromHex(r.out);
      if (out[12] === 0x08) {
        const ihl = (out[14]! & 15) * 4;
        expect(internetChecksum(out.subarray(14, 14 + ihl))).toBe(0);
        expect(internetChecksum(out.subarray(14 + ihl))).toBe(0);
      } else {
        expect(l4Checksum(out.subarray(22, 38), out.subarray(38, 54), IPPROTO_ICMPV6, out.subarray(54))).toBe(0);
      }
    });
  });

  it('passes everything that is not an echo request, unchanged', () => {
    const code1 = ethernet(ETH_P_IP, ping4(ECHO_REQUEST, 8));
    code1[14 + 20 + 1] = 1;
    const frames = [
      ethernet(ETH_P_IP, ping4(ECHO_REPLY, 8)),
      code1,
      ethernet(ETH_P_IP, ping4(ECHO_REQUEST, 8, SRC4, DST4, undefined, 0x2000)),
      ethernet(ETH_P_IPV6, ping6(ECHOV6_REPLY, 8)),
      ethernet(ETH_P_IP, ipv4Packet({ src: SRC4, dst: DST4, proto: IPPROTO_ICMP }, pattern(3))),
      tcp4Frame(1, 2),
      ETH_ONLY_14,
    ];
    const run = runCompared(example('xdp_icmp_echo'), { frames: [...frames, RUNT_13] });
    expect(verdicts(run)).toEqual([...frames.map(() => XDP_PASS), 'Invalid argument']);
    frames.forEach((f, i) => expect(ran(run.frames[i]).out).toBe(hex(f)));
  });
});
