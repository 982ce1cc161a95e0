// The ISA v4 examples (clang-19 -mcpu=v4): signed division and modulo at
// their edges (zero and -1 divisors), sign extension, byte swaps, and a
// program long enough to need gotol, against what RFC 9669 defines. Each run
// is xdpsim's, checked against the kernel's where BPF is usable (runCompared).
import { describe, expect, it } from 'vitest';
import { ETH_P_IP } from '../../src/uapi/if-ether.js';
import { ETH_ONLY_14, RUNT_13, ethernet, tcp4Frame, udp4Frame } from '../oracle/packets.js';
import { XDP_DROP, XDP_PASS } from '../../src/uapi/bpf.js';
import {
  example,
  keyU32,
  mapValue,
  plain,
  runCompared,
  s64le,
  sayWhereKernelMissing,
  type Run,
  u64le,
  verdicts,
} from '../oracle/support.js';

sayWhereKernelMissing();

const ETH_P_CPUV4_PROBE = 0x88b5;
const ETH_P_GOTOL_PROBE = 0x88b6;

interface Operands {
  dividend: bigint;
  divisor: bigint;
  modulus: bigint;
  dividend32: number;
  divisor32: number;
  modulus32: number;
  narrow: number;
  half: number;
  be16: number;
  be32: number;
  be64: bigint;
}

// struct probe_operands of xdp_cpuv4.c, 56 bytes with its tail padding.
function probeFrame(o: Operands): Uint8Array {
  const b = Buffer.alloc(56);
  b.writeBigInt64LE(o.dividend, 0);
  b.writeBigInt64LE(o.divisor, 8);
  b.writeBigInt64LE(o.modulus, 16);
  b.writeBigUInt64BE(o.be64, 24);
  b.writeInt32LE(o.dividend32, 32);
  b.writeInt32LE(o.divisor32, 36);
  b.writeInt32LE(o.modulus32, 40);
  b.writeUInt32BE(o.be32, 44);
  b.writeInt16LE(o.half, 48);
  b.writeUInt16BE(o.be16, 50);
  b.writeInt8(o.narrow, 52);
  return ethernet(ETH_P_CPUV4_PROBE, Uint8Array.from(b));
}

// The BPF ISA's signed division and modulo (RFC 9669): division by zero
// gives 0, modulo by zero leaves the dividend, and MIN / -1 wraps to MIN.
function sdiv(a: bigint, b: bigint, bits: number): bigint {
  if (b === 0n) return 0n;
  return BigInt.asIntN(bits, a / b);
}

function smod(a: bigint, b: bigint, bits: number): bigint {
  if (b === 0n) return a;
  return BigInt.asIntN(bits, a % b);
}

const S64_MIN = -(1n << 63n);
const S32_MIN = -(2 ** 31);

describe('xdp_cpuv4', () => {
  const base: Operands = {
    dividend: 100n,
    divisor: 7n,
    modulus: 7n,
    dividend32: 100,
    divisor32: 7,
    modulus32: 7,
    narrow: -5,
    half: -12345,
    be16: 0x1234,
    be32: 0x89abcdef,
    be64: 0x0123456789abcdefn,
  };
  const cases: Array<[string, Operands]> = [
    ['positive operands', base],
    ['negative dividends', { ...base, dividend: -100n, dividend32: -100, narrow: 127, half: 32767 }],
    ['negative divisors', { ...base, divisor: -7n, modulus: -7n, divisor32: -7, modulus32: -7 }],
    ['zero divisors', { ...base, dividend: 12345n, divisor: 0n, modulus: 0n, dividend32: -77, divisor32: 0, modulus32: 0 }],
    ['minimum / -1', { ...base, dividend: S64_MIN, divisor: -1n, modulus: -1n, dividend32: S32_MIN, divisor32: -1, modulus32: -1 }],
    ['large values', { ...base, dividend: 0x7fffffffffffffffn, divisor: 3n, modulus: 1n << 40n, dividend32: 0x7fffffff, divisor32: -2, modulus32: 1000 }],
  ];

  for (const [name, o] of cases) {
    it(`computes ${name} as the ISA defines`, () => {
      const run = runCompared(example('xdp_cpuv4'), { frames: [probeFrame(o)] });
      const q = sdiv(o.dividend, o.divisor, 64);
      const r = smod(o.dividend, o.modulus, 64);
      const q32 = sdiv(BigInt(o.dividend32), BigInt(o.divisor32), 32);
      const r32 = smod(BigInt(o.dividend32), BigInt(o.modulus32), 32);
      expect(verdicts(run)).toEqual([q < 0n ? XDP_DROP : XDP_PASS]);

      const v = plain(mapValue(run, 'results', keyU32(0)));
      const s32 = (off: number) => BigInt(Buffer.from(v, 'hex').readInt32LE(off));
      expect({
        quotient: s64le(v, 0),
        remainder: s64le(v, 8),
        quotient32: s32(16),
        remainder32: s32(20),
        quotient32Wide: s64le(v, 24),
        quotientLow8: s64le(v, 32),
        remainderLow16: s64le(v, 40),
        narrow: s64le(v, 48),
        half: s64le(v, 56),
        dividend32Wide: s64le(v, 64),
        swapped16: u64le(v, 72),
        swapped32: u64le(v, 80),
        swapped64: u64le(v, 88),
      }).toEqual({
        quotient: q,
        remainder: r,
        quotient32: q32,
        remainder32: r32,
        quotient32Wide: q32,
        quotientLow8: BigInt.asIntN(8, q),
        remainderLow16: BigInt.asIntN(16, r),
        narrow: BigInt(o.narrow),
        half: BigInt(o.half),
        dividend32Wide: BigInt(o.dividend32),
        swapped16: BigInt(o.be16),
        swapped32: BigInt(o.be32),
        swapped64: o.be64,
      });
    });
  }

  it('passes frames that are not probes and leaves the results alone', () => {
    const short = probeFrame(base).subarray(0, 69);
    const frames = [tcp4Frame(1, 2), short, ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000), RUNT_13];
    const run = runCompared(example('xdp_cpuv4'), { frames });
    expect(verdicts(run)).toEqual([XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, 'Invalid argument']);
    expect(plain(mapValue(run, 'results', keyU32(0)))).toMatch(/^(00){96}$/);
  });
});

describe('xdp_gotol', () => {
  const M64 = (1n << 64n) - 1n;
  function mix(seed: bigint): bigint {
    let x = seed;
    for (let i = 0n; i < 1700n; i++) {
      x ^= x >> 29n;
      x = (x * ((0xbf58476d1ce4e5b9n + i) & M64)) & M64;
    }
    return x;
  }
  function probe(marker: number, seed: bigint, type = ETH_P_GOTOL_PROBE): Uint8Array {
    const b = Buffer.alloc(16);
    b[0] = marker;
    b.writeBigUInt64LE(seed, 8);
    return ethernet(type, Uint8Array.from(b));
  }
  const mixed = (run: Run) => u64le(plain(mapValue(run, 'mixed', keyU32(0))), 0);

  it('runs the long block when the marker asks for it', () => {
    const seed = 0x0123456789abcdefn;
    const run = runCompared(example('xdp_gotol'), { frames: [probe(0x5a, seed)] });
    expect(verdicts(run)).toEqual([XDP_PASS]);
    expect(mixed(run)).toBe(mix(seed));
    expect(mix(seed)).not.toBe(0n);
  });

  it('jumps over it otherwise, and ignores frames that are not probes', () => {
    const withBlock = runCompared(example('xdp_gotol'), { frames: [probe(0x5a, 99n), probe(0x5b, 99n)] });
    expect(mixed(withBlock)).toBe(0n);
    const frames = [probe(0x5a, 99n, ETH_P_IP), probe(0x5a, 99n).subarray(0, 29), ETH_ONLY_14, udp4Frame(1, 2, 3520), udp4Frame(1, 2, 4000), RUNT_13];
    const notProbes = runCompared(example('xdp_gotol'), { frames });
    expect(verdicts(notProbes)).toEqual([XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS, 'Invalid argument']);
    expect(mixed(notProbes)).toBe(0n);
  });
});
