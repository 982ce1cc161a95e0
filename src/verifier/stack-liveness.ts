import type { InsnArray } from '../isa/instruction.js';
import type { Successors } from './successors.js';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_DW,
  BPF_JMP,
  BPF_JMP32,
  BPF_LDDW,
  BPF_LDX,
  BPF_MEM,
  BPF_MODE,
  BPF_MOV,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_REG_FP,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_X,
} from '../isa/opcodes.js';

/** Stack slots live at each instruction: slot k (fp-8(k+1) .. fp-8k-1) as bit k of lo (k < 32) or of hi. */
export interface StackLiveness {
  readonly lo: Uint32Array;
  readonly hi: Uint32Array;
}

const ALL = 0xffffffff;
const ARGS = 0b111110;

/**
 * Which stack slots each instruction's future may read, as Linux 6.18
 * computes before verifying (so a slot no path reads again does not keep
 * two states apart). A read through R10 at a constant offset reads its
 * slot; a read through any other register that may point into the stack,
 * and a call given such a register, may read every slot. An 8-byte store
 * through R10 at a slot's start writes it whole. Which registers may point
 * into the stack is found first, forward: R10, copies of it and sums with
 * it, and loads from the stack (a spilled pointer).
 */
export function stackLiveness(insns: InsnArray, succ: Successors): StackLiveness {
  const n = insns.length;
  const fp = stackPointers(insns, succ);
  // What each instruction reads (gen) and writes whole (kill): live before it is gen | (live after it & ~kill).
  const gen = { lo: new Uint32Array(n), hi: new Uint32Array(n) };
  const kill = { lo: new Uint32Array(n), hi: new Uint32Array(n) };
  const add = (set: StackLiveness, i: number, k: number): void => {
    if (k < 0) {
      set.lo[i] = ALL;
      set.hi[i] = ALL;
    } else if (k < 32) set.lo[i]! |= 1 << k;
    else set.hi[i]! |= 1 << (k - 32);
  };
  for (let i = 0; i < n; i += insns.width(i)) {
    const code = insns.code[i]!;
    const cls = BPF_CLASS(code);
    const off = insns.off[i]!;
    const mayPoint = fp[i]!;
    // The slot an access through `base` touches: its own through R10 at a constant offset, else -1 (any).
    const slot = (base: number): number => (base === BPF_REG_FP && off < 0 && off >= -512 ? Math.floor((-off - 1) / 8) : -1);
    const read = (base: number): void => {
      if ((mayPoint & (1 << base)) !== 0) add(gen, i, slot(base));
    };
    if (cls === BPF_LDX) {
      read(insns.src[i]!);
    } else if (cls === BPF_ST || cls === BPF_STX) {
      if (BPF_MODE(code) === BPF_ATOMIC) read(insns.dst[i]!);
      else if (BPF_MODE(code) === BPF_MEM && BPF_SIZE(code) === BPF_DW && off % 8 === 0) {
        // The whole slot is written: what it held before is read by nobody.
        const k = slot(insns.dst[i]!);
        if (k >= 0) add(kill, i, k);
      }
    } else if ((cls === BPF_JMP || cls === BPF_JMP32) && BPF_OP(code) === BPF_CALL && (mayPoint & ARGS) !== 0) {
      add(gen, i, -1);
    }
  }
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      if (insns.code[i] === 0 && i > 0 && insns.code[i - 1] === BPF_LDDW) continue;
      let l = 0;
      let h = 0;
      for (let e = succ.from[i]!; e < succ.from[i + 1]!; e++) {
        const s = succ.to[e]!;
        if (s >= n) continue;
        l |= lo[s]!;
        h |= hi[s]!;
      }
      l = (gen.lo[i]! | (l & ~kill.lo[i]!)) >>> 0;
      h = (gen.hi[i]! | (h & ~kill.hi[i]!)) >>> 0;
      if (l !== lo[i] || h !== hi[i]) {
        lo[i] = l;
        hi[i] = h;
        changed = true;
      }
    }
  }
  return { lo, hi };
}

/** Per instruction, the registers (bits 0-10) that may hold a pointer into the stack as it runs. */
function stackPointers(insns: InsnArray, succ: Successors): Uint16Array {
  const n = insns.length;
  const mayIn = new Uint16Array(n);
  const seen = new Uint8Array(n);
  const work: number[] = [0];
  seen[0] = 1;
  mayIn[0] = 1 << BPF_REG_FP;
  // Subprograms start with whatever their callers pass: any argument may point into a caller's stack.
  for (let i = 0; i < n; i += insns.width(i)) {
    const code = insns.code[i]!;
    if (BPF_CLASS(code) === BPF_JMP && BPF_OP(code) === BPF_CALL && insns.src[i] === BPF_PSEUDO_CALL) {
      const t = i + insns.imm[i]! + 1;
      if (t >= 0 && t < n && !seen[t]) {
        seen[t] = 1;
        mayIn[t] = (1 << BPF_REG_FP) | ARGS;
        work.push(t);
      }
    }
    // A callback (lddw of a function) gets pointers from the helper that runs it: a bpf_loop context may be on the stack.
    if (code === BPF_LDDW && insns.src[i] === 4) {
      const t = i + insns.imm[i]! + 1;
      if (t >= 0 && t < n && !seen[t]) {
        seen[t] = 1;
        mayIn[t] = (1 << BPF_REG_FP) | ARGS;
        work.push(t);
      }
    }
  }
  while (work.length > 0) {
    const i = work.pop()!;
    const out = transfer(insns, i, mayIn[i]!);
    for (let e = succ.from[i]!; e < succ.from[i + 1]!; e++) {
      const s = succ.to[e]!;
      if (s >= n) continue;
      const merged = mayIn[s]! | out;
      if (merged !== mayIn[s] || !seen[s]) {
        mayIn[s] = merged;
        seen[s] = 1;
        work.push(s);
      }
    }
  }
  return mayIn;
}

/** The stack-pointer registers after instruction `i`, given those before. */
function transfer(insns: InsnArray, i: number, may: number): number {
  const code = insns.code[i]!;
  const cls = BPF_CLASS(code);
  const dst = insns.dst[i]!;
  const src = insns.src[i]!;
  const has = (r: number): boolean => (may & (1 << r)) !== 0;
  const set = (r: number, v: boolean): number => (v ? may | (1 << r) : may & ~(1 << r));
  if (cls === BPF_ALU64 || cls === BPF_ALU) {
    const op = BPF_OP(code);
    const x = BPF_SRC(code) === BPF_X;
    if (cls === BPF_ALU64 && op === BPF_MOV) return set(dst, x && has(src));
    if (cls === BPF_ALU64 && (op === BPF_ADD || op === BPF_SUB)) return set(dst, has(dst) || (x && has(src)));
    return set(dst, false);
  }
  if (cls === BPF_LDX) return set(dst, has(src));
  if (code === BPF_LDDW) return set(dst, false);
  if (cls === BPF_STX && BPF_MODE(code) === BPF_ATOMIC) return may | (1 << src) | 1;
  if ((cls === BPF_JMP || cls === BPF_JMP32) && BPF_OP(code) === BPF_CALL) {
    // A subprogram may hand back a pointer into a caller's stack it was given.
    const r0 = insns.src[i] === BPF_PSEUDO_CALL && (may & ARGS) !== 0 ? 1 : 0;
    return ((may & ~0b111111) | r0) & 0xffff;
  }
  return may;
}
