import {
  BPF_ADD,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_CLASS,
  BPF_DIV,
  BPF_END,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_NEG,
  BPF_OP,
  BPF_OR,
  BPF_RSH,
  BPF_SRC,
  BPF_SUB,
  BPF_TO_BE,
  BPF_X,
  BPF_XOR,
} from '../isa/opcodes.js';
import { RegState, RegType } from './reg.js';
import { Scalar, regBoundsSync, scalarAlu, scalarEndian, scalarMovSx } from './scalar.js';
import { tnumAdd, tnumIsConst, tnumSub } from './tnum.js';
import { S64_MIN, add, addOverflowsS, addOverflowsU, eq, fls64, fromS32, fromU32, isNeg, isU32, isZero, leU, sub, subOverflowsS, toBigS, toNumberS, ZERO } from './word.js';
import { ALU_OPERATORS } from '../isa/syntax.js';
import type { FuncState } from './state.js';
import { BPF_MAX_VAR_OFF, PRECISE_DST, PRECISE_SRC, type Verifier } from './verifier.js';
import { readReg, writeReg } from './regs.js';


/** The kernel's bpf_alu_string: how its messages name each operation. */
const ALU_NAMES: ReadonlyMap<number, string> = new Map([...ALU_OPERATORS, [BPF_NEG, 'neg'], [BPF_MOV, '='], [BPF_END, 'endian']]);

/**
 * An ALU or ALU64 instruction (check_alu_op): operands initialised, the
 * frame pointer never written, division by a zero constant and shifts past
 * the width refused, then the result's type and bounds: scalar arithmetic
 * in the scalar domain, pointer arithmetic as adjust_ptr_min_max_vals allows
 * it to a privileged program.
 */
export function checkAlu(v: Verifier, f: FuncState, i: number): void {
  const insns = v.insns;
  const code = insns.code[i]!;
  const op = BPF_OP(code);
  const is64 = BPF_CLASS(code) === BPF_ALU64;
  const dstno = insns.dst[i]!;
  const srcno = insns.src[i]!;
  const imm = insns.imm[i]!;
  const off = insns.off[i]!;
  const dst = f.regs[dstno]!;

  if (op === BPF_END || op === BPF_NEG) {
    readReg(v, f, dstno);
    writeReg(v, dstno);
    if (dst.type !== RegType.SCALAR_VALUE) {
      dst.markUnknown();
      return;
    }
    if (op === BPF_NEG) scalarAlu(dst.value, Scalar.constant(ZERO), BPF_NEG, is64);
    else scalarEndian(dst.value, BPF_SRC(code) !== BPF_TO_BE, imm as 16 | 32 | 64, is64);
    dst.id = 0;
    return;
  }

  if (op === BPF_MOV) {
    if (BPF_SRC(code) === BPF_X) {
      const src = readReg(v, f, srcno);
      writeReg(v, dstno);
      if (is64) {
        if (off === 0) {
          // Copies of one unknown scalar are linked, so a bound learnt on one holds for both.
          if (src.type === RegType.SCALAR_VALUE && src.id === 0 && !src.value.isConst()) src.id = v.newId();
          if (dst !== src) dst.copyFrom(src);
        } else if (src.type === RegType.SCALAR_VALUE) {
          // A value the sign extension leaves as it is stays linked to its source (no_sext).
          const linked = fls64(src.value.umax) < off;
          if (linked && src.id === 0 && !src.value.isConst()) src.id = v.newId();
          const value = src.value.clone();
          scalarMovSx(value, off as 8 | 16 | 32, true);
          const id = src.id;
          dst.markUnknown();
          dst.value = value;
          if (linked) dst.id = id;
        } else {
          dst.markUnknown();
        }
      } else if (src.type !== RegType.SCALAR_VALUE) {
        // A privileged program may copy half a pointer; what it gets is a number.
        dst.markUnknown();
        dst.value = Scalar.unknown();
        scalarAlu(dst.value, Scalar.unknown(), BPF_MOV, false);
      } else {
        // A 32-bit copy of a scalar that fits 32 bits is the same number, and so is a sign
        // extension that extends nothing: the two stay linked.
        const linked = off === 0 ? isU32(src.value.umax) : fls64(src.value.umax) < off;
        if (linked && src.id === 0 && !src.value.isConst()) src.id = v.newId();
        const value = src.value.clone();
        if (off === 0) scalarAlu(value, src.value, BPF_MOV, false);
        else scalarMovSx(value, off as 8 | 16, false);
        const id = src.id;
        dst.markUnknown();
        dst.value = value;
        if (linked) dst.id = id;
      }
      return;
    }
    writeReg(v, dstno);
    dst.markKnown(is64 ? fromS32(imm) : fromU32(imm));
    return;
  }

  if (op > BPF_END) v.fail(`invalid BPF_ALU opcode ${op.toString(16)}`, 'EINVAL');

  let src: RegState;
  if (BPF_SRC(code) === BPF_X) {
    src = readReg(v, f, srcno);
  } else {
    // The immediate, sign-extended to 64 bits or taken as 32 as the instruction reads it.
    src = new RegState();
    src.markKnown(is64 ? fromS32(imm) : fromU32(imm));
    if ((op === BPF_DIV || op === BPF_MOD) && imm === 0) v.fail('div by zero', 'EINVAL');
    if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && (imm < 0 || imm >= (is64 ? 64 : 32))) {
      v.fail(`invalid shift ${imm}`, 'EINVAL');
    }
  }
  readReg(v, f, dstno);
  writeReg(v, dstno);
  adjustRegMinMaxVals(v, dstno, dst, src, op, is64, BPF_SRC(code) === BPF_X ? srcno : -1, off);
}

/** adjust_reg_min_max_vals: who is the pointer, if any, and what the result is. */
function adjustRegMinMaxVals(v: Verifier, dstno: number, dst: RegState, src: RegState, op: number, is64: boolean, srcno: number, off: number): void {
  if (src.type !== RegType.SCALAR_VALUE) {
    if (dst.type !== RegType.SCALAR_VALUE) {
      // Combining two pointers gives a number; a privileged program may subtract them.
      if (op === BPF_SUB) {
        dst.markUnknown();
        return;
      }
      v.fail(`R${dstno} pointer ${ALU_NAMES.get(op)} pointer prohibited`);
    }
    // scalar += pointer: the pointer's new bounds come from the scalar, which must be exact.
    v.needsPrecise(PRECISE_DST);
    adjustPtrMinMaxVals(v, dstno, dst, src, dst, op, is64, true);
    return;
  }
  if (dst.type !== RegType.SCALAR_VALUE) {
    if (srcno >= 0) v.needsPrecise(PRECISE_SRC);
    adjustPtrMinMaxVals(v, dstno, dst, dst, src, op, is64, false);
    return;
  }
  if ((op === BPF_DIV || op === BPF_MOD) && off === 1) {
    // Signed division and modulo: the kernel keeps no bounds through them.
    dst.value = Scalar.unknown();
    if (!is64) scalarAlu(dst.value, Scalar.unknown(), BPF_MOV, false);
  } else {
    scalarAlu(dst.value, src.value, op, is64);
  }
  if (srcno !== dstno || op !== BPF_MOV) dst.id = 0;
}

/**
 * Pointer arithmetic (adjust_ptr_min_max_vals) for a privileged program:
 * only 64-bit add and subtract keep a pointer; a constant folds into the
 * fixed offset, anything else becomes the variable offset, and packet
 * pointers changed by a variable lose their proven range.
 */
function adjustPtrMinMaxVals(
  v: Verifier,
  dstno: number,
  dst: RegState,
  ptr: RegState,
  offReg: RegState,
  op: number,
  is64: boolean,
  scalarPlusPointer: boolean,
): void {
  if (!is64) {
    if (op === BPF_SUB) {
      dst.markUnknown();
      return;
    }
    v.fail(`R${dstno} 32-bit pointer arithmetic prohibited`);
  }
  if (ptr.maybeNull) v.fail(`R${dstno} pointer arithmetic on ${ptr.typeName()} prohibited, null-check it first`);
  const known = offReg.value.isConst();
  const smin = offReg.value.smin;
  // Exact wherever it is used: a known offset that fits in 32 bits once added.
  const delta = toNumberS(smin);
  switch (ptr.type) {
    case RegType.PTR_TO_CTX:
    case RegType.PTR_TO_MAP_VALUE:
    case RegType.PTR_TO_MAP_KEY:
    case RegType.PTR_TO_STACK:
    case RegType.PTR_TO_PACKET_META:
    case RegType.PTR_TO_PACKET:
    case RegType.PTR_TO_BTF_ID:
    case RegType.PTR_TO_MEM:
    case RegType.PTR_TO_FUNC:
    case RegType.CONST_PTR_TO_DYNPTR:
      break;
    default:
      // Adding a known 0 to a map pointer is the one arithmetic allowed on it.
      if (ptr.type === RegType.CONST_PTR_TO_MAP && known && isZero(smin) && op === BPF_ADD) break;
      v.fail(`R${dstno} pointer arithmetic on ${ptr.typeName()} prohibited`);
  }
  const base = ptr.clone();
  checkRegSaneOffset(v, offReg, ptr);
  checkRegSaneOffset(v, ptr, ptr);
  const result = base;
  if (scalarPlusPointer) result.id = ptr.id;

  const fits32 = (n: number): boolean => n === (n | 0);
  if (op === BPF_ADD) {
    if (known && fits32(ptr.off + delta)) {
      result.off = ptr.off + delta;
    } else {
      result.value = addBounds(ptr.value, offReg.value);
      if (ptr.isPacket) {
        result.id = v.newId();
        result.range = 0;
      }
    }
  } else if (op === BPF_SUB) {
    if (scalarPlusPointer) v.fail(`R${dstno} tried to subtract pointer from scalar`);
    if (ptr.type === RegType.PTR_TO_STACK) v.fail(`R${dstno} subtraction from stack pointer prohibited`);
    if (known && fits32(ptr.off - delta)) {
      result.off = ptr.off - delta;
    } else {
      result.value = subBounds(ptr.value, offReg.value);
      if (ptr.isPacket) {
        result.id = v.newId();
        if (isNeg(smin)) result.range = 0;
      }
    }
  } else if (op === BPF_AND || op === BPF_OR || op === BPF_XOR) {
    v.fail(`R${dstno} bitwise operator ${ALU_NAMES.get(op)} on pointer prohibited`);
  } else {
    v.fail(`R${dstno} pointer arithmetic with ${ALU_NAMES.get(op)} operator prohibited`);
  }
  // Moved, a pointer once found at or past data_end is no longer known to be there.
  if (result.isPacket && result.range < 0) result.range = 0;
  checkRegSaneOffset(v, result, ptr);
  regBoundsSync(result.value);
  dst.copyFrom(result);
}

/** check_reg_sane_offset: offsets the kernel refuses to reason about. */
function checkRegSaneOffset(v: Verifier, reg: RegState, ptr: RegState): void {
  const outside = (n: number): boolean => n >= BPF_MAX_VAR_OFF || n <= -BPF_MAX_VAR_OFF;
  const { varOff, smin } = reg.value;
  if (tnumIsConst(varOff) && outside(toNumberS(varOff.value))) {
    v.fail(`math between ${ptr.typeName()} pointer and ${toBigS(varOff.value)} is not allowed`, 'EACCES');
  }
  if (outside(reg.off)) v.fail(`${ptr.typeName()} pointer offset ${reg.off} is not allowed`);
  if (eq(smin, S64_MIN)) v.fail(`math between ${ptr.typeName()} pointer and register with unbounded min value is not allowed`);
  if (outside(toNumberS(smin))) v.fail(`value ${toBigS(smin)} makes ${ptr.typeName()} pointer be out of bounds`);
}

/** The variable part of pointer + scalar: 64-bit bounds added, unbounded on overflow; no 32-bit bounds for pointers. */
function addBounds(a: Scalar, b: Scalar): Scalar {
  const r = Scalar.unknown();
  if (!addOverflowsS(a.smin, b.smin) && !addOverflowsS(a.smax, b.smax)) {
    r.smin = add(a.smin, b.smin);
    r.smax = add(a.smax, b.smax);
  }
  if (!addOverflowsU(a.umin, b.umin) && !addOverflowsU(a.umax, b.umax)) {
    r.umin = add(a.umin, b.umin);
    r.umax = add(a.umax, b.umax);
  }
  r.varOff = tnumAdd(a.varOff, b.varOff);
  return r;
}

function subBounds(a: Scalar, b: Scalar): Scalar {
  const r = Scalar.unknown();
  if (!subOverflowsS(a.smin, b.smax) && !subOverflowsS(a.smax, b.smin)) {
    r.smin = sub(a.smin, b.smax);
    r.smax = sub(a.smax, b.smin);
  }
  if (leU(b.umax, a.umin)) {
    r.umin = sub(a.umin, b.umax);
    r.umax = sub(a.umax, b.umin);
  }
  r.varOff = tnumSub(a.varOff, b.varOff);
  return r;
}

