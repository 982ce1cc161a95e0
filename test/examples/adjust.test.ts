// Programs that move the packet's edges: VLAN push/pop (adjust_head),
// snapping (adjust_tail) and metadata (adjust_meta), in linear and
// multi-buffer frames. Each run is xdpsim's, checked against the kernel's
// where BPF is usable (runCompared).
import { describe, expect, it } from 'vitest';
import { ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP } from '../../src/uapi/if-ether.js';
import {
  ETH_ONLY_14,
  RUNT_13,
  be16,
  concat,
  ethernet,
  hex,
  pattern,
  tcp4Frame,
  udp4Frame,
} from '../oracle/packets.js';
import { XDP_PASS } from '../../src/uapi/bpf.js';
import { example, ran, runCompared, sayWhereKernelMissing, verdicts } from '../oracle/support.js';

sayWhereKernelMissing();

/** The frame with an 802.1Q tag for VLAN 42 (xdp_vlan.c's ACCESS_VLAN_ID) after the MACs. */
function tagged(frame: Uint8Array, tpid = ETH_P_8021Q, vid = 42): Uint8Array {
  return concat(frame.subarray(0, 12), be16(tpid), be16(vid), frame.subarray(12));
}

describe('xdp_vlan', () => {
  const untagged = [tcp4Frame(1, 2), ethernet(ETH_P_ARP, pattern(28)), ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000)];

  it('xdp_vlan_push tags untagged frames, linear or not, and leaves tagged ones', () => {
    const alreadyTagged = [tagged(tcp4Frame(1, 2), ETH_P_8021Q, 7), tagged(tcp4Frame(1, 2), ETH_P_8021AD, 8)];
    const run = runCompared(example('xdp_vlan'), { program: 'xdp_vlan_push', frames: [...untagged, ...alreadyTagged, RUNT_13] });
    expect(verdicts(run)).toEqual([...[...untagged, ...alreadyTagged].map(() => XDP_PASS), 'Invalid argument']);
    untagged.forEach((f, i) => {
      expect(ran(run.frames[i]).len).toBe(f.length + 4);
      expect(ran(run.frames[i]).out).toBe(hex(tagged(f)));
    });
    alreadyTagged.forEach((f, i) => expect(ran(run.frames[untagged.length + i]).out).toBe(hex(f)));
  });

  it('xdp_vlan_pop strips the outer tag only, and leaves untagged frames', () => {
    const inner = tcp4Frame(1, 2);
    const qinq = tagged(tagged(inner, ETH_P_8021Q, 10), ETH_P_8021AD, 20);
    const frames = [tagged(inner), qinq, tagged(ETH_ONLY_14), tagged(udp4Frame(1, 2, 3520)), tagged(udp4Frame(1, 2, 4000)), ...untagged];
    const run = runCompared(example('xdp_vlan'), { program: 'xdp_vlan_pop', frames: [...frames, RUNT_13] });
    expect(verdicts(run)).toEqual([...frames.map(() => XDP_PASS), 'Invalid argument']);
    const expected = [inner, tagged(inner, ETH_P_8021Q, 10), ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000), ...untagged];
    expected.forEach((f, i) => expect(ran(run.frames[i]).out, `frame ${i}`).toBe(hex(f)));
  });
});

describe('xdp_trim', () => {
  it('keeps the first 128 bytes, trimming fragments too', () => {
    const frames = [tcp4Frame(1, 2), udp4Frame(1, 2, 128), udp4Frame(1, 2, 129), udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000), pattern(70000), ETH_ONLY_14, RUNT_13];
    const run = runCompared(example('xdp_trim'), { frames });
    expect(verdicts(run)).toEqual([...frames.slice(0, -1).map(() => XDP_PASS), 'Invalid argument']);
    frames.slice(0, -1).forEach((f, i) => {
      expect(ran(run.frames[i]).len).toBe(Math.min(f.length, 128));
      expect(ran(run.frames[i]).out).toBe(hex(f.subarray(0, 128)));
    });
  });
});

describe('xdp_meta', () => {
  // struct xdp_rx_meta: magic "XDPS", frame length, EtherType (host order), RX queue.
  function meta(frameLen: number, ethProto: number): Uint8Array {
    const m = new Uint8Array(12);
    const v = new DataView(m.buffer);
    v.setUint32(0, 0x58445053, true);
    v.setUint32(4, frameLen, true);
    v.setUint16(8, ethProto, true);
    return m;
  }

  it('writes 12 bytes of metadata in front of every frame; data_out starts with them', () => {
    const frames = [tcp4Frame(1, 2), ethernet(ETH_P_ARP, pattern(28)), ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000)];
    const run = runCompared(example('xdp_meta'), { frames: [...frames, RUNT_13] });
    expect(verdicts(run)).toEqual([...frames.map(() => XDP_PASS), 'Invalid argument']);
    frames.forEach((f, i) => {
      const proto = (f[12]! << 8) | f[13]!;
      const linear = Math.min(f.length, 3520);
      expect(ran(run.frames[i]).len).toBe(f.length + 12);
      expect(ran(run.frames[i]).out).toBe(hex(concat(meta(linear, proto), f)));
    });
  });
});
