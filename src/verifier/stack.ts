import { RegState, RegType } from './reg.js';
import { tnumIsConst, tnumStr } from './tnum.js';
import { BPF_REG_SIZE, MAX_BPF_STACK, SlotType, type FuncState, type StackSlot, type VerifierState } from './state.js';
import { BPF_MAX_VAR_OFF, type Verifier } from './verifier.js';
import { ZERO, fls64, fromS32, toNumberS } from './word.js';

/** Bits needed for a scalar's largest value (get_reg_width). */
const regWidth = (reg: RegState): number => fls64(reg.value.umax);

/**
 * check_stack_access_within_bounds: the bytes an access may touch lie in
 * the frame's 512 bytes below the frame pointer. `what` is the kernel's
 * " read from" or " write to", for the program's own accesses and a helper's alike.
 */
export function stackBounds(v: Verifier, st: VerifierState, regno: number, off: number, size: number, what: string): { min: number; max: number } {
  const reg = st.cur.regs[regno]!;
  // Numbers, exact wherever the access can be inside the frame: an offset too large to be exact is refused either way.
  let min: number;
  let max: number;
  const constant = tnumIsConst(reg.value.varOff);
  if (constant) {
    min = toNumberS(reg.value.varOff.value) + off;
    max = min + size;
  } else {
    const smin = toNumberS(reg.value.smin);
    const smax = toNumberS(reg.value.smax);
    if (smax >= BPF_MAX_VAR_OFF || smin <= -BPF_MAX_VAR_OFF) v.fail(`invalid unbounded variable-offset${what} stack R${regno}`);
    min = smin + off;
    max = smax + off + size;
  }
  if (min < -MAX_BPF_STACK || max > 0 || size < 0) {
    if (constant) v.fail(`invalid${what} stack R${regno} off=${off} size=${size}`);
    v.fail(`invalid variable-offset${what} stack R${regno} var_off=${tnumStr(reg.value.varOff)} off=${off} size=${size}`);
  }
  // The frame grows to cover what is touched (grow_stack_state).
  const frame = st.frames[reg.frameno]!;
  frame.allocatedStack = Math.max(frame.allocatedStack, Math.ceil(-min / BPF_REG_SIZE) * BPF_REG_SIZE);
  return { min, max };
}

/** Bytes `from` to `to - 1` (negative stack offsets) in slot order. */
function* bytes(from: number, to: number): Generator<{ slot: StackSlot | undefined; off: number; index: number }> {
  for (let off = from; off < to; off++) yield { slot: undefined, off, index: (-off - 1) % BPF_REG_SIZE };
}

/**
 * A store to the stack (check_stack_write_fixed_off / _var_off). A whole
 * register stored at an aligned slot is spilled and comes back intact; a
 * scalar may be spilled narrower; anything else leaves plain bytes, zero
 * when a zero was stored.
 */
export function checkStackWrite(v: Verifier, st: VerifierState, frame: FuncState, ptr: RegState, off: number, size: number, value: RegState | undefined, imm: number | undefined): void {
  if (!tnumIsConst(ptr.value.varOff)) {
    writeVarOff(frame, ptr, off, size, value);
    return;
  }
  const at = off + toNumberS(ptr.value.varOff.value);
  const slot = frame.slot(at, true)!;
  const aligned = at % BPF_REG_SIZE === 0;
  if (value && aligned && value.type === RegType.SCALAR_VALUE) {
    // A spill the value fits links the register and the slot, so a check of either bounds both;
    // a narrower one breaks the link.
    const fits = regWidth(value) <= size * 8;
    if (fits && value.id === 0 && !value.value.isConst()) value.id = v.newId();
    saveRegister(slot, value, size);
    if (!fits) slot.spilled!.id = 0;
    return;
  }
  if (!value && aligned && imm !== undefined) {
    const fake = new RegState();
    fake.markKnown(fromS32(imm));
    saveRegister(slot, fake, size);
    return;
  }
  if (value && value.type !== RegType.SCALAR_VALUE) {
    if (size !== BPF_REG_SIZE) v.fail('invalid size of register spill');
    if (frame !== st.cur && value.type === RegType.PTR_TO_STACK) v.fail('cannot spill pointers to stack into stack frame of the caller', 'EINVAL');
    saveRegister(slot, value, size);
    return;
  }
  slot.spilled = undefined;
  if (slot.dynptr || slot.types.some((t) => t === SlotType.STACK_SPILL)) scrub(slot);
  const zero = (value !== undefined && value.isKnownZero) || (value === undefined && imm === 0);
  for (let i = 0; i < size; i++) frame.slot(at + i, true)!.types[(-(at + i) - 1) % BPF_REG_SIZE] = zero ? SlotType.STACK_ZERO : SlotType.STACK_MISC;
}

/** save_register_state: the register kept whole, its bytes marked spilled, the rest of the slot plain. */
function saveRegister(slot: StackSlot, reg: RegState, size: number): void {
  slot.spilled = reg.clone();
  slot.dynptr = undefined;
  let i = BPF_REG_SIZE;
  for (; i > BPF_REG_SIZE - size; i--) slot.types[i - 1] = SlotType.STACK_SPILL;
  for (; i; i--) {
    const t = slot.types[i - 1]!;
    if (t !== SlotType.STACK_ZERO && t !== SlotType.STACK_INVALID) slot.types[i - 1] = SlotType.STACK_MISC;
  }
}

/** What was a spilled register or a dynptr becomes plain bytes. */
function scrub(slot: StackSlot): void {
  for (let i = 0; i < BPF_REG_SIZE; i++) if (slot.types[i] !== SlotType.STACK_INVALID) slot.types[i] = SlotType.STACK_MISC;
  slot.spilled = undefined;
  slot.dynptr = undefined;
}

/** A store at a variable stack offset: every byte it may reach becomes plain bytes (zero stays zero when a zero is stored). */
function writeVarOff(frame: FuncState, ptr: RegState, off: number, size: number, value: RegState | undefined): void {
  const min = toNumberS(ptr.value.smin) + off;
  const max = toNumberS(ptr.value.smax) + off + size;
  const zero = value?.isKnownZero ?? false;
  for (const b of bytes(min, max)) {
    const slot = frame.slot(b.off, true)!;
    const t = slot.types[b.index]! as SlotType;
    if (zero && t === SlotType.STACK_SPILL && slot.spilled?.isKnownZero) continue;
    slot.spilled = undefined;
    if (slot.dynptr) scrub(slot);
    slot.types[b.index] = zero && t === SlotType.STACK_ZERO ? SlotType.STACK_ZERO : SlotType.STACK_MISC;
  }
}

/**
 * A load from the stack (check_stack_read_fixed_off / _var_off): a spilled
 * register comes back as it was, a narrower load of a spilled scalar gives
 * its low bytes, plain bytes give a scalar. A privileged program may read
 * bytes never written (allow_uninit_stack); dynptr slots are not bytes.
 */
export function checkStackRead(v: Verifier, frame: FuncState, ptr: RegState, off: number, size: number, dstno: number): RegState {
  const out = new RegState();
  if (!tnumIsConst(ptr.value.varOff)) {
    const min = toNumberS(ptr.value.smin) + off;
    const max = toNumberS(ptr.value.smax) + off;
    let zeros = true;
    for (const b of bytes(min, max + size)) {
      const slot = frame.slot(b.off, false);
      const t = (slot?.types[b.index] ?? SlotType.STACK_INVALID) as SlotType;
      if (t === SlotType.STACK_ZERO) continue;
      zeros = false;
      if (t === SlotType.STACK_MISC || t === SlotType.STACK_INVALID) continue;
      if (t === SlotType.STACK_SPILL) continue;
      v.fail(`invalid read from stack R${dstno < 0 ? 0 : dstno} var_off ${tnumStr(ptr.value.varOff)}+${b.off - min} size ${size}`);
    }
    if (zeros) out.markKnown(ZERO);
    else out.markUnknown();
    return out;
  }
  const at = off + toNumberS(ptr.value.varOff.value);
  const slot = frame.slot(at, false);
  if (slot?.isSpill && slot.spilled) {
    let spillSize = 1;
    for (let i = BPF_REG_SIZE - 1; i > 0 && slot.types[i - 1] === SlotType.STACK_SPILL; i--) spillSize++;
    const reg = slot.spilled;
    if (size !== BPF_REG_SIZE || spillSize !== BPF_REG_SIZE) {
      if (reg.type !== RegType.SCALAR_VALUE) v.fail('invalid size of register fill');
      if (size <= spillSize && at % BPF_REG_SIZE === 0) {
        out.copyFrom(reg);
        if (size < spillSize) out.id = 0;
        return out;
      }
      let spills = 0;
      let zeros = 0;
      for (let i = 0; i < size; i++) {
        const t = frame.byteType(at + i);
        if (t === SlotType.STACK_SPILL) spills++;
        else if (t === SlotType.STACK_ZERO) zeros++;
        else if (t !== SlotType.STACK_MISC && t !== SlotType.STACK_INVALID) v.fail(`invalid read from stack off ${at}+${i} size ${size}`);
      }
      if ((spills === size && reg.isKnownZero) || zeros === size) out.markKnown(ZERO);
      else out.markUnknown();
      return out;
    }
    out.copyFrom(reg);
    return out;
  }
  let zeros = 0;
  for (let i = 0; i < size; i++) {
    const t = frame.byteType(at + i);
    if (t === SlotType.STACK_MISC || t === SlotType.STACK_INVALID) continue;
    if (t === SlotType.STACK_ZERO) {
      zeros++;
      continue;
    }
    v.fail(`invalid read from stack off ${at}+${i} size ${size}`);
  }
  if (zeros === size) out.markKnown(ZERO);
  else out.markUnknown();
  return out;
}

/**
 * Stack memory handed to a helper (check_stack_range_initialized): inside
 * the frame; for a read every byte must be data (a privileged program's
 * unwritten bytes count); a helper that writes leaves plain bytes behind.
 */
export function checkStackRange(v: Verifier, st: VerifierState, regno: number, off: number, size: number, zeroSizeAllowed: boolean, write: boolean, uninit: boolean): void {
  const reg = st.cur.regs[regno]!;
  if (size === 0) {
    if (zeroSizeAllowed) return;
    v.fail('invalid zero-sized read');
  }
  const { min, max } = stackBounds(v, st, regno, off, size, write || uninit ? ' write to' : ' read from');
  const frame = st.frames[reg.frameno]!;
  const constant = tnumIsConst(reg.value.varOff);
  const lo = min;
  const hi = constant ? max : max;
  for (let at = lo; at < hi; at++) {
    const slot = frame.slot(at, write || uninit);
    const index = (-at - 1) % BPF_REG_SIZE;
    const t = (slot?.types[index] ?? SlotType.STACK_INVALID) as SlotType;
    if (uninit && constant) {
      // The helper fills this memory: the bytes become data whatever they were.
      if (slot) {
        if (slot.spilled || slot.dynptr) scrub(slot);
        slot.types[index] = SlotType.STACK_MISC;
      }
      continue;
    }
    if (t === SlotType.STACK_MISC || t === SlotType.STACK_ZERO || t === SlotType.STACK_INVALID) {
      if (write && slot) slot.types[index] = SlotType.STACK_MISC;
      continue;
    }
    if (t === SlotType.STACK_SPILL && slot?.spilled) {
      if (write) scrub(slot);
      continue;
    }
    if (constant) v.fail(`invalid indirect read from stack R${regno} off ${lo}+${at - lo} size ${size}`);
    v.fail(`invalid indirect read from stack R${regno} var_off ${tnumStr(reg.value.varOff)}+${at - lo} size ${size}`);
  }
}
