// bpf_timer_* against the kernel: every errno the helpers return to an XDP
// program, a 0 ns timer whose callback has run before the next test run
// (the kernel's softirq runs between two BPF_PROG_TEST_RUN calls, and so do
// xdpsim's due timers), callbacks re-arming and cancelling themselves,
// CLOCK_REALTIME timers running on CLOCK_MONOTONIC, elements deleted and
// overwritten under their timers, and the verifier's refusals, which xdpsim
// makes at the call.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { NSEC_PER_JIFFY } from '../../src/helpers/time.js';
import { loadObject, type LoadOptions } from '../../src/loader/load.js';
import { runFrame } from '../../src/testrun/line.js';
import { KernelOracleError, runInKernel } from '../oracle/kernel.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { bpftoolMissing } from '../support/bpftool.js';
import { pastWrongVerifier } from '../support/wrong-verifier.js';
import { agree, fixture } from './agreement.js';
import {
  ARRAY,
  BPF_F_TIMER_ABS,
  BPF_F_TIMER_CPU_PIN,
  CLOCK_BOOTTIME,
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  EBUSY,
  EDEADLK,
  EINVAL,
  EPERM,
  elem,
  frame,
  HASH,
  LRU,
  NO_ELEMENT,
  OP,
  results,
} from './timer-frames.js';

/** Objects the kernel refuses (a callback returning 1), which test/elf/kernel.test.ts leaves alone. */
vi.mock('../../src/loader/verify.js', async (real) => (await import('../support/wrong-verifier.js')).wrongVerifierModule(await real()));

const REFUSED_DIR = resolve(import.meta.dirname, '../fixtures/refused');

skipWithoutKernel();

const TIMERS = fixture('timers');
const REFUSED = resolve(import.meta.dirname, '../fixtures/refused');
const SECOND = 1_000_000_000n;

/** Runs `frames` in the kernel and here (loaded with `options`), expecting the same; returns the results both wrote. */
function agreed(frames: Uint8Array[], options: LoadOptions = {}): { rows: bigint[]; maps: ReturnType<typeof agree>['kernel']['maps'] } {
  const { kernel } = agree(TIMERS, 'xdp_timers', frames, [], options);
  return { rows: results(kernel.maps.rows!, frames.length), maps: kernel.maps };
}

const elemIn = (maps: Record<string, Array<[string, unknown]>>, map: string, keyHex: string) => {
  const entry = maps[map]!.find(([k]) => k === keyHex);
  return entry && elem(entry[1] as string);
};

describe('bpf_timer against the kernel', () => {
  it('returns the errnos of init, set_callback, start and cancel', () => {
    const { rows } = agreed([
      frame(OP.SET_CALLBACK, ARRAY, 0),
      frame(OP.START, ARRAY, 0),
      frame(OP.CANCEL, ARRAY, 0),
      frame(OP.INIT, ARRAY, 0, 2n), // CLOCK_PROCESS_CPUTIME_ID
      frame(OP.INIT, ARRAY, 0, 16n), // MAX_CLOCKS
      frame(OP.INIT, ARRAY, 0, 1n << 32n),
      frame(OP.INIT, ARRAY, 0, 11n), // CLOCK_TAI
      frame(OP.INIT, ARRAY, 0, 0x11n), // CLOCK_MONOTONIC in a flag's clothing
      frame(OP.INIT, ARRAY, 0, CLOCK_MONOTONIC),
      frame(OP.INIT, ARRAY, 0, CLOCK_MONOTONIC),
      frame(OP.START, ARRAY, 0),
      frame(OP.START, ARRAY, 0, 0n, 4n),
      frame(OP.SET_CALLBACK, ARRAY, 0),
      frame(OP.START, ARRAY, 0, SECOND, 4n),
      frame(OP.START, ARRAY, 0, SECOND, (1n << 32n) | BPF_F_TIMER_ABS),
      frame(OP.START, ARRAY, 0, SECOND),
      frame(OP.CANCEL, ARRAY, 0),
      frame(OP.CANCEL, ARRAY, 0),
      frame(OP.START, ARRAY, 0, 100n),
      frame(OP.INIT, ARRAY, 1, CLOCK_REALTIME),
      frame(OP.INIT, ARRAY, 2, CLOCK_BOOTTIME),
      frame(OP.INIT, HASH, 5, CLOCK_MONOTONIC),
      frame(OP.UPDATE, HASH, 5),
      frame(OP.INIT, HASH, 5, CLOCK_MONOTONIC),
      frame(OP.SET_CALLBACK, HASH, 5),
      frame(OP.START, HASH, 5, 10n * SECOND, BPF_F_TIMER_CPU_PIN),
      frame(OP.START, HASH, 5, 1n, BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN),
      frame(OP.READ, HASH, 5),
    ]);
    expect(rows).toEqual([
      -EINVAL, -EINVAL, -EINVAL, // nothing initialised
      -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, // not one of the three clocks
      0n, -EBUSY,
      -EINVAL, -EINVAL, // no callback yet; an unknown flag
      0n,
      -EINVAL, -EINVAL, // unknown flags, also in the high half
      0n, 1n, 0n, // armed: cancel says so once
      -EINVAL, // cancel dropped the callback
      0n, 0n, // CLOCK_REALTIME and CLOCK_BOOTTIME
      NO_ELEMENT, 0n, 0n, 0n, 0n,
      0n, 1n, // an absolute expiry in the past: it has fired by the next run
    ]);
  });

  it('runs a 0 ns timer before the next test run, with its map, key and value', () => {
    const { rows, maps } = agreed([
      frame(OP.INIT, ARRAY, 3, CLOCK_MONOTONIC),
      frame(OP.SET_CALLBACK, ARRAY, 3),
      frame(OP.START, ARRAY, 3, 0n),
      frame(OP.READ, ARRAY, 3),
      frame(OP.READ, ARRAY, 3),
    ]);
    expect(rows).toEqual([0n, 0n, 0n, 1n, 1n]);
    // The callback saw key 3, found its own value through the map it was given, ran on CPU 0,
    // and the timer's 16 bytes read as zeros from user space, as the kernel shows them.
    expect(elemIn(maps, 'timers', '03000000')).toMatchObject({ fired: 1n, keySeen: 3, selfFound: 1, order: 1n, cpu: 0, timer: '00'.repeat(16) });
  });

  it('lets a callback re-arm its timer, and refuses its cancelling itself (-EDEADLK)', () => {
    // The kernel runs its expiry passes microseconds apart, several between two test runs; xdpsim's
    // come a jiffy apart in simulated time, so here the clock moves 10 ms each time it is read.
    let now = 0n;
    const clock = { now: () => (now += 10n * NSEC_PER_JIFFY) };
    const { rows, maps } = agreed([
      frame(OP.INIT, ARRAY, 0, CLOCK_MONOTONIC),
      frame(OP.SET_CALLBACK, ARRAY, 0),
      frame(OP.CANCEL_IN_CALLBACK, ARRAY, 0),
      frame(OP.REARM, ARRAY, 0, 2n, 0n),
      frame(OP.START, ARRAY, 0, 0n),
      frame(OP.READ, ARRAY, 0),
      frame(OP.READ, ARRAY, 0),
    ], clock);
    // All three runs happen before the next packet: each re-arm fires at the next expiry pass.
    expect(rows.slice(5)).toEqual([3n, 3n]);
    expect(elemIn(maps, 'timers', '00000000')).toMatchObject({ fired: 3n, cancelResult: -EDEADLK, startResult: 0n });
  });

  it('runs a CLOCK_REALTIME timer on CLOCK_MONOTONIC: an absolute expiry is a CLOCK_MONOTONIC time', () => {
    const monotonic = process.hrtime.bigint();
    const realtime = BigInt(Date.now()) * 1_000_000n;
    const { rows } = agreed([
      frame(OP.INIT, ARRAY, 0, CLOCK_REALTIME),
      frame(OP.SET_CALLBACK, ARRAY, 0),
      frame(OP.START, ARRAY, 0, monotonic - SECOND, BPF_F_TIMER_ABS),
      frame(OP.INIT, ARRAY, 1, CLOCK_REALTIME),
      frame(OP.SET_CALLBACK, ARRAY, 1),
      frame(OP.START, ARRAY, 1, realtime - SECOND, BPF_F_TIMER_ABS),
      frame(OP.READ, ARRAY, 0),
      frame(OP.READ, ARRAY, 1),
    ]);
    // A second before CLOCK_MONOTONIC's now is past; a second before CLOCK_REALTIME's, read as CLOCK_MONOTONIC, decades ahead.
    expect(rows).toEqual([0n, 0n, 0n, 0n, 0n, 0n, 1n, 0n]);
  });

  it('frees a timer whose array element is overwritten, and one whose hash element is deleted', () => {
    const { rows, maps } = agreed([
      frame(OP.INIT, ARRAY, 0, CLOCK_MONOTONIC),
      frame(OP.SET_CALLBACK, ARRAY, 0),
      frame(OP.START, ARRAY, 0, 5n * SECOND),
      frame(OP.UPDATE, ARRAY, 0, 7n),
      frame(OP.CANCEL, ARRAY, 0), // freed: not initialised any more
      frame(OP.READ, ARRAY, 0),
      frame(OP.INIT, ARRAY, 0, CLOCK_MONOTONIC),
      frame(OP.UPDATE, HASH, 3),
      frame(OP.INIT, HASH, 3, CLOCK_MONOTONIC),
      frame(OP.SET_CALLBACK, HASH, 3),
      frame(OP.START, HASH, 3, 5n * SECOND),
      frame(OP.DELETE, HASH, 3),
      frame(OP.START, HASH, 3, 0n),
      frame(OP.UPDATE, HASH, 3), // a new element, its timer uninitialised
      frame(OP.CANCEL, HASH, 3),
      frame(OP.DELETE, ARRAY, 0),
    ]);
    expect(rows).toEqual([0n, 0n, 0n, 0n, -EINVAL, 7n, 0n, 0n, 0n, 0n, 0n, 0n, NO_ELEMENT, 0n, -EINVAL, -EINVAL]);
    expect(elemIn(maps, 'htimers', '03000000')).toMatchObject({ fired: 0n });
  });

  it('runs timers in hash and LRU hash elements, and lets a callback delete its own element', () => {
    const { rows, maps } = agreed([
      frame(OP.UPDATE, LRU, 9),
      frame(OP.INIT, LRU, 9, CLOCK_REALTIME),
      frame(OP.SET_CALLBACK, LRU, 9),
      frame(OP.START, LRU, 9, 0n),
      frame(OP.READ, LRU, 9),
      frame(OP.UPDATE, HASH, 4),
      frame(OP.INIT, HASH, 4, CLOCK_BOOTTIME),
      frame(OP.SET_CALLBACK, HASH, 4),
      frame(OP.DELETE_IN_CALLBACK, HASH, 4),
      frame(OP.START, HASH, 4, 0n),
      frame(OP.READ, HASH, 4),
    ]);
    expect(rows).toEqual([0n, 0n, 0n, 0n, 1n, 0n, 0n, 0n, 0n, 0n, NO_ELEMENT]);
    expect(elemIn(maps, 'lrutimers', '09000000')).toMatchObject({ fired: 1n, keySeen: 9, selfFound: 1 });
    expect(maps.htimers).toEqual([]);
  });

  it('gives -EPERM from bpf_timer_init once user space holds the map no more', () => {
    const missing = bpftoolMissing();
    if (missing === undefined) {
      // bpftool pins the program and exits: nothing holds the maps but the program.
      const dir = mkdtempSync(join('/sys/fs/bpf', 'xdpsim-timer-'));
      const data = join(mkdtempSync(join(tmpdir(), 'xdpsim-timer-')), 'frame');
      writeFileSync(data, new Uint8Array(64));
      try {
        const load = spawnSync('bpftool', ['prog', 'loadall', TIMERS, dir, 'type', 'xdp'], { encoding: 'utf8' });
        expect(load.status, load.stderr).toBe(0);
        const run = spawnSync('bpftool', ['prog', 'run', 'pinned', join(dir, 'xdp_timer_init_errno'), 'data_in', data], { encoding: 'utf8' });
        expect(run.stdout).toMatch(/Return value: 1,/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      console.warn(`skipped: the kernel's -EPERM through bpftool: ${missing}`);
    }
    const obj = loadObject(TIMERS);
    const program = obj.program({ program: 'xdp_timer_init_errno' });
    expect(obj.releaseMaps()).toBe(0);
    expect(runFrame(program, 0, new Uint8Array(64))).toMatchObject({ verdict: Number(EPERM) });
  });
});

describe('a timer callback returning other than 0', () => {
  it('is refused at load by the kernel and by xdpsim, and past a wrong verifier when it returns, all in the verifier\'s words', () => {
    const words = 'At async callback return the register R0 has smin=1 smax=1 should have been in [0, 0]';
    expect(() => runInKernel(resolve(REFUSED_DIR, 'timer_fault.bpf.o'), { program: 'xdp_timer_fault', frames: [new Uint8Array(64)] })).toThrow(words);
    expect(() => loadObject(resolve(REFUSED_DIR, 'timer_fault.bpf.o'))).toThrow(words);
    const obj = pastWrongVerifier(() => loadObject(resolve(REFUSED_DIR, 'timer_fault.bpf.o'), { now: () => 0n }));
    expect(runFrame(obj.program({ program: 'xdp_timer_fault' }), 0, new Uint8Array(64))).toMatchObject({ verdict: 2 });
    expect(() => obj.advanceTo(SECOND)).toThrow(words);
  });
});

describe("the verifier's refusals of timer calls", () => {
  const cases = [
    ['timer_wrong_map', 'xdp_timer_wrong_map', "timer pointer in R1 map_uid=0 doesn't match map pointer in R2 map_uid=0"],
    ['timer_no_btf', 'xdp_timer_percpu_map', "map 'percpu' has to have BTF in order to use bpf_timer"],
    ['timer_offset', 'xdp_timer_offset', "off 0 doesn't point to 'struct bpf_timer' that is at 8"],
    ['timer_no_timer', 'xdp_timer_start_plain', "map 'plain' has no valid bpf_timer"],
  ] as const;
  for (const [name, program, words] of cases) {
    it(`${name}: the kernel and xdpsim refuse it at load, and past a wrong verifier xdpsim faults at the call, all saying "${words}"`, () => {
      let refusal: unknown;
      try {
        runInKernel(join(REFUSED, `${name}.bpf.o`), { program, frames: [new Uint8Array(64)] });
      } catch (e) {
        refusal = e;
      }
      expect(refusal).toBeInstanceOf(KernelOracleError);
      expect((refusal as Error).message).toContain(words);
      expect(() => loadObject(join(REFUSED, `${name}.bpf.o`))).toThrow(words);
      const line = runFrame(pastWrongVerifier(() => loadObject(join(REFUSED, `${name}.bpf.o`))).program({ program }), 0, new Uint8Array(64));
      expect(line).toMatchObject({ err: 'fault' });
      expect((line as { reason: string }).reason).toContain(words);
    });
  }
});
