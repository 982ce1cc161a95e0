import { describe, expect, it } from 'vitest';
import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
} from '../../src/isa/opcodes.js';
import {
  Scalar,
  boundsSane,
  boundsViolationText,
  coerceToSize,
  coerceToSizeSx,
  flipOpcode,
  isBranchTaken,
  maybeForkScalars,
  rangeWithin,
  refineCond,
  regBoundsSync,
  scalarAlu,
  scalarEndian,
  scalarIn,
  scalarMovSx,
  scalarStr,
  swapOpcode,
} from '../../src/verifier/scalar.js';
import { tnumIn, tnumRange } from '../../src/verifier/tnum.js';
import { fromBigInt as W, toBigS, toBigU } from '../../src/verifier/word.js';

const M64 = (1n << 64n) - 1n;
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/** A BPF_K operand: the immediate sign-extended to 64 bits, as the verifier's fake register holds it. */
const K = (imm: number): Scalar => Scalar.constant(W(u64(BigInt(imm))));

/** `dst op= src` on a copy. */
function alu(dst: Scalar, op: number, src: Scalar, is64 = true): Scalar {
  const d = dst.clone();
  scalarAlu(d, src, op, is64);
  return d;
}

function refined(a: Scalar, b: Scalar, op: number, is32 = false): Scalar {
  const x = a.clone();
  refineCond(x, b.clone(), op, is32);
  return x;
}

// ---------------------------------------------------------------------------
// Soundness: random abstract values with a known member; the concrete
// operation's result must be a member of the abstract result.

/** splitmix64: deterministic, so a failure reproduces. */
function prng(seed: bigint): () => bigint {
  let x = seed;
  return () => {
    x = u64(x + 0x9e3779b97f4a7c15n);
    let z = x;
    z = u64((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = u64((z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
}

const rnd = prng(0x5ca1a5n);
const below = (n: number): number => Number(rnd() % BigInt(n));

/** A value biased toward the edges where bounds logic breaks: small, near sign bits, near the top. */
function interesting(): bigint {
  const r = rnd();
  switch (below(8)) {
    case 0:
      return r & 0xffn;
    case 1:
      return u64(-(r & 0xffn));
    case 2:
      return (r & 0xffffn) | 0x80000000n;
    case 3:
      return u64((r & 0xffn) - 0x80000000n);
    case 4:
      return 0x7fffffffn - (r & 0xfn);
    case 5:
      return (1n << 63n) + (r & 0xffn) - 0x80n;
    case 6:
      return r & 0xffffffffn;
    default:
      return r;
  }
}

/** Whether concrete x satisfies every part of s. */
function member(s: Scalar, x: bigint): boolean {
  const lo = Number(x & 0xffffffffn);
  return (
    (x & ~toBigU(s.varOff.mask) & M64) === toBigU(s.varOff.value) &&
    toBigU(s.umin) <= x &&
    x <= toBigU(s.umax) &&
    toBigS(s.smin) <= s64(x) &&
    s64(x) <= toBigS(s.smax) &&
    s.u32min <= lo &&
    lo <= s.u32max &&
    s.s32min <= (lo | 0) &&
    (lo | 0) <= s.s32max
  );
}

/**
 * An abstract value holding x, built the ways the verifier builds them: a
 * constant, a tnum with some bits unknown, bounds from comparisons (64- and
 * 32-bit, signed and unsigned), and arithmetic on those.
 */
function around(x: bigint): Scalar {
  const s = Scalar.unknown();
  if (below(6) === 0) return Scalar.constant(W(x));
  if (below(2)) {
    const mask = [0xffn, 0xff00n, 0xffffffffn, rnd(), rnd() & rnd(), ~0xfn & M64][below(6)]!;
    s.varOff = { value: W(x & ~mask), mask: W(mask) };
  }
  const cmps = below(4);
  for (let i = 0; i < cmps; i++) {
    const ops = [BPF_JLE, BPF_JGE, BPF_JSLE, BPF_JSGE, BPF_JNE, BPF_JLT, BPF_JGT, BPF_JSLT, BPF_JSGT];
    const op = ops[below(ops.length)]!;
    const is32 = below(3) === 0;
    const v = is32 ? x & 0xffffffffn : x;
    const sv = is32 ? BigInt.asIntN(32, v) : s64(v);
    const delta = BigInt(below(300));
    let c: bigint;
    switch (op) {
      case BPF_JLE:
        c = v + delta;
        break;
      case BPF_JLT:
        c = v + delta + 1n;
        break;
      case BPF_JGE:
        c = v - delta;
        break;
      case BPF_JGT:
        c = v - delta - 1n;
        break;
      case BPF_JSLE:
        c = sv + delta;
        break;
      case BPF_JSLT:
        c = sv + delta + 1n;
        break;
      case BPF_JSGE:
        c = sv - delta;
        break;
      case BPF_JSGT:
        c = sv - delta - 1n;
        break;
      default:
        c = v + delta + 1n;
    }
    // Only comparisons that hold for x and whose constant is representable.
    const width = is32 ? 32 : 64;
    const signed = op === BPF_JSLE || op === BPF_JSLT || op === BPF_JSGE || op === BPF_JSGT;
    const inRange = signed ? c === BigInt.asIntN(width, c) : c === BigInt.asUintN(width, c);
    if (!inRange) continue;
    const k = Scalar.constant(W(u64(c)));
    if (isBranchTaken(s, k, op, is32) === 0) continue;
    refineCond(s, k, op, is32);
  }
  regBoundsSync(s);
  return s;
}

/** A pair (abstract, member), also through arithmetic so the results of the ALU feed it. */
function sample(): [Scalar, bigint] {
  const x = interesting();
  const s = around(x);
  if (below(4) === 0) {
    const y = interesting();
    const t = around(y);
    const op = [BPF_ADD, BPF_SUB, BPF_AND, BPF_OR][below(4)]!;
    scalarAlu(s, t, op, true);
    return [s, concrete(op, x, y, true)];
  }
  return [s, x];
}

/** The interpreter's semantics of an ALU operation (64-bit, or 32-bit zero-extended). */
function concrete(op: number, a: bigint, b: bigint, is64: boolean): bigint {
  const w = is64 ? 64 : 32;
  const x = BigInt.asUintN(w, a);
  const y = BigInt.asUintN(w, b);
  const sh = y & BigInt(w - 1);
  const r = ((): bigint => {
    switch (op) {
      case BPF_ADD:
        return x + y;
      case BPF_SUB:
        return x - y;
      case BPF_MUL:
        return x * y;
      case BPF_AND:
        return x & y;
      case BPF_OR:
        return x | y;
      case BPF_XOR:
        return x ^ y;
      case BPF_LSH:
        return x << sh;
      case BPF_RSH:
        return x >> sh;
      case BPF_ARSH:
        return BigInt.asIntN(w, x) >> sh;
      case BPF_NEG:
        return -x;
      case BPF_MOV:
        return y;
      case BPF_DIV:
        return y === 0n ? 0n : x / y;
      case BPF_MOD:
        return y === 0n ? x : x % y;
    }
    throw new Error(`op ${op}`);
  })();
  return BigInt.asUintN(w, r);
}

const CASES = 2500;

describe('soundness against concrete execution', () => {
  it('builds abstract values that hold their member', () => {
    for (let i = 0; i < CASES; i++) {
      const [s, x] = sample();
      expect(member(s, x), `${x} in ${scalarStr(s)}`).toBe(true);
      expect(boundsSane(s)).toBeUndefined();
    }
  });

  const ops = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_NEG, BPF_MOV, BPF_DIV, BPF_MOD];
  for (const is64 of [true, false]) {
    it(`ALU${is64 ? '64' : '32'}: every operation contains the concrete result`, () => {
      for (let i = 0; i < CASES; i++) {
        const op = ops[i % ops.length]!;
        const [a, x] = sample();
        let [b, y] = sample();
        if (op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) {
          // Shifts the kernel accepts: mostly constant amounts below the width.
          y = BigInt(below(is64 ? 64 : 32));
          b = below(4) ? Scalar.constant(W(y)) : around(y);
        }
        const r = alu(a, op, b, is64);
        const z = concrete(op, x, y, is64);
        expect(member(r, z), `${x} op${op.toString(16)} ${y} = ${z} not in ${scalarStr(r)} from ${scalarStr(a)}, ${scalarStr(b)}`).toBe(true);
        expect(boundsSane(r)).toBeUndefined();
      }
    });
  }

  it('r op= r reads the old value of r', () => {
    for (let i = 0; i < 300; i++) {
      const [a, x] = sample();
      const op = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_XOR][i % 4]!;
      scalarAlu(a, a, op, true);
      expect(member(a, concrete(op, x, x, true))).toBe(true);
    }
  });

  it('loads, sign extension and byte swaps contain the concrete result', () => {
    const swap = (x: bigint, bytes: number): bigint => {
      let r = 0n;
      for (let i = 0; i < bytes; i++) r = (r << 8n) | ((x >> BigInt(8 * i)) & 0xffn);
      return r;
    };
    for (let i = 0; i < CASES; i++) {
      const [a, x] = sample();
      const size = [1, 2, 4][i % 3]!;
      const bits = size * 8;
      const z = a.clone();
      coerceToSize(z, size);
      expect(member(z, x & ((1n << BigInt(bits)) - 1n))).toBe(true);
      const sx = a.clone();
      coerceToSizeSx(sx, size);
      expect(member(sx, u64(BigInt.asIntN(bits, x))), `sx${bits} ${x} in ${scalarStr(sx)}`).toBe(true);
      if (size < 4) {
        const w = a.clone();
        scalarMovSx(w, bits as 8 | 16, false);
        expect(member(w, BigInt.asUintN(32, BigInt.asIntN(bits, x)))).toBe(true);
      }
      const eb = ([16, 32, 64] as const)[i % 3]!;
      const be = a.clone();
      scalarEndian(be, false, eb, false);
      expect(member(be, swap(x, eb / 8)), `be${eb} ${x} in ${scalarStr(be)}`).toBe(true);
      const le = a.clone();
      scalarEndian(le, true, eb, false);
      expect(member(le, eb === 64 ? x : x & ((1n << BigInt(eb)) - 1n))).toBe(true);
    }
  });

  const jumps = [BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE];
  const holds = (op: number, x: bigint, y: bigint, is32: boolean): boolean => {
    const w = is32 ? 32 : 64;
    const [ux, uy] = [BigInt.asUintN(w, x), BigInt.asUintN(w, y)];
    const [sx, sy] = [BigInt.asIntN(w, x), BigInt.asIntN(w, y)];
    switch (op) {
      case BPF_JEQ:
        return ux === uy;
      case BPF_JNE:
        return ux !== uy;
      case BPF_JSET:
        return (ux & uy) !== 0n;
      case BPF_JGT:
        return ux > uy;
      case BPF_JGE:
        return ux >= uy;
      case BPF_JLT:
        return ux < uy;
      case BPF_JLE:
        return ux <= uy;
      case BPF_JSGT:
        return sx > sy;
      case BPF_JSGE:
        return sx >= sy;
      case BPF_JSLT:
        return sx < sy;
      default:
        return sx <= sy;
    }
  };

  it('isBranchTaken never contradicts a member, and refineCond keeps the members of its branch', () => {
    for (let i = 0; i < CASES; i++) {
      const op = jumps[i % jumps.length]!;
      const is32 = below(3) === 0;
      const [a, x] = sample();
      let [b, y] = sample();
      if (below(2)) {
        // Against a constant equal to or next to a member, where off-by-one errors show.
        y = u64(x + BigInt(below(2)));
        b = Scalar.constant(W(y));
      }
      const h = holds(op, x, y, is32);
      const taken = isBranchTaken(a, b, op, is32);
      if (taken !== -1) expect(taken === 1, `${x} op${op.toString(16)} ${y} in ${scalarStr(a)} / ${scalarStr(b)}`).toBe(h);
      else {
        // The verifier refines only branches it cannot decide.
        const branch = h ? op : flipOpcode(op);
        const ra = a.clone();
        const rb = b.clone();
        refineCond(ra, rb, branch, is32);
        expect(member(ra, x) && member(rb, y), `${x} op${branch.toString(16)} ${y}: ${scalarStr(a)} / ${scalarStr(b)} -> ${scalarStr(ra)} / ${scalarStr(rb)}`).toBe(true);
      }
      // Swapped operands decide the same.
      expect(isBranchTaken(b, a, swapOpcode(op), is32)).toBe(taken);
    }
  });

  it('maybeForkScalars splits -1/0 and keeps every member in one of the halves', () => {
    for (let i = 0; i < 500; i++) {
      const x = below(2) ? M64 : 0n;
      const a = around(x);
      const is32 = below(2) === 1;
      if (is32) scalarAlu(a, K(31), BPF_ARSH, false);
      else scalarAlu(a, K(63), BPF_ARSH, true);
      const v = is32 ? BigInt.asUintN(32, BigInt.asIntN(32, x) >> 31n) : x;
      const d = a.clone();
      const zero = maybeForkScalars(d, K(5), BPF_AND);
      if (zero) expect(member(d, v) || member(zero, v)).toBe(true);
      else expect(member(d, v)).toBe(true);
    }
  });

  it('scalarIn(old, cur) means every member of cur is in old', () => {
    for (let i = 0; i < CASES; i++) {
      const [cur, x] = sample();
      const old = below(2) ? around(x) : sample()[0];
      if (scalarIn(old, cur)) expect(member(old, x)).toBe(true);
      expect(scalarIn(cur, cur)).toBe(true);
      expect(rangeWithin(Scalar.unknown(), cur)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------
// What the 6.18 kernel printed for the same instructions (bpftool prog load
// with the verifier log on). Each expected string is the text after `R1=`.

describe('agreement with the kernel log', () => {
  const unknown = Scalar.unknown();
  const byte = alu(unknown, BPF_AND, K(255));

  it('folds constants and prints them as verbose_snum does', () => {
    expect(scalarStr(K(1000000))).toBe('0xf4240');
    expect(scalarStr(K(-1000000))).toBe('0xfffffffffff0bdc0');
    expect(scalarStr(K(-5))).toBe('-5');
    expect(scalarStr(alu(K(3), BPF_ADD, K(4)))).toBe('7');
    expect(scalarStr(alu(K(0x1234), BPF_LSH, K(4), false))).toBe('0x12340');
  });

  it('AND, OR and MUL', () => {
    expect(scalarStr(unknown)).toBe('scalar()');
    expect(scalarStr(byte)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))');
    expect(scalarStr(alu(byte, BPF_MUL, K(3)))).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=765,var_off=(0x0; 0x3ff))');
    expect(scalarStr(alu(byte, BPF_OR, K(256)))).toBe(
      'scalar(smin=umin=smin32=umin32=256,smax=umax=smax32=umax32=511,var_off=(0x100; 0xff))',
    );
    const odd = alu(alu(unknown, BPF_AND, K(2)), BPF_OR, K(1));
    expect(scalarStr(odd)).toBe('scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=3,var_off=(0x1; 0x2))');
    // The union-based tnum_mul: the older algorithm gave (0x1; 0xe).
    expect(scalarStr(alu(odd, BPF_MUL, K(3)))).toBe('scalar(smin=umin=smin32=umin32=3,smax=umax=smax32=umax32=9,var_off=(0x1; 0xa))');
  });

  it('division and modulo are unknown even of constants', () => {
    expect(scalarStr(alu(K(10), BPF_DIV, K(3)))).toBe('scalar()');
    expect(scalarStr(alu(byte, BPF_MOD, K(10)))).toBe('scalar()');
  });

  it('ADD, SUB and NEG', () => {
    expect(scalarStr(alu(alu(unknown, BPF_AND, K(15)), BPF_ADD, K(-1)))).toBe('scalar(smin=smin32=-1,smax=smax32=14)');
    expect(scalarStr(alu(byte, BPF_NEG, K(0)))).toBe('scalar(smin=smin32=-255,smax=smax32=0)');
    const mask = alu(unknown, BPF_ARSH, K(63));
    expect(scalarStr(mask)).toBe('scalar(smin=smin32=-1,smax=smax32=0)');
    expect(scalarStr(alu(mask, BPF_NEG, K(0)))).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1))');
    expect(scalarStr(alu(mask, BPF_XOR, K(5)))).toBe('scalar()');
  });

  it('32-bit operations zero-extend', () => {
    const w = alu(unknown, BPF_MOV, unknown, false);
    expect(scalarStr(w)).toBe('scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))');
    const w4 = alu(unknown, BPF_AND, K(15), false);
    expect(scalarStr(w4)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf))');
    const w4m5 = alu(w4, BPF_ADD, K(-5), false);
    expect(scalarStr(w4m5)).toBe('scalar(smin=0,smax=umax=0xffffffff,smin32=-5,smax32=10,var_off=(0x0; 0xffffffff))');
    expect(scalarStr(alu(w4m5, BPF_LSH, K(32)))).toBe(
      'scalar(smin=0xfffffffb00000000,smax=0xa00000000,umax=0xffffffff00000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xffffffff00000000))',
    );
    expect(scalarStr(alu(w, BPF_ARSH, K(31), false))).toBe(
      'scalar(smin=0,smax=umax=0xffffffff,smin32=-1,smax32=0,var_off=(0x0; 0xffffffff))',
    );
  });

  it('shifts', () => {
    const hi = alu(alu(unknown, BPF_AND, K(0xffff)), BPF_LSH, K(48));
    expect(scalarStr(hi)).toBe(
      'scalar(smax=0x7fff000000000000,umax=0xffff000000000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xffff000000000000))',
    );
    expect(scalarStr(alu(hi, BPF_ARSH, K(56)))).toBe('scalar(smin=smin32=-128,smax=smax32=127)');
    expect(scalarStr(alu(byte, BPF_RSH, K(4)))).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=15,var_off=(0x0; 0xf))');
  });

  it('byte swaps track the tnum', () => {
    const be = (s: Scalar, bits: 16 | 32 | 64, toLe = false): string => {
      const c = s.clone();
      scalarEndian(c, toLe, bits, false);
      return scalarStr(c);
    };
    expect(be(K(0x1234), 16)).toBe('13330');
    expect(be(byte, 16)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=0xff00,var_off=(0x0; 0xff00))');
    expect(be(unknown, 16, true)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))');
    expect(be(byte, 64)).toBe(
      'scalar(smax=0x7f00000000000000,umax=0xff00000000000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xff00000000000000))',
    );
  });

  it('loads and MOVSX', () => {
    const u16 = unknown.clone();
    coerceToSize(u16, 2);
    expect(scalarStr(u16)).toBe('scalar(smin=smin32=0,smax=umax=smax32=umax32=0xffff,var_off=(0x0; 0xffff))');
    const s8 = unknown.clone();
    coerceToSizeSx(s8, 1);
    expect(scalarStr(s8)).toBe('scalar(smin=smin32=-128,smax=smax32=127)');
    const s16 = unknown.clone();
    coerceToSizeSx(s16, 2);
    expect(scalarStr(s16)).toBe('scalar(smin=smin32=-32768,smax=smax32=32767)');
    const r5 = alu(unknown, BPF_AND, K(0x1ff));
    const movsx = (s: Scalar, bits: 8 | 16 | 32, is64: boolean): string => {
      const c = s.clone();
      scalarMovSx(c, bits, is64);
      return scalarStr(c);
    };
    expect(movsx(r5, 8, true)).toBe('scalar(smin=smin32=-128,smax=smax32=127)');
    expect(movsx(K(383), 8, true)).toBe('127');
    expect(movsx(K(383), 16, true)).toBe('383');
    expect(movsx(r5, 8, false)).toBe('scalar(smin=0,smax=umax=0xffffffff,smin32=-128,smax32=127,var_off=(0x0; 0xffffffff))');
  });

  it('prints an id, with the constant of a linked add', () => {
    expect(scalarStr(unknown, { id: 1 })).toBe('scalar(id=1)');
    expect(scalarStr(alu(byte, BPF_ADD, K(5)), { id: 2, delta: 5 })).toBe(
      'scalar(id=2+5,smin=umin=smin32=umin32=5,smax=umax=smax32=umax32=260,var_off=(0x0; 0x1ff))',
    );
  });

  it('refines signed 64-bit comparisons', () => {
    const le100 = refined(unknown, K(100), flipOpcode(BPF_JSGT));
    expect(scalarStr(le100)).toBe('scalar(smax=100)');
    expect(scalarStr(refined(unknown, K(100), BPF_JSGT))).toBe(
      'scalar(smin=umin=101,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff))',
    );
    const mid = refined(le100, K(-100), flipOpcode(BPF_JSLT));
    expect(scalarStr(mid)).toBe('scalar(smin=smin32=-100,smax=smax32=100)');
    expect(scalarStr(refined(le100, K(-100), BPF_JSLT))).toBe(
      'scalar(smax=-101,umin=0x8000000000000000,umax=0xffffffffffffff9b,var_off=(0x8000000000000000; 0x7fffffffffffffff))',
    );
    // then `if w2 > 7`, a 32-bit comparison
    expect(scalarStr(refined(mid, K(7), flipOpcode(BPF_JGT), true))).toBe(
      'scalar(smin=smin32=0,smax=umax=smax32=umax32=7,var_off=(0x0; 0x7))',
    );
    expect(scalarStr(refined(mid, K(7), BPF_JGT, true))).toBe('scalar(smin=smin32=-100,smax=smax32=100,umin=umin32=8)');
  });

  it('refines a 32-bit signed comparison into the 64-bit bounds', () => {
    expect(scalarStr(refined(unknown, K(-3), flipOpcode(BPF_JSGT), true))).toBe(
      'scalar(smin=0x8000000080000000,smax=0x7ffffffffffffffd,umin=umin32=0x80000000,umax=0xfffffffffffffffd,smax32=-3,umax32=0xfffffffd,var_off=(0x80000000; 0xffffffff7fffffff))',
    );
  });

  it('refines JSET both ways', () => {
    expect(scalarStr(refined(unknown, K(0x10), flipOpcode(BPF_JSET)))).toBe(
      'scalar(smax=0x7fffffffffffffef,umax=0xffffffffffffffef,smax32=0x7fffffef,umax32=0xffffffef,var_off=(0x0; 0xffffffffffffffef))',
    );
    expect(scalarStr(refined(unknown, K(0x10), BPF_JSET))).toBe(
      'scalar(smin=0x8000000000000010,umin=umin32=16,smin32=0x80000010,var_off=(0x10; 0xffffffffffffffef))',
    );
    expect(scalarStr(refined(byte, K(0x10), flipOpcode(BPF_JSET)))).toBe(
      'scalar(smin=smin32=0,smax=umax=smax32=umax32=239,var_off=(0x0; 0xef))',
    );
  });

  it('uses the tnum to decide JEQ, and does not bound past the tnum', () => {
    const r8 = alu(alu(unknown, BPF_AND, K(0xf0)), BPF_OR, K(1));
    expect(scalarStr(r8)).toBe('scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=241,var_off=(0x1; 0xf0))');
    expect(isBranchTaken(r8, K(2), BPF_JEQ, false)).toBe(0);
    expect(isBranchTaken(r8, K(2), BPF_JNE, false)).toBe(1);
    expect(scalarStr(refined(r8, K(2), flipOpcode(BPF_JLT)))).toBe(
      'scalar(smin=umin=smin32=umin32=2,smax=umax=smax32=umax32=241,var_off=(0x1; 0xf0))',
    );
  });

  it('does not decide `if r3 > r3`, and refines r3 against itself', () => {
    const r3 = alu(unknown, BPF_AND, K(15));
    expect(isBranchTaken(r3, r3, BPF_JGT, false)).toBe(-1);
    const t = r3.clone();
    refineCond(t, t, BPF_JGT, false);
    expect(scalarStr(t)).toBe('scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=14,var_off=(0x0; 0xf))');
    const f = r3.clone();
    refineCond(f, f, flipOpcode(BPF_JGT), false);
    expect(scalarStr(f)).toBe(scalarStr(r3));
  });

  it('forks a -1/0 mask before AND and OR with a constant', () => {
    const mask = alu(unknown, BPF_ARSH, K(63));
    const d = mask.clone();
    const zero = maybeForkScalars(d, K(5), BPF_AND);
    scalarAlu(d, K(5), BPF_AND, true);
    expect(scalarStr(d)).toBe('5');
    expect(scalarStr(zero!)).toBe('0');
    const o = mask.clone();
    const oz = maybeForkScalars(o, K(5), BPF_OR)!;
    scalarAlu(o, K(5), BPF_OR, true);
    scalarAlu(oz, K(5), BPF_OR, true);
    expect([scalarStr(o), scalarStr(oz)]).toEqual(['-1', '5']);
    // w4 = w6; w4 s>>= 31; w4 &= 6
    const w = alu(alu(unknown, BPF_MOV, unknown, false), BPF_ARSH, K(31), false);
    const wz = maybeForkScalars(w, K(6), BPF_AND)!;
    scalarAlu(w, K(6), BPF_AND, false);
    scalarAlu(wz, K(6), BPF_AND, false);
    expect([scalarStr(w), scalarStr(wz)]).toEqual(['6', '0']);
    expect(maybeForkScalars(mask.clone(), K(5), BPF_XOR)).toBeUndefined();
    expect(maybeForkScalars(byte.clone(), K(5), BPF_AND)).toBeUndefined();
  });
});

describe('branch decisions', () => {
  const byte = alu(Scalar.unknown(), BPF_AND, K(255));
  it('decides from bounds', () => {
    expect(isBranchTaken(byte, K(255), BPF_JLE, false)).toBe(1);
    expect(isBranchTaken(byte, K(256), BPF_JGE, false)).toBe(0);
    expect(isBranchTaken(byte, K(100), BPF_JGT, false)).toBe(-1);
    expect(isBranchTaken(byte, K(-1), BPF_JSGT, false)).toBe(1);
    expect(isBranchTaken(byte, K(0x100), BPF_JSET, false)).toBe(0);
    expect(isBranchTaken(alu(byte, BPF_OR, K(1)), K(1), BPF_JSET, false)).toBe(1);
    expect(isBranchTaken(K(0x100000005), K(5), BPF_JEQ, true)).toBe(1);
    expect(isBranchTaken(K(0x100000005), K(5), BPF_JEQ, false)).toBe(0);
  });

  it('narrows both operands of a comparison of two registers', () => {
    const a = byte.clone();
    const b = alu(Scalar.unknown(), BPF_AND, K(0xf));
    refineCond(a, b, BPF_JLT, false);
    expect([toBigU(a.umax), toBigU(b.umin)]).toEqual([14n, 1n]);
    const c = byte.clone();
    const d = K(7);
    refineCond(c, d, BPF_JEQ, false);
    expect(scalarStr(c)).toBe('7');
  });

  it('flips and swaps opcodes as rev_opcode and flip_opcode', () => {
    expect(flipOpcode(BPF_JGT)).toBe(BPF_JLE);
    expect(flipOpcode(flipOpcode(BPF_JSET))).toBe(BPF_JSET);
    expect(swapOpcode(BPF_JSGE)).toBe(BPF_JSLE);
    expect(swapOpcode(BPF_JNE)).toBe(BPF_JNE);
  });
});

describe('invariants', () => {
  it('reports the kernel reason for inconsistent bounds', () => {
    const s = Scalar.unknown();
    expect(boundsSane(s)).toBeUndefined();
    s.umin = W(5n);
    s.umax = W(4n);
    expect(boundsSane(s)).toBe('range bounds violation');
    expect(boundsViolationText(s, 'alu', 'range bounds violation')).toBe(
      'REG INVARIANTS VIOLATION (alu): range bounds violation u64=[0x5, 0x4] s64=[0x8000000000000000, 0x7fffffffffffffff] ' +
        'u32=[0x0, 0xffffffff] s32=[0x80000000, 0x7fffffff] var_off=(0x0, 0xffffffffffffffff)',
    );
    const c = K(3);
    c.umax = W(4n);
    expect(boundsSane(c)).toBe('const tnum out of sync with range bounds');
    const c32 = alu(Scalar.unknown(), BPF_AND, K(0xffff00000000));
    c32.u32max = 1;
    expect(boundsSane(c32)).toBe('const subreg tnum out of sync with range bounds');
  });

  it('keeps var_off and the bounds in step', () => {
    const s = Scalar.unknown();
    s.umax = W(1000n);
    regBoundsSync(s);
    expect(tnumIn(tnumRange(W(0n), W(1023n)), s.varOff)).toBe(true);
    expect([toBigS(s.smax), s.u32max, s.s32min]).toEqual([1000n, 1000, 0]);
  });
});
