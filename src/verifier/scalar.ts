/**
 * The scalar value domain of the verifier: what is known about a number held
 * in a register, as struct bpf_reg_state keeps it for SCALAR_VALUE registers:
 * a tnum (which bits are known) and signed and unsigned bounds of the whole
 * register and of its low 32 bits. Each exported function mirrors one piece of
 * kernel/bpf/verifier.c, named in its doc comment; the bounds logic follows
 * the kernel step by step, because the verdicts and the log must agree with
 * the kernel's, including where the kernel is imprecise.
 *
 * Where kernel versions differ, this follows what the 6.18 kernel on the
 * development machine does, checked by loading programs and reading its log:
 * byte swaps are tracked through the tnum, BPF_DIV and BPF_MOD give an
 * unknown scalar, JEQ/JNE use tnum_overlap, tnum_mul is the union-based
 * algorithm, `r1 <<= 32` keeps bounds from negative 32-bit bounds too, and a
 * comparison of a register with itself is refined like any other.
 *
 * Knows nothing of pointers, ids or register liveness: those are the state
 * machine's (src/verifier), which calls in here for the numbers.
 */
import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
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
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_X,
  BPF_XOR,
} from '../isa/opcodes.js';
import {
  TNUM_UNKNOWN,
  tnumAdd,
  tnumAnd,
  tnumArshift,
  tnumBswap,
  tnumCast,
  tnumConst,
  tnumConstSubreg,
  tnumEquals,
  tnumIn,
  tnumIntersect,
  tnumIntersectRange,
  tnumIsConst,
  tnumIsUnknown,
  tnumLshift,
  tnumMul,
  tnumNeg,
  tnumOr,
  tnumOverlap,
  tnumRange,
  tnumRshift,
  tnumStr,
  tnumSub,
  tnumSubreg,
  tnumSubregIsConst,
  tnumWithSubreg,
  tnumXor,
  type Tnum,
} from './tnum.js';
import {
  type Word,
  S64_MAX,
  S64_MIN,
  U32_MAX_WORD,
  U64_MAX,
  ZERO,
  add,
  addOverflowsS,
  addOverflowsU,
  and,
  andNot,
  eq,
  fromBigInt,
  fromS32,
  fromU32,
  hex,
  isNeg,
  isZero,
  leS,
  leU,
  ltS,
  ltU,
  maxS,
  maxSOf,
  maxU,
  maxUOf,
  minS,
  minSOf,
  minU,
  minUOf,
  not,
  or,
  sar,
  shl,
  shr,
  signExtend,
  sub,
  subOverflowsS,
  subOverflowsU,
  toBigS,
  toBigU,
  truncate,
  word,
  wordLike,
} from './word.js';

const U32_MAX = 0xffffffff;
const S32_MIN = -0x80000000;
const S32_MAX = 0x7fffffff;
const ONE = fromU32(1);
const S32_MIN_WORD = fromS32(S32_MIN);
const S32_MAX_WORD = fromS32(S32_MAX);

/**
 * A scalar register's value: var_off and the eight bounds of struct
 * bpf_reg_state. Mutable, as the kernel's is; the verifier clones it where it
 * copies a state. The 64-bit bounds are Words, read as u64 (umin/umax) or s64
 * (smin/smax) as the kernel declares them; u32min/u32max are numbers in
 * [0, 2^32), s32min/s32max in [-2^31, 2^31).
 */
export class Scalar {
  varOff: Tnum = TNUM_UNKNOWN;
  umin: Word = ZERO;
  umax: Word = U64_MAX;
  smin: Word = S64_MIN;
  smax: Word = S64_MAX;
  u32min = 0;
  u32max = U32_MAX;
  s32min = S32_MIN;
  s32max = S32_MAX;

  /** Nothing known (__mark_reg_unknown). */
  static unknown(): Scalar {
    return new Scalar();
  }

  /** Exactly `v` (__mark_reg_known). */
  static constant(v: Word): Scalar {
    const s = new Scalar();
    s.markKnown(v);
    return s;
  }

  clone(): Scalar {
    const s = new Scalar();
    s.copyFrom(this);
    return s;
  }

  copyFrom(o: Scalar): void {
    this.varOff = o.varOff;
    this.umin = o.umin;
    this.umax = o.umax;
    this.smin = o.smin;
    this.smax = o.smax;
    this.u32min = o.u32min;
    this.u32max = o.u32max;
    this.s32min = o.s32min;
    this.s32max = o.s32max;
  }

  markUnknown(): void {
    this.varOff = TNUM_UNKNOWN;
    this.markUnbounded();
  }

  /** All eight bounds to their widest, var_off kept (__mark_reg_unbounded). */
  markUnbounded(): void {
    mark64Unbounded(this);
    mark32Unbounded(this);
  }

  /** ___mark_reg_known: var_off and every bound say `v`. */
  markKnown(v: Word): void {
    this.varOff = tnumConst(v);
    this.umin = this.umax = this.smin = this.smax = v;
    this.u32min = this.u32max = v.lo >>> 0;
    this.s32min = this.s32max = v.lo;
  }

  isConst(): boolean {
    return tnumIsConst(this.varOff);
  }

  /** The value when isConst(). */
  constValue(): Word {
    return this.varOff.value;
  }

  isConst32(): boolean {
    return tnumSubregIsConst(this.varOff);
  }

  /** The low 32 bits, unsigned, when isConst32(). */
  constValue32(): number {
    return this.varOff.value.lo >>> 0;
  }

  equals(o: Scalar): boolean {
    return (
      tnumEquals(this.varOff, o.varOff) &&
      eq(this.umin, o.umin) &&
      eq(this.umax, o.umax) &&
      eq(this.smin, o.smin) &&
      eq(this.smax, o.smax) &&
      this.u32min === o.u32min &&
      this.u32max === o.u32max &&
      this.s32min === o.s32min &&
      this.s32max === o.s32max
    );
  }
}

function mark64Unbounded(s: Scalar): void {
  s.smin = S64_MIN;
  s.smax = S64_MAX;
  s.umin = ZERO;
  s.umax = U64_MAX;
}

function mark32Unbounded(s: Scalar): void {
  s.s32min = S32_MIN;
  s.s32max = S32_MAX;
  s.u32min = 0;
  s.u32max = U32_MAX;
}

/** __mark_reg32_known: the low half is `v`, the upper half's bits untouched. */
function markKnown32(s: Scalar, v: number): void {
  s.varOff = tnumConstSubreg(s.varOff, v);
  s.s32min = s.s32max = v | 0;
  s.u32min = s.u32max = v >>> 0;
}

// ---------------------------------------------------------------------------
// reg_bounds_sync and its parts

/** __update_reg32_bounds: the low half's bounds tightened by what var_off allows. */
function updateReg32Bounds(s: Scalar): void {
  const v = s.varOff.value.lo >>> 0;
  const m = s.varOff.mask.lo >>> 0;
  s.s32min = Math.max(s.s32min, v | (m & S32_MIN));
  s.s32max = Math.min(s.s32max, (v | (m & S32_MAX)) | 0);
  s.u32min = Math.max(s.u32min, v);
  s.u32max = Math.min(s.u32max, (v | m) >>> 0);
}

/** __update_reg64_bounds. */
function updateReg64Bounds(s: Scalar): void {
  const { value, mask } = s.varOff;
  // value | (mask & S64_MIN), value | (mask & S64_MAX) and value | mask, by halves.
  s.smin = maxSOf(s.smin, value.hi | (mask.hi & S32_MIN), value.lo);
  s.smax = minSOf(s.smax, value.hi | (mask.hi & S32_MAX), value.lo | mask.lo);
  s.umin = maxU(s.umin, value);
  s.umax = minUOf(s.umax, value.hi | mask.hi, value.lo | mask.lo);
}

/** __update_reg_bounds. */
function updateRegBounds(s: Scalar): void {
  updateReg32Bounds(s);
  updateReg64Bounds(s);
}

function tighten32FromUnsigned(s: Scalar, lo: number, hi: number): void {
  s.u32min = Math.max(s.u32min, lo);
  s.u32max = Math.min(s.u32max, hi);
}

function tighten32FromSigned(s: Scalar, lo: number, hi: number): void {
  s.s32min = Math.max(s.s32min, lo);
  s.s32max = Math.min(s.s32max, hi);
}

/**
 * __reg32_deduce_bounds: 32-bit bounds from 64-bit ones where the 64-bit range
 * keeps the upper half fixed (or steps it by one across a sign change of the
 * lower half), then signed from unsigned and back when no sign change.
 */
function reg32DeduceBounds(s: Scalar): void {
  const { umin, umax, smin, smax } = s;
  if (umin.hi === umax.hi) {
    tighten32FromUnsigned(s, umin.lo >>> 0, umax.lo >>> 0);
    if (umin.lo <= umax.lo) tighten32FromSigned(s, umin.lo, umax.lo);
  }
  if (smin.hi === smax.hi) {
    if (smin.lo >>> 0 <= smax.lo >>> 0) tighten32FromUnsigned(s, smin.lo >>> 0, smax.lo >>> 0);
    if (smin.lo <= smax.lo) tighten32FromSigned(s, smin.lo, smax.lo);
  }
  if (((umin.hi + 1) | 0) === umax.hi && umin.lo < 0 && umax.lo >= 0) tighten32FromSigned(s, umin.lo, umax.lo);
  if (((smin.hi + 1) | 0) === smax.hi && smin.lo < 0 && smax.lo >= 0) tighten32FromSigned(s, smin.lo, smax.lo);
  if ((s.u32min | 0) <= (s.u32max | 0)) tighten32FromSigned(s, s.u32min | 0, s.u32max | 0);
  if (s.s32min >>> 0 <= s.s32max >>> 0) tighten32FromUnsigned(s, s.s32min >>> 0, s.s32max >>> 0);
}

/**
 * __reg64_deduce_bounds: signed from unsigned and back when the range does not
 * cross the sign boundary; when the signed range does, the unsigned range may
 * still meet only one of its two ends.
 */
function reg64DeduceBounds(s: Scalar): void {
  if (leS(s.umin, s.umax)) {
    s.smin = maxS(s.smin, s.umin);
    s.smax = minS(s.smax, s.umax);
  }
  if (leU(s.smin, s.smax)) {
    s.umin = maxU(s.smin, s.umin);
    s.umax = minU(s.smax, s.umax);
  } else if (ltU(s.umax, s.smin)) {
    s.smin = s.umin;
    s.umax = minU(s.umax, s.smax);
  } else if (ltU(s.smax, s.umin)) {
    s.smax = s.umax;
    s.umin = maxU(s.umin, s.smin);
  }
}

/**
 * __reg_deduce_mixed_bounds: 64-bit bounds from the 32-bit ones, and the case
 * of a sign-extended non-negative 32-bit value.
 */
function regDeduceMixedBounds(s: Scalar): void {
  // (x & HIGH32) | u32: x's upper half over the 32-bit bound.
  s.umin = maxUOf(s.umin, s.umin.hi, s.u32min);
  s.umax = minUOf(s.umax, s.umax.hi, s.u32max);
  s.smin = maxSOf(s.smin, s.smin.hi, s.u32min);
  s.smax = minSOf(s.smax, s.smax.hi, s.u32max);
  if (s.s32min >= 0 && leS(S32_MIN_WORD, s.smin) && leS(s.smax, S32_MAX_WORD)) {
    // (s64)s32min and (s64)s32max, kept as the Words they usually already are.
    s.smin = s.umin = wordLike(s.umin, s.s32min >> 31, s.s32min);
    s.smax = s.umax = wordLike(s.umax, s.s32max >> 31, s.s32max);
    s.varOff = tnumIntersectRange(s.varOff, s.umin.hi, s.umin.lo, s.umax.hi, s.umax.lo);
  }
}

/** __reg_deduce_bounds. */
function regDeduceBounds(s: Scalar): void {
  reg32DeduceBounds(s);
  reg64DeduceBounds(s);
  regDeduceMixedBounds(s);
}

/**
 * __reg_bound_offset: var_off narrowed by the unsigned ranges. The kernel's
 * tnum_or(tnum_clear_subreg(var64), var32) is tnumWithSubreg, var32 having
 * no upper half.
 */
function regBoundOffset(s: Scalar): void {
  const var64 = tnumIntersectRange(s.varOff, s.umin.hi, s.umin.lo, s.umax.hi, s.umax.lo);
  const var32 = tnumIntersectRange(tnumSubreg(var64), 0, s.u32min, 0, s.u32max);
  s.varOff = tnumWithSubreg(var64, var32);
}

/**
 * Whether reg_bounds_sync would change nothing: a constant whose bounds all
 * say it, or nothing known at all. These are most registers, and skipping
 * them keeps verification fast; anything else, a contradiction included,
 * goes through the kernel's steps.
 */
function syncIsNoop(s: Scalar): boolean {
  const { value, mask } = s.varOff;
  if (isZero(mask)) {
    const lo = value.lo;
    return (
      eq(s.umin, value) && eq(s.umax, value) && eq(s.smin, value) && eq(s.smax, value) &&
      s.u32min === lo >>> 0 && s.u32max === lo >>> 0 && s.s32min === lo && s.s32max === lo
    );
  }
  return (
    eq(mask, U64_MAX) && isZero(s.umin) && eq(s.umax, U64_MAX) && eq(s.smin, S64_MIN) && eq(s.smax, S64_MAX) &&
    s.u32min === 0 && s.u32max === U32_MAX && s.s32min === S32_MIN && s.s32max === S32_MAX
  );
}

/**
 * reg_bounds_sync: every bound and var_off tightened by the others. Three
 * rounds of deduction, as the kernel has since the sign-boundary refinement.
 */
export function regBoundsSync(s: Scalar): void {
  if (syncIsNoop(s)) return;
  updateRegBounds(s);
  regDeduceBounds(s);
  regDeduceBounds(s);
  regDeduceBounds(s);
  regBoundOffset(s);
  updateRegBounds(s);
}

/**
 * reg_bounds_sanity_check: the kernel's reason when the bounds contradict
 * each other or var_off, undefined when they are consistent. The kernel then
 * logs boundsViolationText and, outside its self-tests, marks the register
 * unbounded (Scalar.markUnbounded) and goes on.
 */
export function boundsSane(s: Scalar): string | undefined {
  if (ltU(s.umax, s.umin) || ltS(s.smax, s.smin) || s.u32min > s.u32max || s.s32min > s.s32max) {
    return 'range bounds violation';
  }
  if (tnumIsConst(s.varOff)) {
    const u = s.varOff.value;
    if (!eq(s.umin, u) || !eq(s.umax, u) || !eq(s.smin, u) || !eq(s.smax, u)) {
      return 'const tnum out of sync with range bounds';
    }
  }
  if (tnumSubregIsConst(s.varOff)) {
    const u = s.varOff.value.lo >>> 0;
    if (s.u32min !== u || s.u32max !== u || s.s32min !== (u | 0) || s.s32max !== (u | 0)) {
      return 'const subreg tnum out of sync with range bounds';
    }
  }
  return undefined;
}

const hex64 = (x: Word): string => `0x${hex(x)}`;
const hex32 = (x: number): string => `0x${(x >>> 0).toString(16)}`;

/**
 * The line reg_bounds_sanity_check logs after "verifier bug: ", with `ctx`
 * naming the check ("alu", "true_reg1", ...).
 */
export function boundsViolationText(s: Scalar, ctx: string, reason: string): string {
  return (
    `REG INVARIANTS VIOLATION (${ctx}): ${reason} u64=[${hex64(s.umin)}, ${hex64(s.umax)}] ` +
    `s64=[${hex64(s.smin)}, ${hex64(s.smax)}] u32=[${hex32(s.u32min)}, ${hex32(s.u32max)}] ` +
    `s32=[${hex32(s.s32min)}, ${hex32(s.s32max)}] var_off=(${hex64(s.varOff.value)}, ${hex64(s.varOff.mask)})`
  );
}

// ---------------------------------------------------------------------------
// ALU: adjust_scalar_min_max_vals

/** __reg_assign_32_into_64: 64-bit bounds from the 32-bit ones after zero extension. */
function assign32Into64(s: Scalar): void {
  s.umin = fromU32(s.u32min);
  s.umax = fromU32(s.u32max);
  if (s.s32min >= 0 && s.s32max >= 0) {
    s.smin = fromS32(s.s32min);
    s.smax = fromS32(s.s32max);
  } else {
    s.smin = ZERO;
    s.smax = U32_MAX_WORD;
  }
}

/** zext_32_to_64: what a 32-bit instruction leaves in the 64-bit register. */
function zext32To64(s: Scalar): void {
  s.varOff = tnumSubreg(s.varOff);
  assign32Into64(s);
}

const fitsS32 = (x: number): boolean => x >= S32_MIN && x <= S32_MAX;

/** scalar32_min_max_add: unsigned bounds stay when no sum or every sum wraps. */
function add32(d: Scalar, s: Scalar): void {
  const smin = d.s32min + s.s32min;
  const smax = d.s32max + s.s32max;
  if (fitsS32(smin) && fitsS32(smax)) {
    d.s32min = smin;
    d.s32max = smax;
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
  const umin = d.u32min + s.u32min;
  const umax = d.u32max + s.u32max;
  if (umin <= U32_MAX && umax > U32_MAX) {
    d.u32min = 0;
    d.u32max = U32_MAX;
  } else {
    d.u32min = umin >>> 0;
    d.u32max = umax >>> 0;
  }
}

/** scalar_min_max_add. */
function add64(d: Scalar, s: Scalar): void {
  if (!addOverflowsS(d.smin, s.smin) && !addOverflowsS(d.smax, s.smax)) {
    d.smin = add(d.smin, s.smin);
    d.smax = add(d.smax, s.smax);
  } else {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  }
  if (!addOverflowsU(d.umin, s.umin) && addOverflowsU(d.umax, s.umax)) {
    d.umin = ZERO;
    d.umax = U64_MAX;
  } else {
    d.umin = add(d.umin, s.umin);
    d.umax = add(d.umax, s.umax);
  }
}

/** scalar32_min_max_sub: unsigned bounds stay when no difference or every difference wraps. */
function sub32(d: Scalar, s: Scalar): void {
  const smin = d.s32min - s.s32max;
  const smax = d.s32max - s.s32min;
  if (fitsS32(smin) && fitsS32(smax)) {
    d.s32min = smin;
    d.s32max = smax;
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
  const umin = d.u32min - s.u32max;
  const umax = d.u32max - s.u32min;
  if (umin < 0 && umax >= 0) {
    d.u32min = 0;
    d.u32max = U32_MAX;
  } else {
    d.u32min = umin >>> 0;
    d.u32max = umax >>> 0;
  }
}

/** scalar_min_max_sub. */
function sub64(d: Scalar, s: Scalar): void {
  if (!subOverflowsS(d.smin, s.smax) && !subOverflowsS(d.smax, s.smin)) {
    const smin = sub(d.smin, s.smax);
    d.smax = sub(d.smax, s.smin);
    d.smin = smin;
  } else {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  }
  if (subOverflowsU(d.umin, s.umax) && !subOverflowsU(d.umax, s.umin)) {
    d.umin = ZERO;
    d.umax = U64_MAX;
  } else {
    const umin = sub(d.umin, s.umax);
    d.umax = sub(d.umax, s.umin);
    d.umin = umin;
  }
}

/** scalar32_min_max_mul: products of the bounds, nothing when one may overflow. */
function mul32(d: Scalar, s: Scalar): void {
  const umax = d.u32max * s.u32max;
  const umin = d.u32min * s.u32min;
  if (umax > U32_MAX || umin > U32_MAX) {
    d.u32min = 0;
    d.u32max = U32_MAX;
  } else {
    d.u32min = umin;
    d.u32max = umax;
  }
  const p = [d.s32min * s.s32min, d.s32min * s.s32max, d.s32max * s.s32min, d.s32max * s.s32max];
  if (p.every(fitsS32)) {
    d.s32min = Math.min(...p) | 0;
    d.s32max = Math.max(...p) | 0;
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
}

/** scalar_min_max_mul, in BigInt: products of 64-bit numbers are rare, and need 128 bits to check. */
function mul64(d: Scalar, s: Scalar): void {
  const umax = toBigU(d.umax) * toBigU(s.umax);
  const umin = toBigU(d.umin) * toBigU(s.umin);
  if (umax !== BigInt.asUintN(64, umax) || umin !== BigInt.asUintN(64, umin)) {
    d.umin = ZERO;
    d.umax = U64_MAX;
  } else {
    d.umin = fromBigInt(umin);
    d.umax = fromBigInt(umax);
  }
  const [dmin, dmax, smin, smax] = [toBigS(d.smin), toBigS(d.smax), toBigS(s.smin), toBigS(s.smax)];
  const p = [dmin * smin, dmin * smax, dmax * smin, dmax * smax];
  if (p.every((x) => x === BigInt.asIntN(64, x))) {
    d.smin = fromBigInt(p.reduce((a, b) => (a < b ? a : b)));
    d.smax = fromBigInt(p.reduce((a, b) => (a > b ? a : b)));
  } else {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  }
}

/** Signed 32-bit bounds from unsigned ones when they do not cross the sign boundary, as AND/OR/XOR set them. */
function signed32FromUnsigned(d: Scalar): void {
  if ((d.u32min | 0) <= (d.u32max | 0)) {
    d.s32min = d.u32min | 0;
    d.s32max = d.u32max | 0;
  } else {
    d.s32min = S32_MIN;
    d.s32max = S32_MAX;
  }
}

function signed64FromUnsigned(d: Scalar): void {
  if (leS(d.umin, d.umax)) {
    d.smin = d.umin;
    d.smax = d.umax;
  } else {
    d.smin = S64_MIN;
    d.smax = S64_MAX;
  }
}

/**
 * The 32-bit and 64-bit halves of AND, OR and XOR (scalar{32,}_min_max_{and,or,xor}),
 * run after var_off already holds the result. A result known in both operands
 * becomes a constant; otherwise the unsigned bounds come from var_off and the
 * operands, and the signed ones from the unsigned.
 */
function bitwise32(d: Scalar, s: Scalar, op: number): void {
  const var32 = tnumSubreg(d.varOff);
  if (tnumSubregIsConst(s.varOff) && tnumSubregIsConst(d.varOff)) {
    markKnown32(d, var32.value.lo);
    return;
  }
  const lo = var32.value.lo >>> 0;
  const hi = (var32.value.lo | var32.mask.lo) >>> 0;
  if (op === BPF_AND) {
    d.u32min = lo;
    d.u32max = Math.min(d.u32max, s.u32max);
  } else if (op === BPF_OR) {
    d.u32min = Math.max(d.u32min, s.u32min);
    d.u32max = hi;
  } else {
    d.u32min = lo;
    d.u32max = hi;
  }
  signed32FromUnsigned(d);
}

function bitwise64(d: Scalar, s: Scalar, op: number): void {
  if (tnumIsConst(s.varOff) && tnumIsConst(d.varOff)) {
    d.markKnown(d.varOff.value);
    return;
  }
  const { value, mask } = d.varOff;
  if (op === BPF_AND) {
    d.umin = value;
    d.umax = minU(d.umax, s.umax);
  } else if (op === BPF_OR) {
    d.umin = maxU(d.umin, s.umin);
    d.umax = or(value, mask);
  } else {
    d.umin = value;
    d.umax = or(value, mask);
  }
  signed64FromUnsigned(d);
  updateRegBounds(d);
}

/** __scalar32_min_max_lsh: 32-bit bounds shifted unless the top bit could be shifted out. */
function lsh32Bounds(d: Scalar, uminVal: number, umaxVal: number): void {
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  if (umaxVal > 31 || d.u32max > 2 ** (31 - umaxVal)) {
    d.u32min = 0;
    d.u32max = U32_MAX;
  } else {
    d.u32min = (d.u32min << uminVal) >>> 0;
    d.u32max = (d.u32max << umaxVal) >>> 0;
  }
}

/** scalar32_min_max_lsh. */
function lsh32(d: Scalar, s: Scalar): void {
  const subreg = tnumSubreg(d.varOff);
  lsh32Bounds(d, s.u32min, s.u32max);
  d.varOff = tnumSubreg(tnumLshift(subreg, s.u32min));
  mark64Unbounded(d);
  updateReg32Bounds(d);
}

/**
 * scalar_min_max_lsh. `<< 32` keeps the signed bounds, shifted, since it is
 * how compilers sign-extend (`<<32 s>>32`); the 64-bit part reads the 32-bit
 * bounds before they are shifted.
 */
function lsh64(d: Scalar, s: Scalar): void {
  // Both below 64 (isSafeToCompute).
  const uminVal = s.umin.lo;
  const umaxVal = s.umax.lo;
  if (uminVal === 32 && umaxVal === 32) {
    d.smax = word(d.s32max, 0);
    d.smin = word(d.s32min, 0);
  } else {
    d.smax = S64_MAX;
    d.smin = S64_MIN;
  }
  if (ltU(shl(ONE, 63 - umaxVal), d.umax)) {
    d.umin = ZERO;
    d.umax = U64_MAX;
  } else {
    d.umin = shl(d.umin, uminVal);
    d.umax = shl(d.umax, umaxVal);
  }
  lsh32Bounds(d, uminVal, umaxVal);
  d.varOff = tnumLshift(d.varOff, uminVal);
  updateRegBounds(d);
}

/** scalar32_min_max_rsh: a logical shift, so the signed bounds are rebuilt from the rest. */
function rsh32(d: Scalar, s: Scalar): void {
  const subreg = tnumSubreg(d.varOff);
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  d.varOff = tnumRshift(subreg, s.u32min);
  d.u32min = d.u32min >>> s.u32max;
  d.u32max = d.u32max >>> s.u32min;
  mark64Unbounded(d);
  updateReg32Bounds(d);
}

/** scalar_min_max_rsh. */
function rsh64(d: Scalar, s: Scalar): void {
  d.smin = S64_MIN;
  d.smax = S64_MAX;
  d.varOff = tnumRshift(d.varOff, s.umin.lo);
  d.umin = shr(d.umin, s.umax.lo);
  d.umax = shr(d.umax, s.umin.lo);
  mark32Unbounded(d);
  updateRegBounds(d);
}

/** scalar32_min_max_arsh: the shift amount is a known constant here. */
function arsh32(d: Scalar, s: Scalar): void {
  const k = s.u32min;
  d.s32min >>= k;
  d.s32max >>= k;
  d.varOff = tnumArshift(tnumSubreg(d.varOff), k, 32);
  d.u32min = 0;
  d.u32max = U32_MAX;
  mark64Unbounded(d);
  updateReg32Bounds(d);
}

/** scalar_min_max_arsh. */
function arsh64(d: Scalar, s: Scalar): void {
  const k = s.umin.lo;
  d.smin = sar(d.smin, k);
  d.smax = sar(d.smax, k);
  d.varOff = tnumArshift(d.varOff, k, 64);
  d.umin = ZERO;
  d.umax = U64_MAX;
  mark32Unbounded(d);
  updateRegBounds(d);
}

/**
 * is_safe_to_compute_dst_reg_range: which operations have bounds at all.
 * Shifts only by a constant below the width; BPF_DIV and BPF_MOD never.
 */
function isSafeToCompute(op: number, src: Scalar, is64: boolean): boolean {
  switch (op) {
    case BPF_ADD:
    case BPF_SUB:
    case BPF_NEG:
    case BPF_AND:
    case BPF_XOR:
    case BPF_OR:
    case BPF_MUL:
      return true;
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH: {
      const srcIsConst = is64
        ? tnumIsConst(src.varOff) && eq(src.smin, src.smax) && eq(src.umin, src.umax)
        : tnumSubregIsConst(src.varOff) && src.s32min === src.s32max && src.u32min === src.u32max;
      return srcIsConst && ltU(src.umax, fromU32(is64 ? 64 : 32));
    }
    default:
      return false;
  }
}

/**
 * `dst op= src` on two scalars (adjust_scalar_min_max_vals, and the scalar
 * cases of BPF_MOV in check_alu_op). `op` is a BPF_OP code; for BPF_NEG `src`
 * is ignored. A 32-bit operation zero-extends its result, as the kernel's
 * zext_32_to_64 does. An operation the kernel cannot bound (division, modulo,
 * a shift by a non-constant or by the width or more) leaves dst unknown in all
 * 64 bits, without zero extension, as the kernel does. The caller handles ids
 * and the pointer cases, and for a BPF_K operand passes Scalar.constant of the
 * sign-extended immediate.
 */
export function scalarAlu(dst: Scalar, src: Scalar, op: number, is64: boolean): void {
  // The kernel passes src by value, so `r1 += r1` reads the old r1.
  const s = src === dst ? src.clone() : src;
  if (op === BPF_MOV) {
    dst.copyFrom(s);
    if (!is64) {
      zext32To64(dst);
      regBoundsSync(dst);
    }
    return;
  }
  if (!isSafeToCompute(op, s, is64)) {
    dst.markUnknown();
    return;
  }
  switch (op) {
    case BPF_ADD:
      add32(dst, s);
      add64(dst, s);
      dst.varOff = tnumAdd(dst.varOff, s.varOff);
      break;
    case BPF_SUB:
      sub32(dst, s);
      sub64(dst, s);
      dst.varOff = tnumSub(dst.varOff, s.varOff);
      break;
    case BPF_NEG: {
      const old = dst.clone();
      dst.markKnown(ZERO);
      sub32(dst, old);
      sub64(dst, old);
      dst.varOff = tnumNeg(old.varOff);
      break;
    }
    case BPF_MUL:
      dst.varOff = tnumMul(dst.varOff, s.varOff);
      mul32(dst, s);
      mul64(dst, s);
      break;
    case BPF_AND:
    case BPF_OR:
    case BPF_XOR: {
      const f = op === BPF_AND ? tnumAnd : op === BPF_OR ? tnumOr : tnumXor;
      dst.varOff = f(dst.varOff, s.varOff);
      bitwise32(dst, s, op);
      bitwise64(dst, s, op);
      break;
    }
    case BPF_LSH:
      if (is64) lsh64(dst, s);
      else lsh32(dst, s);
      break;
    case BPF_RSH:
      if (is64) rsh64(dst, s);
      else rsh32(dst, s);
      break;
    case BPF_ARSH:
      if (is64) arsh64(dst, s);
      else arsh32(dst, s);
      break;
  }
  if (!is64) zext32To64(dst);
  regBoundsSync(dst);
}

/**
 * maybe_fork_scalars: before `dst &= K` or `dst |= K` (K a 64-bit constant,
 * is64 or not), a dst known to be -1 or 0 (a mask from `s>> 63`) is split in
 * two. dst becomes -1 (in the low 32 bits when only they were known to be -1
 * or 0) and the function returns the 0 case; the caller pushes a branch that
 * re-executes the same instruction with that value, as the kernel does
 * ("from 4 to 4" in its log). Returns undefined when there is nothing to split.
 */
export function maybeForkScalars(dst: Scalar, src: Scalar, op: number): Scalar | undefined {
  if ((op !== BPF_AND && op !== BPF_OR) || !tnumIsConst(src.varOff)) return undefined;
  const zero = dst.clone();
  if (eq(dst.smin, U64_MAX) && isZero(dst.smax)) {
    zero.markKnown(ZERO);
    dst.markKnown(U64_MAX);
  } else if (dst.s32min === -1 && dst.s32max === 0) {
    markKnown32(zero, 0);
    markKnown32(dst, U32_MAX);
  } else {
    return undefined;
  }
  return zero;
}

// ---------------------------------------------------------------------------
// Width changes: loads, sign extension, byte swaps

/**
 * coerce_reg_to_size: a load of 1, 2 or 4 bytes, which zero-extends. Bounds
 * survive when the upper bits are the same at both ends.
 */
export function coerceToSize(s: Scalar, sizeBytes: number): void {
  s.varOff = tnumCast(s.varOff, sizeBytes);
  const mask = truncate(U64_MAX, sizeBytes * 8);
  if (eq(andNot(s.umin, mask), andNot(s.umax, mask))) {
    s.umin = and(s.umin, mask);
    s.umax = and(s.umax, mask);
  } else {
    s.umin = ZERO;
    s.umax = mask;
  }
  s.smin = s.umin;
  s.smax = s.umax;
  if (sizeBytes < 4) mark32Unbounded(s);
  regBoundsSync(s);
}

/**
 * coerce_reg_to_size_sx: sign extension of the low 1, 2 or 4 bytes to 64 bits
 * (sign-extending loads, and 64-bit MOVSX). Bounds survive when the bits above
 * the size agree at both signed ends and the extended ends share a sign;
 * otherwise the result is the size's signed range. No reg_bounds_sync after,
 * as in the kernel, so the log shows these bounds as they are set here.
 */
export function coerceToSizeSx(s: Scalar, sizeBytes: number): void {
  const bits = sizeBytes * 8;
  if (tnumIsConst(s.varOff)) {
    s.markKnown(signExtend(s.varOff.value, bits));
    return;
  }
  if (eq(shr(s.smax, bits), shr(s.smin, bits))) {
    const a = signExtend(s.smax, bits);
    const b = signExtend(s.smin, bits);
    const hi = maxS(a, b);
    const lo = minS(a, b);
    if (isNeg(hi) === isNeg(lo)) {
      s.smin = s.umin = lo;
      s.smax = s.umax = hi;
      s.s32min = lo.lo;
      s.s32max = hi.lo;
      s.u32min = lo.lo >>> 0;
      s.u32max = hi.lo >>> 0;
      s.varOff = tnumRange(lo, hi);
      return;
    }
  }
  const half = shl(ONE, bits - 1);
  s.smin = sub(ZERO, half);
  s.smax = sub(half, ONE);
  s.s32min = -(2 ** (bits - 1));
  s.s32max = 2 ** (bits - 1) - 1;
  s.umin = ZERO;
  s.umax = U64_MAX;
  s.u32min = 0;
  s.u32max = U32_MAX;
  s.varOff = TNUM_UNKNOWN;
}

/** coerce_subreg_to_size_sx: sign extension of the low 1 or 2 bytes to 32 bits, the upper half left for zext. */
function coerceSubregToSizeSx(s: Scalar, sizeBytes: number): void {
  const bits = sizeBytes * 8;
  if (tnumIsConst(s.varOff)) {
    s.varOff = tnumConst(signExtend(s.varOff.value, bits));
    const v = s.varOff.value.lo >>> 0;
    s.s32min = s.s32max = v | 0;
    s.u32min = s.u32max = v;
    return;
  }
  const top = (x: number): number => (x >>> bits) << bits;
  if (top(s.s32max >>> 0) === top(s.s32min >>> 0)) {
    const a = (s.s32max << (32 - bits)) >> (32 - bits);
    const b = (s.s32min << (32 - bits)) >> (32 - bits);
    const hi = Math.max(a, b);
    const lo = Math.min(a, b);
    if (hi >= 0 === lo >= 0) {
      s.s32min = lo;
      s.s32max = hi;
      s.u32min = lo >>> 0;
      s.u32max = hi >>> 0;
      s.varOff = tnumSubreg(tnumRange(fromS32(lo), fromS32(hi)));
      return;
    }
  }
  const half = 2 ** (bits - 1);
  s.s32min = -half;
  s.s32max = half - 1;
  s.u32min = 0;
  s.u32max = U32_MAX;
  s.varOff = tnumSubreg(TNUM_UNKNOWN);
}

/**
 * MOVSX, `dst = (s8, s16, s32) src` (is64) or `w = (s8, s16) w` (not is64), as
 * check_alu_op does it: dst already holds a copy of the source scalar.
 */
export function scalarMovSx(dst: Scalar, fromBits: 8 | 16 | 32, is64: boolean): void {
  if (is64) {
    coerceToSizeSx(dst, fromBits / 8);
    return;
  }
  coerceSubregToSizeSx(dst, fromBits / 8);
  zext32To64(dst);
  regBoundsSync(dst);
}

/**
 * BPF_END (scalar_byte_swap, then reg_bounds_sync; no zero extension): a
 * byte swap moves var_off's bits and resets the bounds, which are then
 * rebuilt from var_off; 16- and 32-bit forms truncate. This little-endian
 * machine swaps for `be` (toLe false) and for the ALU64 `bswap` (is64); `le`
 * only truncates.
 */
export function scalarEndian(dst: Scalar, toLe: boolean, bits: 16 | 32 | 64, is64: boolean): void {
  if (is64 || !toLe) {
    dst.varOff = tnumBswap(dst.varOff, bits);
    dst.markUnbounded();
  }
  if (bits !== 64) coerceToSize(dst, bits / 8);
  regBoundsSync(dst);
}

// ---------------------------------------------------------------------------
// Branches: is_branch_taken, regs_refine_cond_op

const isConstW = (s: Scalar, is32: boolean): boolean => (is32 ? s.isConst32() : s.isConst());
const constW = (s: Scalar, is32: boolean): Word => (is32 ? fromU32(s.constValue32()) : s.constValue());

/** The width-selected view of a scalar that is_scalar_branch_taken compares. */
function view(s: Scalar, is32: boolean) {
  return is32
    ? { t: tnumSubreg(s.varOff), umin: fromU32(s.u32min), umax: fromU32(s.u32max), smin: fromS32(s.s32min), smax: fromS32(s.s32max) }
    : { t: s.varOff, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax };
}

/** For JEQ/JNE on 64 bits, whether the 32-bit bounds alone show the values differ. */
function disjoint32(a: Scalar, b: Scalar): boolean {
  return a.u32min > b.u32max || a.u32max < b.u32min || a.s32min > b.s32max || a.s32max < b.s32min;
}

/**
 * is_scalar_branch_taken: whether `a op b` (op a BPF_OP jump code, is32 for
 * JMP32) holds for every value (1), for none (0), or is unknown (-1). Like the
 * kernel here, `if r1 > r1` is not special: pass the same object for both.
 */
export function isBranchTaken(a: Scalar, b: Scalar, op: number, is32: boolean): 1 | 0 | -1 {
  const x = view(a, is32);
  const y = view(b, is32);
  switch (op) {
    case BPF_JEQ:
    case BPF_JNE: {
      const equal = op === BPF_JEQ ? 1 : 0;
      const ne = op === BPF_JEQ ? 0 : 1;
      if (tnumIsConst(x.t) && tnumIsConst(y.t)) return eq(x.t.value, y.t.value) ? equal : ne;
      if (!tnumOverlap(x.t, y.t)) return ne;
      if (ltU(y.umax, x.umin) || ltU(x.umax, y.umin)) return ne;
      if (ltS(y.smax, x.smin) || ltS(x.smax, y.smin)) return ne;
      if (!is32 && disjoint32(a, b)) return ne;
      return -1;
    }
    case BPF_JSET: {
      let [p, q] = [x, y];
      if (!isConstW(b, is32)) {
        if (!isConstW(a, is32)) return -1;
        [p, q] = [y, x];
      }
      if (!isZero(andNot(and(p.t.value, q.t.value), p.t.mask))) return 1;
      if (isZero(and(or(p.t.mask, p.t.value), q.t.value))) return 0;
      return -1;
    }
    case BPF_JGT:
      return ltU(y.umax, x.umin) ? 1 : leU(x.umax, y.umin) ? 0 : -1;
    case BPF_JSGT:
      return ltS(y.smax, x.smin) ? 1 : leS(x.smax, y.smin) ? 0 : -1;
    case BPF_JLT:
      return ltU(x.umax, y.umin) ? 1 : leU(y.umax, x.umin) ? 0 : -1;
    case BPF_JSLT:
      return ltS(x.smax, y.smin) ? 1 : leS(y.smax, x.smin) ? 0 : -1;
    case BPF_JGE:
      return leU(y.umax, x.umin) ? 1 : ltU(x.umax, y.umin) ? 0 : -1;
    case BPF_JSGE:
      return leS(y.smax, x.smin) ? 1 : ltS(x.smax, y.smin) ? 0 : -1;
    case BPF_JLE:
      return leU(x.umax, y.umin) ? 1 : ltU(y.umax, x.umin) ? 0 : -1;
    case BPF_JSLE:
      return leS(x.smax, y.smin) ? 1 : ltS(y.smax, x.smin) ? 0 : -1;
    default:
      return -1;
  }
}

/** `b op a` for `a op b` (the kernel's flip_opcode): JGT becomes JLT, JEQ stays. */
export function swapOpcode(op: number): number {
  switch (op) {
    case BPF_JGE:
      return BPF_JLE;
    case BPF_JGT:
      return BPF_JLT;
    case BPF_JLE:
      return BPF_JGE;
    case BPF_JLT:
      return BPF_JGT;
    case BPF_JSGE:
      return BPF_JSLE;
    case BPF_JSGT:
      return BPF_JSLT;
    case BPF_JSLE:
      return BPF_JSGE;
    case BPF_JSLT:
      return BPF_JSGT;
    default:
      return op;
  }
}

/**
 * The condition of the fall-through branch (the kernel's rev_opcode): JGT
 * becomes JLE. JSET has no opposite in BPF, so "no bit in common" is
 * BPF_JSET | BPF_X, which only refineCond understands.
 */
export function flipOpcode(op: number): number {
  switch (op) {
    case BPF_JEQ:
      return BPF_JNE;
    case BPF_JNE:
      return BPF_JEQ;
    case BPF_JSET:
      return BPF_JSET | BPF_X;
    case BPF_JSET | BPF_X:
      return BPF_JSET;
    case BPF_JGE:
      return BPF_JLT;
    case BPF_JGT:
      return BPF_JLE;
    case BPF_JLE:
      return BPF_JGT;
    case BPF_JLT:
      return BPF_JGE;
    case BPF_JSGE:
      return BPF_JSLT;
    case BPF_JSGT:
      return BPF_JSLE;
    case BPF_JSLE:
      return BPF_JSGT;
    case BPF_JSLT:
      return BPF_JSGE;
    default:
      return 0;
  }
}

const isPowerOf2 = (v: Word): boolean => !isZero(v) && isZero(and(v, sub(v, ONE)));

/** regs_refine_cond_op for JEQ: both sides get the intersection. */
function refineEq(a: Scalar, b: Scalar, is32: boolean): void {
  if (is32) {
    a.u32min = Math.max(a.u32min, b.u32min);
    a.u32max = Math.min(a.u32max, b.u32max);
    a.s32min = Math.max(a.s32min, b.s32min);
    a.s32max = Math.min(a.s32max, b.s32max);
    b.u32min = a.u32min;
    b.u32max = a.u32max;
    b.s32min = a.s32min;
    b.s32max = a.s32max;
    const t = tnumIntersect(tnumSubreg(a.varOff), tnumSubreg(b.varOff));
    a.varOff = tnumWithSubreg(a.varOff, t);
    b.varOff = tnumWithSubreg(b.varOff, t);
  } else {
    a.umin = maxU(a.umin, b.umin);
    a.umax = minU(a.umax, b.umax);
    a.smin = maxS(a.smin, b.smin);
    a.smax = minS(a.smax, b.smax);
    b.umin = a.umin;
    b.umax = a.umax;
    b.smin = a.smin;
    b.smax = a.smax;
    a.varOff = tnumIntersect(a.varOff, b.varOff);
    b.varOff = a.varOff;
  }
}

/** regs_refine_cond_op for JNE against a constant: a bound equal to it moves by one. */
function refineNe(a: Scalar, val: Word, is32: boolean): void {
  if (is32) {
    const u = val.lo >>> 0;
    const sv = val.lo;
    if (a.u32min === u) a.u32min = (a.u32min + 1) >>> 0;
    if (a.u32max === u) a.u32max = (a.u32max - 1) >>> 0;
    if (a.s32min === sv) a.s32min = (a.s32min + 1) | 0;
    if (a.s32max === sv) a.s32max = (a.s32max - 1) | 0;
  } else {
    if (eq(a.umin, val)) a.umin = add(a.umin, ONE);
    if (eq(a.umax, val)) a.umax = sub(a.umax, ONE);
    if (eq(a.smin, val)) a.smin = add(a.smin, ONE);
    if (eq(a.smax, val)) a.smax = sub(a.smax, ONE);
  }
}

/** A tnum change to the width the jump compares. */
function withWidth(s: Scalar, is32: boolean, f: (t: Tnum) => Tnum): void {
  s.varOff = is32 ? tnumWithSubreg(s.varOff, f(tnumSubreg(s.varOff))) : f(s.varOff);
}

/**
 * regs_refine_cond_op: narrows a and b in place for the branch where `a op b`
 * holds, then reg_bounds_sync on both, as reg_set_min_max does for each
 * branch. For the fall-through branch pass flipOpcode(op). Both must be
 * scalars; a and b may be the same object (`if r1 > r1`), which the kernel
 * refines like two registers.
 */
export function refineCond(a: Scalar, b: Scalar, op: number, is32: boolean): void {
  regsRefineCondOp(a, b, op, is32);
  regBoundsSync(a);
  regBoundsSync(b);
}

function regsRefineCondOp(a: Scalar, b: Scalar, op: number, is32: boolean): void {
  let r1 = a;
  let r2 = b;
  let opcode = op;
  if (opcode === BPF_JGE || opcode === BPF_JGT || opcode === BPF_JSGE || opcode === BPF_JSGT) {
    opcode = swapOpcode(opcode);
    [r1, r2] = [r2, r1];
  }
  switch (opcode) {
    case BPF_JEQ:
      refineEq(r1, r2, is32);
      return;
    case BPF_JNE:
    case BPF_JSET:
    case BPF_JSET | BPF_X: {
      if (!isConstW(r2, is32)) [r1, r2] = [r2, r1];
      if (!isConstW(r2, is32)) return;
      const val = constW(r2, is32);
      if (opcode === BPF_JNE) {
        refineNe(r1, val, is32);
      } else if (opcode === BPF_JSET) {
        // Only a single bit tells which bit is set.
        if (isPowerOf2(val)) withWidth(r1, is32, (t) => tnumOr(t, tnumConst(val)));
      } else {
        // Bounds are dropped first so a dead branch cannot contradict the narrowed tnum.
        r1.markUnbounded();
        withWidth(r1, is32, (t) => tnumAnd(t, tnumConst(not(val))));
      }
      return;
    }
    case BPF_JLE:
    case BPF_JLT: {
      const d = opcode === BPF_JLT ? 1 : 0;
      if (is32) {
        r1.u32max = Math.min(r1.u32max, (r2.u32max - d) >>> 0);
        r2.u32min = Math.max((r1.u32min + d) >>> 0, r2.u32min);
      } else {
        r1.umax = minU(r1.umax, sub(r2.umax, fromU32(d)));
        r2.umin = maxU(add(r1.umin, fromU32(d)), r2.umin);
      }
      return;
    }
    case BPF_JSLE:
    case BPF_JSLT: {
      const d = opcode === BPF_JSLT ? 1 : 0;
      if (is32) {
        r1.s32max = Math.min(r1.s32max, (r2.s32max - d) | 0);
        r2.s32min = Math.max((r1.s32min + d) | 0, r2.s32min);
      } else {
        r1.smax = minS(r1.smax, sub(r2.smax, fromU32(d)));
        r2.smin = maxS(add(r1.smin, fromU32(d)), r2.smin);
      }
      return;
    }
  }
}

// ---------------------------------------------------------------------------
// State pruning

/** range_within: every bound of cur inside old's. */
export function rangeWithin(old: Scalar, cur: Scalar): boolean {
  return (
    leU(old.umin, cur.umin) &&
    leU(cur.umax, old.umax) &&
    leS(old.smin, cur.smin) &&
    leS(cur.smax, old.smax) &&
    old.u32min <= cur.u32min &&
    old.u32max >= cur.u32max &&
    old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max
  );
}

/** Whether every value cur allows, old allows too: regsafe's test for a precise scalar. */
export function scalarIn(old: Scalar, cur: Scalar): boolean {
  return rangeWithin(old, cur) && tnumIn(old.varOff, cur.varOff);
}

// ---------------------------------------------------------------------------
// The log

/** A signed number as verbose_snum prints it: decimal within [-32768, 32767], else the 64-bit pattern in hex. */
export function verboseSnum(v: Word): string {
  const small = v.hi === 0 ? v.lo >= 0 && v.lo <= 32767 : v.hi === -1 && v.lo < 0 && v.lo >= -32768;
  return small ? `${v.lo}` : `0x${hex(v)}`;
}

/** An unsigned number as verbose_unum prints it: decimal up to 65535, else hex. */
export function verboseUnum(v: Word): string {
  return v.hi === 0 && v.lo >>> 0 <= 65535 ? `${v.lo >>> 0}` : `0x${hex(v)}`;
}

/**
 * print_scalar_ranges plus var_off, as print_reg_state writes them inside the
 * parentheses of a non-constant register: bounds at their widest are left
 * out, a bound equal to later ones of the same kind (min with mins, max with
 * maxes) is printed once under all their names (`smax=umax=255`), never
 * joining a negative with a non-negative; a 32-bit signed bound that would
 * print in hex is compared as its unsigned 32-bit pattern.
 */
export function scalarRangesStr(s: Scalar): string {
  const s32 = (v: number): Word => (v >= -32768 && v <= 32767 ? fromS32(v) : fromU32(v));
  const items = [
    { name: 'smin', val: s.smin, omit: eq(s.smin, S64_MIN) },
    { name: 'smax', val: s.smax, omit: eq(s.smax, S64_MAX) },
    { name: 'umin', val: s.umin, omit: isZero(s.umin) },
    { name: 'umax', val: s.umax, omit: eq(s.umax, U64_MAX) },
    { name: 'smin32', val: s32(s.s32min), omit: s.s32min === S32_MIN },
    { name: 'smax32', val: s32(s.s32max), omit: s.s32max === S32_MAX },
    { name: 'umin32', val: fromU32(s.u32min), omit: s.u32min === 0 },
    { name: 'umax32', val: fromU32(s.u32max), omit: s.u32max === U32_MAX },
  ];
  const neg = (it: { name: string; val: Word }): boolean => it.name[0] === 's' && isNeg(it.val);
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const m1 = items[i]!;
    if (m1.omit) continue;
    let text = `${m1.name}=`;
    for (let j = i + 2; j < items.length; j += 2) {
      const m2 = items[j]!;
      if (m2.omit || !eq(m2.val, m1.val) || neg(m2) !== neg(m1)) continue;
      m2.omit = true;
      text += `${m2.name}=`;
    }
    out.push(text + (m1.name[0] === 's' ? verboseSnum(m1.val) : verboseUnum(m1.val)));
  }
  if (!tnumIsUnknown(s.varOff)) out.push(`var_off=${tnumStr(s.varOff)}`);
  return out.join(',');
}

/** Optional parts print_reg_state adds to a scalar. */
export interface ScalarStrOpts {
  /** The register's id (linked copies), printed first when non-zero. */
  id?: number;
  /** For an id marked BPF_ADD_CONST, the constant added: `id=2+5`. */
  delta?: number;
  /** Precise (mark_chain_precision): a `P` prefix. */
  precise?: boolean;
}

/**
 * A scalar register as the kernel's print_reg_state writes it after `R1=`:
 * a constant as a number (`0`, `-5`, `0xf4240`), otherwise
 * `scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))`.
 */
export function scalarStr(s: Scalar, opts: ScalarStrOpts = {}): string {
  const p = opts.precise ? 'P' : '';
  if (tnumIsConst(s.varOff)) return p + verboseSnum(s.varOff.value);
  const parts: string[] = [];
  if (opts.id) parts.push(`id=${opts.id}${opts.delta === undefined ? '' : (opts.delta >= 0 ? '+' : '') + opts.delta}`);
  const ranges = scalarRangesStr(s);
  if (ranges) parts.push(ranges);
  return `${p}scalar(${parts.join(',')})`;
}
