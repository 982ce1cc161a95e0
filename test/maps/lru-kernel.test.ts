// The LRU hash's eviction against the kernel's common LRU: a 4-entry map,
// inserts (BPF_ANY updates) and lookups made as a program makes them on
// CPU 0, must leave the same keys and give the same lookup results. What
// decides it is the kernel's policy, not "least recently used": a CPU takes
// free elements to a local list target_free at a time (half its share), new
// elements wait on its pending list until the next refill moves them to the
// active (marked) or inactive list, a refill rotates the lists and shrinks
// the inactive tail, forcing out the tail of a list when every element is
// marked; and an update takes a free element, evicting, before it looks for
// the key, so updating a present key in a full map evicts another. The
// expectations were recorded on kernel 6.18 with 2 possible CPUs; where
// bpftool runs, each sequence is also run in the kernel and compared live.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { possibleCpus } from '../../src/loader/cpus.js';
import type { HashMap } from '../../src/maps/hash.js';
import { createStandaloneMaps } from '../../src/maps/standalone.js';
import { BPF_ANY, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH } from '../../src/uapi/bpf.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { runsHere } from '../support/skip.js';
import { spec } from './support.js';

/** [ops as op:key, 1 an insert and 2 a lookup; each op's XDP verdict, P pass or D drop (a lookup that missed); the keys left]. */
const SEQUENCES: ReadonlyArray<readonly [string, string, readonly number[]]> = [
  ['1:1 1:2 1:3 1:4 2:1 2:2 1:5 1:6 1:7 1:8', 'PPPPPPPPPP', [1, 2, 7, 8]],
  ['1:1 1:2 1:3 1:4 2:1 2:2 2:3 2:4 1:5 1:6', 'PPPPPPPPPP', [1, 2, 3, 6]],
  ['1:1 1:2 1:3 1:4 1:2', 'PPPPP', [2, 3, 4]],
  ['1:1 1:2 1:3 1:4 1:7 1:2 1:2 2:1 1:4 2:7', 'PPPPPPPDPP', [2, 4, 7]],
  ['1:1 1:2 1:3 1:4 2:2 1:1 1:2 1:1 1:7 2:4 2:3', 'PPPPPPPPPPD', [1, 2, 4, 7]],
  ['1:1 1:2 1:3 1:4 2:2 1:3 2:4 2:2 1:4 2:7', 'PPPPPPPPPD', [2, 3, 4]],
  ['1:1 1:2 1:3 1:4 2:8 2:4 1:4 2:5 1:6 1:5 1:2 2:7 2:6 2:8', 'PPPPDPPDPPPDPD', [2, 4, 5, 6]],
  ['1:1 1:2 1:3 1:4 2:2 1:6 2:6 1:8 2:2 1:8 1:2', 'PPPPPPPPPPP', [2, 6, 8]],
  ['1:1 1:2 1:3 1:4 1:5 1:8 2:7 1:6', 'PPPPPPDP', [4, 5, 6, 8]],
  ['1:1 1:2 1:3 1:4 1:6 2:2 2:4 1:3', 'PPPPPPPP', [2, 3, 4, 6]],
  ['1:1 1:2 1:3 1:4 2:7 1:8 2:8 2:5 1:7 1:5 1:6 1:7 1:3', 'PPPPDPPDPPPPP', [3, 6, 7, 8]],
  ['1:1 1:2 1:3 1:4 2:4 1:1 2:3 2:1', 'PPPPPPPP', [1, 2, 3, 4]],
  ['1:1 1:2 1:3 1:4 2:6 1:6 1:1 2:7 2:7', 'PPPPDPPDD', [1, 3, 4, 6]],
  ['1:1 1:2 1:3 1:4 2:7 2:2 1:8 2:6', 'PPPPDPPD', [2, 3, 4, 8]],
  ['1:1 1:2 1:3 1:4 2:1 1:2 1:1 2:4 1:3 1:6 1:8 2:8', 'PPPPPPPPPPPP', [1, 4, 6, 8]],
  ['1:1 1:2 1:3 1:4 2:5 2:2 1:5 2:3 1:4 1:6 2:1', 'PPPPDPPPPPD', [2, 3, 4, 6]],
  ['1:1 1:2 1:3 1:4 1:2 1:5 1:3 2:4 1:6 1:4 1:7 1:4 2:8 2:1', 'PPPPPPPPPPPPDD', [2, 4, 7]],];

/** Possible CPUs on the machine that recorded SEQUENCES: target_free depends on it. */
const RECORDED_CPUS = 2;

const ops = (seq: string): Array<[number, number]> => seq.split(' ').map((o) => o.split(':').map(Number) as [number, number]);

/** Runs `seq` through an xdpsim map of `type`, as the program below would on CPU 0. */
function simulate(type: number, seq: string, cpus: number): { verdicts: string; keys: number[] } {
  const { maps, memory, starts } = createStandaloneMaps([spec(type, 4, 4, 4)], cpus, { before: [{ name: 'test-scratch', size: 64, writable: true }] });
  const map = maps[0] as HashMap;
  const key = starts[0]!;
  const value = key + 8;
  let verdicts = '';
  for (const [op, k] of ops(seq)) {
    memory.view.setUint32(key, k, true);
    if (op === 1) {
      memory.view.setUint32(value, k * 10, true);
      expect(map.update(key, value, BPF_ANY, 0)).toBe(0);
      verdicts += 'P';
    } else verdicts += map.lookup(key, 0) === 0 ? 'D' : 'P';
  }
  const keys = [...map.entries()].map(([k]) => new DataView(k.buffer, k.byteOffset).getUint32(0, true)).sort((a, b) => a - b);
  return { verdicts, keys };
}

describe('LRU hash eviction: recorded kernel sequences', () => {
  for (const type of [BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH]) {
    for (const [seq, verdicts, keys] of SEQUENCES) {
      it(`map type ${type}: ${seq}`, () => {
        expect(simulate(type, seq, RECORDED_CPUS)).toEqual({ verdicts, keys });
      });
    }
  }
});

const program = (type: string): string => `#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct {
  __uint(type, ${type});
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} lru SEC(".maps");
SEC("xdp")
int prog(struct xdp_md *ctx) {
  unsigned char *d = (void *)(long)ctx->data, *e = (void *)(long)ctx->data_end;
  if (d + 14 > e) return XDP_ABORTED;
  __u32 k = d[1];
  if (d[0] == 1) { __u32 v = k * 10; bpf_map_update_elem(&lru, &k, &v, BPF_ANY); return XDP_PASS; }
  if (d[0] == 2) { return bpf_map_lookup_elem(&lru, &k) ? XDP_PASS : XDP_DROP; }
  return XDP_TX;
}
char _license[] SEC("license") = "GPL";
`;

/** Runs `seq` in the kernel: one bpftool prog run per op, pinned to CPU 0, then a dump of the map. */
function kernel(dir: string, object: string, seq: string): { verdicts: string; keys: number[] } {
  const pin = `/sys/fs/bpf/xdpsim_lru_${process.pid}`;
  execFileSync('bpftool', ['prog', 'load', object, pin, 'type', 'xdp', 'pinmaps', `${pin}_maps`]);
  try {
    let verdicts = '';
    const input = join(dir, 'in.bin');
    for (const [op, k] of ops(seq)) {
      const frame = new Uint8Array(14);
      frame[0] = op;
      frame[1] = k;
      writeFileSync(input, frame);
      const out = execFileSync('taskset', ['-c', '0', 'bpftool', 'prog', 'run', 'pinned', pin, 'data_in', input, 'repeat', '1'], { encoding: 'utf8' });
      const ret = Number(/Return value: (\d+)/.exec(out)![1]);
      verdicts += ret === 2 ? 'P' : 'D';
    }
    const dump = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', `${pin}_maps/lru`], { encoding: 'utf8' })) as Array<{ key: string[] }>;
    const keys = dump.map((e) => e.key.reduce((n, b, i) => n + Number(b) * 256 ** i, 0)).sort((a, b) => a - b);
    return { verdicts, keys };
  } finally {
    rmSync(pin, { force: true });
    rmSync(`${pin}_maps`, { recursive: true, force: true });
  }
}

describe.runIf(runsHere(bpftoolMissing()))('LRU hash eviction: the same sequences in the kernel, live', () => {
  for (const [type, name] of [[BPF_MAP_TYPE_LRU_HASH, 'BPF_MAP_TYPE_LRU_HASH'], [BPF_MAP_TYPE_LRU_PERCPU_HASH, 'BPF_MAP_TYPE_LRU_PERCPU_HASH']] as const) {
    it(`${name}: agrees with the kernel on every sequence`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'xdpsim-lru-'));
      try {
        writeFileSync(join(dir, 'lru.c'), program(name));
        const object = join(dir, 'lru.o');
        execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', join(dir, 'lru.c'), '-o', object]);
        for (const [seq] of SEQUENCES) {
          expect(simulate(type, seq, possibleCpus()), seq).toEqual(kernel(dir, object, seq));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
