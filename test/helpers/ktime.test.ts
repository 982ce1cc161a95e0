// The clocks' arithmetic on Ktimes (int32 pairs) against the same in BigInt,
// over the whole signed 64-bit range: CLOCK_REALTIME is past 2^53, and
// timers saturate at KTIME_MAX.
import { describe, expect, it } from 'vitest';
import { KTIME_MAX, ktime, ktimeBefore, ktimeSet, toKtime } from '../../src/helpers/clock.js';
import { TCP_SYNCOOKIE_PERIOD, tcpCookieTime } from '../../src/helpers/syncookie.js';
import { INITIAL_JIFFIES, jiffiesAt, NSEC_PER_JIFFY } from '../../src/helpers/time.js';
import { formatTraceLine } from '../../src/helpers/trace-pipe.js';
import { toBigInt64 } from '../../src/vm/int64.js';

const EDGES = [0n, 1n, 999_999n, 1_000_000n, 999_999_999n, 1_000_000_000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 1_733_000_000_123_456_789n, 2n ** 63n - 1n, -1n, -(2n ** 63n)];

function times(): bigint[] {
  const out = [...EDGES];
  let s = 5;
  const word = (): bigint => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return BigInt(s);
  };
  for (let i = 0; i < 5000; i++) out.push(BigInt.asIntN(64, ((word() << 32n) | word()) >> BigInt(Number(word() % 64n))));
  return out;
}

const ns = (t: Readonly<Int32Array>): bigint => toBigInt64(t[0]!, t[1]!);

describe('Ktime arithmetic', () => {
  const ts = times();

  it('ktimeSet makes seconds and nanoseconds into a ktime, as ktime_set does', () => {
    const t = ktime();
    for (const v of ts) {
      const secs = v / 1_000_000_000n;
      const nsecs = v % 1_000_000_000n;
      if (nsecs < 0n) continue;
      expect(ns(ktimeSet(t, Number(secs), Number(nsecs)))).toBe(v);
    }
    expect(ns(ktimeSet(t, 1_700_000_000, 999_999_999))).toBe(1_700_000_000_999_999_999n);
  });

  it('toKtime and ktimeBefore keep a bigint\'s value and order', () => {
    for (let i = 1; i < ts.length; i++) {
      const a = ts[i - 1]!;
      const b = ts[i]!;
      expect(ns(toKtime(a))).toBe(a);
      expect(ktimeBefore(toKtime(a), toKtime(b))).toBe(a < b);
    }
    expect(ns(KTIME_MAX)).toBe(2n ** 63n - 1n);
  });

  it('counts jiffies and SYN cookie minutes of a Ktime as in BigInt', () => {
    for (const v of ts) {
      const jiffies = INITIAL_JIFFIES + v / NSEC_PER_JIFFY;
      expect(jiffiesAt(toKtime(v))).toBe(Number(jiffies));
      expect(jiffiesAt(v)).toBe(jiffies);
      expect(tcpCookieTime(toKtime(v))).toBe(Number(BigInt.asUintN(32, jiffies / BigInt(TCP_SYNCOOKIE_PERIOD))));
    }
  });

  it('prints a trace_pipe time of a Ktime as of the same bigint', () => {
    for (const v of ts) {
      const secs = (v / 1_000_000_000n).toString().padStart(5);
      const micros = ((v % 1_000_000_000n) / 1000n).toString().padStart(6, '0');
      expect(formatTraceLine('m', 0, toKtime(v), 'c', 1)).toBe(`${'c'.padStart(16)}-1       [000] b..11 ${secs}.${micros}: bpf_trace_printk: m`);
    }
  });
});
