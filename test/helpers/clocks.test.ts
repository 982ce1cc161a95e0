// bpf_ktime_get_tai_ns beside the other clocks, in the kernel and here: TAI
// moves forward, reads the date (within the TAI-UTC offset, 37 s at most
// today), and stands where CLOCK_MONOTONIC plus the host's offsets puts it;
// on the simulated clock, each clock is CLOCK_MONOTONIC plus its offset.
import { describe, expect, it } from 'vitest';
import { ClockConfigError } from '../../src/helpers/clock.js';
import { CLOCK_REALTIME } from '../../src/uapi/time.js';
import { loadObject, type LoadedObject } from '../../src/loader/load.js';
import { runFrame } from '../../src/testrun/line.js';
import { runInKernel } from '../oracle/kernel.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { fixture } from './agreement.js';

skipWithoutKernel();

const SECOND = 1_000_000_000n;
const MS = 1_000_000n;
/** The largest TAI-UTC offset a host may have set (37 s since 2017), and some slack. */
const TAI_UTC_MAX = 37n * SECOND;

interface Sample {
  mono: bigint;
  tai: bigint;
  taiAgain: bigint;
  boot: bigint;
  monoAfter: bigint;
}

const sample = (hex: string | Uint8Array): Sample => {
  const b = typeof hex === 'string' ? Buffer.from(hex, 'hex') : Buffer.from(hex);
  return { mono: b.readBigUInt64LE(0), tai: b.readBigUInt64LE(8), taiAgain: b.readBigUInt64LE(16), boot: b.readBigUInt64LE(24), monoAfter: b.readBigUInt64LE(32) };
};

const realtimeNs = (): bigint => BigInt(Date.now()) * MS;

/** Samples taken by `count` runs here. */
function ours(obj: LoadedObject, count: number): Sample[] {
  const program = obj.program({ program: 'xdp_clocks' });
  for (let i = 0; i < count; i++) runFrame(program, i, new Uint8Array(64));
  return Array.from({ length: count }, (_, i) => sample(obj.map('samples').lookupElem(Uint8Array.of(i, 0, 0, 0)) as Uint8Array));
}

/** What holds in the kernel and here alike, between two readings of the wall clock. */
function plausible(s: Sample, before: bigint, after: bigint): void {
  expect(s.mono).toBeLessThanOrEqual(s.monoAfter);
  expect(s.tai).toBeLessThanOrEqual(s.taiAgain);
  expect(s.boot).toBeGreaterThanOrEqual(s.mono);
  expect(s.tai).toBeGreaterThanOrEqual(before - 10n * MS);
  expect(s.tai).toBeLessThanOrEqual(after + TAI_UTC_MAX + 10n * MS);
}

describe('bpf_ktime_get_tai_ns', () => {
  it('reads TAI as the kernel does: forward, at the date, at CLOCK_MONOTONIC plus the host offsets', () => {
    const before = realtimeNs();
    const kernel = runInKernel(fixture('clocks'), { program: 'xdp_clocks', frames: [new Uint8Array(64), new Uint8Array(64)] });
    const here = ours(loadObject(fixture('clocks')), 2);
    const after = realtimeNs();
    const theirs = kernel.maps.samples!.slice(0, 2).map(([, v]) => sample(v as string));
    for (const s of [...theirs, ...here]) plausible(s, before, after);
    expect(theirs[1]!.mono).toBeGreaterThan(theirs[0]!.monoAfter);
    expect(here[1]!.mono).toBeGreaterThan(here[0]!.monoAfter);
    // Both read the host's CLOCK_MONOTONIC; TAI - MONOTONIC is the host's offs_tai, which xdpsim
    // measures but for the TAI-UTC offset, which Node cannot read (0 unless a time daemon set it).
    const gap = theirs[0]!.tai - theirs[0]!.mono - (here[0]!.tai - here[0]!.mono);
    const whole = ((gap + SECOND / 2n) / SECOND) * SECOND;
    expect(whole >= 0n && whole <= TAI_UTC_MAX).toBe(true);
    expect(gap - whole).toBeLessThan(20n * MS);
    expect(whole - gap).toBeLessThan(20n * MS);
  });

  it('keeps every clock at CLOCK_MONOTONIC plus its offset on the simulated clock', () => {
    const obj = loadObject(fixture('clocks'), { now: () => 0n });
    const t0 = 3600n * SECOND;
    const r0 = 1_750_000_000n * SECOND;
    obj.advanceTo(t0);
    obj.clock.setRealtime(r0);
    expect(ours(obj, 1)[0]).toEqual({ mono: t0, tai: r0, taiAgain: r0, boot: t0, monoAfter: t0 });
    obj.clock.setTaiOffset(37);
    obj.advanceTo(t0 + SECOND);
    expect(ours(obj, 2)[1]).toEqual({ mono: t0 + SECOND, tai: r0 + 38n * SECOND, taiAgain: r0 + 38n * SECOND, boot: t0 + SECOND, monoAfter: t0 + SECOND });
    expect(obj.clock.read(CLOCK_REALTIME)).toBe(r0 + SECOND);
    // A TAI offset is whole seconds: anything else is the user's mistake, not xdpsim's.
    expect(() => obj.clock.setTaiOffset(1.5)).toThrow(ClockConfigError);
  });
});
