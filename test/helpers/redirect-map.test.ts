// bpf_redirect_map against the kernel: return values for hits, misses, the
// action bits and refused flags on every map type it takes, and what a
// program's devmap lookup sees.
import { describe, expect, it } from 'vitest';
import { DevMap } from '../../src/maps/devmap.js';
import { BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS, XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_REDIRECT, XDP_TX } from '../../src/uapi/bpf.js';
import { concat, le32 } from '../oracle/packets.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';

skipWithoutKernel();

const OBJ = fixture('redirect_map');

/** An Ethernet-sized header, then the key and the 64-bit flags the program passes on. */
function frame(key: number, flags: bigint): Uint8Array {
  const f = new Uint8Array(8);
  new DataView(f.buffer).setBigUint64(0, flags, true);
  return concat(new Uint8Array(14), le32(key), f, new Uint8Array(20));
}

const BROADCAST = BigInt(BPF_F_BROADCAST);
const EXCLUDE = BigInt(BPF_F_EXCLUDE_INGRESS);

describe('bpf_redirect_map', () => {
  const devmapSetup = [{ map: 'devs', key: le32(0), value: concat(le32(1), le32(0)) }];

  it('devmap: hits redirect, misses return the action bits, other flags abort', () => {
    const cases: Array<[number, bigint, number]> = [
      [0, 0n, XDP_REDIRECT],
      [1, 0n, XDP_ABORTED],
      [1, 1n, XDP_DROP],
      [1, 2n, XDP_PASS],
      [1, 3n, XDP_TX],
      [0, 3n, XDP_REDIRECT],
      [7, 2n, XDP_PASS],
      [0xffffffff, 1n, XDP_DROP],
      [0, 4n, XDP_ABORTED],
      [1, 4n | 2n, XDP_ABORTED],
      [0, 1n << 32n, XDP_ABORTED],
      [1, BROADCAST, XDP_REDIRECT],
      [1, BROADCAST | EXCLUDE | 2n, XDP_REDIRECT],
      [1, EXCLUDE | 2n, XDP_PASS],
      [0, EXCLUDE, XDP_REDIRECT],
      [0, 1n << 5n, XDP_ABORTED],
    ];
    const { kernel, obj } = agree(OBJ, 'xdp_devmap', cases.map(([k, f]) => frame(k, f)), devmapSetup);
    expect(kernel.frames.map((f) => ('verdict' in f ? f.verdict : f.err))).toEqual(cases.map((c) => c[2]));

    const prog = obj.program({ program: 'xdp_devmap' });
    const devs = obj.map('devs');
    expect(prog.run(frame(0, 0n)).redirect).toEqual({ ifindex: 0, map: devs, key: 0, flags: 0 });
    expect(prog.run(frame(3, BROADCAST | EXCLUDE)).redirect).toEqual({ ifindex: 3, map: devs, key: 3, flags: BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS });
    expect(prog.run(frame(3, 2n)).redirect).toBeUndefined();
    expect((devs as DevMap).deviceAt(0)).toEqual({ ifindex: 1, programId: 0 });
  });

  it('devmap_hash: keyed by any u32', () => {
    const cases: Array<[number, bigint, number]> = [
      [1, 0n, XDP_REDIRECT],
      [0, 2n, XDP_PASS],
      [1000, 3n, XDP_TX],
      [0, BROADCAST, XDP_REDIRECT],
      [1, 8n | 16n | 32n, XDP_ABORTED],
    ];
    const setup = [{ map: 'devs_by_index', key: le32(1), value: le32(1) }];
    const { kernel } = agree(OBJ, 'xdp_devmap_hash', cases.map(([k, f]) => frame(k, f)), setup);
    expect(kernel.frames.map((f) => ('verdict' in f ? f.verdict : f.err))).toEqual(cases.map((c) => c[2]));
  });

  it('cpumap: no broadcast; a CPU without a queue is a miss', () => {
    const cases: Array<[number, bigint, number]> = [
      [0, 0n, XDP_REDIRECT],
      [1, 2n, XDP_PASS],
      [5, 3n, XDP_TX],
      [0, BROADCAST, XDP_ABORTED],
      [1, EXCLUDE | 2n, XDP_ABORTED],
    ];
    const setup = [{ map: 'cpus', key: le32(0), value: concat(le32(64), le32(0)) }];
    const { kernel } = agree(OBJ, 'xdp_cpumap', cases.map(([k, f]) => frame(k, f)), setup);
    expect(kernel.frames.map((f) => ('verdict' in f ? f.verdict : f.err))).toEqual(cases.map((c) => c[2]));
  });

  it('xskmap: with no socket every key misses; no broadcast', () => {
    const cases: Array<[number, bigint, number]> = [
      [0, 1n, XDP_DROP],
      [1, 2n, XDP_PASS],
      [0, BROADCAST | 2n, XDP_ABORTED],
    ];
    const { kernel } = agree(OBJ, 'xdp_xskmap', cases.map(([k, f]) => frame(k, f)));
    expect(kernel.frames.map((f) => ('verdict' in f ? f.verdict : f.err))).toEqual(cases.map((c) => c[2]));
  });

  it('a program reads a devmap entry as struct bpf_devmap_val', () => {
    const setup = [
      ...devmapSetup,
      { map: 'devs', key: le32(2), value: concat(le32(1), le32(0xffffffff)) },
    ];
    const { kernel } = agree(OBJ, 'xdp_devmap_lookup', [frame(0, 0n), frame(1, 0n), frame(2, 0n), frame(9, 0n)], setup);
    expect(kernel.frames.map((f) => ('verdict' in f ? f.verdict : f.err))).toEqual([XDP_TX, XDP_PASS, XDP_TX, XDP_PASS]);
  });
});
