import type { InsnArray } from '../isa/instruction.js';
import type { Successors } from './successors.js';
import { HELPER_PROTOS } from '../helpers/protos.js';
import { BPF_JCOND } from '../isa/decode.js';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_EXIT,
  BPF_FETCH,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LDDW,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_MODE,
  BPF_MOV,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_REG_FP,
  BPF_SRC,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_X,
  BPF_XCHG,
} from '../isa/opcodes.js';
import type { ArgBase } from '../helpers/proto.js';
import { BPF_FUNC_find_vma, BPF_FUNC_for_each_map_elem, BPF_FUNC_loop, BPF_FUNC_map_lookup_elem, BPF_FUNC_user_ringbuf_drain } from '../uapi/func-ids.js';
import { PRECISE_DST, PRECISE_KEY, PRECISE_SRC } from './verifier.js';

/** Where exact scalar values matter, per instruction: registers (bits 0-9) and R10-relative stack slots. */
export interface Precision {
  /** Registers whose exact value some future check may depend on. */
  readonly regs: Uint16Array;
  /** Stack slots (slot k covers fp-8(k+1)..fp-8k-1) likewise, as two 32-bit halves. */
  readonly stackLo: Uint32Array;
  readonly stackHi: Uint32Array;
}

const ALL = 0xffffffff;
const bit = (r: number): number => 1 << r;
/** Helpers that run a callback on the caller's data before they return. */
const CALLBACK_CALLERS: ReadonlySet<number> = new Set([BPF_FUNC_loop, BPF_FUNC_for_each_map_elem, BPF_FUNC_find_vma, BPF_FUNC_user_ringbuf_drain]);

/** Helper arguments whose value the verifier checks: sizes and allocation sizes. */
const VALUE_ARGS: ReadonlySet<ArgBase> = new Set(['ARG_CONST_SIZE', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_CONST_ALLOC_SIZE_OR_ZERO']);

/**
 * Which scalars must be compared exactly when states are pruned, found
 * ahead of time: a backward pass over the program from the places where the
 * kernel asks for precise values (mark_chain_precision: the operands
 * `precise` flags, compared in a branch some path decided from their bounds
 * or added to a pointer; passed as a size; returned from a subprogram or
 * callback)
 * through the moves, arithmetic and stack spills that feed them. The kernel
 * learns the same while it explores; this pass is a superset of it, so a
 * state pruned here would be pruned there too, and a number nobody checks
 * (a counter, a flag stored in a map) does not keep paths apart. The
 * flagged operands are learnt by walking: a walk that flags a new one is
 * done again with it (see verifyXdp).
 */
export function precisionNeeds(insns: InsnArray, precise: Uint8Array, succ: Successors): Precision {
  const n = insns.length;
  const regs = new Uint16Array(n);
  const stackLo = new Uint32Array(n);
  const stackHi = new Uint32Array(n);
  const slotOf = (off: number): number => Math.floor((-off - 1) / 8);
  const { subOf, callbacks, starts } = subprograms(insns);
  const callbackStarts = starts.filter((_, k) => callbacks[k]);
  // Per subprogram: whether a caller needs its R0 exact; a callback's always is (its range is checked).
  const retPrecise = Uint8Array.from({ length: callbacks.length }, (_, k) => (callbacks[k] ? 1 : 0));
  const keySlots = lookupKeySlots(insns, succ, slotOf);
  const has = (lo: number, hi: number, k: number): boolean => (k < 32 ? (lo >>> k) & 1 : (hi >>> (k - 32)) & 1) === 1;

  for (let changed = true; changed; ) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      if (insns.code[i] === 0 && i > 0 && insns.code[i - 1] === BPF_LDDW) continue;
      let r = 0;
      let lo = 0;
      let hi = 0;
      for (let e = succ.from[i]!; e < succ.from[i + 1]!; e++) {
        const s = succ.to[e]!;
        if (s >= n) continue;
        r |= regs[s]!;
        lo |= stackLo[s]!;
        hi |= stackHi[s]!;
      }
      const code = insns.code[i]!;
      const cls = BPF_CLASS(code);
      const op = BPF_OP(code);
      const dst = insns.dst[i]!;
      const src = insns.src[i]!;
      const x = BPF_SRC(code) === BPF_X;
      const off = insns.off[i]!;
      if (cls === BPF_ALU || cls === BPF_ALU64) {
        const dstPrecise = (r & bit(dst)) !== 0;
        r &= ~bit(dst);
        if (op === BPF_MOV) {
          if (dstPrecise && x) r |= bit(src);
        } else {
          // The result's exact value needs both operands'; a scalar some path
          // added to or took from a pointer is needed whatever follows.
          if (dstPrecise) r |= bit(dst) | (x ? bit(src) : 0);
          if (precise[i]! & PRECISE_DST) r |= bit(dst);
          if (x && precise[i]! & PRECISE_SRC) r |= bit(src);
        }
      } else if (cls === BPF_LDX) {
        const dstPrecise = (r & bit(dst)) !== 0;
        r &= ~bit(dst);
        if (dstPrecise) {
          if (src === BPF_REG_FP) {
            const k = slotOf(off);
            if (k >= 0 && k < 64) {
              if (k < 32) lo |= 1 << k;
              else hi |= 1 << (k - 32);
            }
          } else {
            lo = ALL;
            hi = ALL;
          }
        }
      } else if (cls === BPF_ST || cls === BPF_STX) {
        const atomic = BPF_MODE(code) === BPF_ATOMIC;
        const imm = insns.imm[i]!;
        if (atomic && imm === BPF_LOAD_ACQ) {
          const dstPrecise = (r & bit(dst)) !== 0;
          r &= ~bit(dst);
          if (dstPrecise) {
            lo = ALL;
            hi = ALL;
          }
        } else {
          if (atomic && imm !== BPF_STORE_REL) {
            if (imm === BPF_CMPXCHG) r |= bit(0);
            else if (imm & BPF_FETCH || imm === BPF_XCHG) r &= ~bit(src);
          }
          let slotPrecise: boolean;
          if (dst === BPF_REG_FP) {
            const k = slotOf(off);
            slotPrecise = k >= 0 && k < 64 && has(lo, hi, k);
            // A whole 8-byte store at the slot replaces what was there.
            if (k >= 0 && k < 64 && off % 8 === 0 && insns.code[i]! === (cls | 0x18 | 0x60)) {
              if (k < 32) lo &= ~(1 << k);
              else hi &= ~(1 << (k - 32));
            }
          } else {
            slotPrecise = lo !== 0 || hi !== 0;
          }
          if (cls === BPF_STX && slotPrecise) r |= bit(src);
        }
      } else if (code === BPF_LDDW) {
        r &= ~bit(dst);
      } else if (cls === BPF_JMP || cls === BPF_JMP32) {
        if (op === BPF_EXIT) {
          // R0 goes back to a caller that needs it exact, or to the helper that checks a callback's.
          r = retPrecise[subOf[i]!] ? bit(0) : 0;
        } else if (op === BPF_CALL) {
          if (src === BPF_PSEUDO_CALL) {
            const target = i + insns.imm[i]! + 1;
            const k = subOf[target]!;
            if (r & bit(0) && !retPrecise[k]) {
              retPrecise[k] = 1;
              changed = true;
            }
            // The callee needs exact what it needs of its arguments; what it reads through
            // them may be any slot of the caller's stack.
            r = (r & ~0b111111) | (regs[target]! & 0b111110);
            if (stackLo[target] || stackHi[target]) {
              lo = ALL;
              hi = ALL;
            }
          } else {
            r &= ~0b111111;
            HELPER_PROTOS.get(insns.imm[i]!)?.args.forEach((a, k) => {
              if (VALUE_ARGS.has(a.type)) r |= bit(k + 1);
            });
            // A callback the helper runs reads the caller's stack through the pointer it is given:
            // what it needs exact there, the caller must keep exact.
            if (CALLBACK_CALLERS.has(insns.imm[i]!) && callbackStarts.some((t) => stackLo[t] || stackHi[t])) {
              lo = ALL;
              hi = ALL;
            }
            // A constant key that made an array lookup's result non-null: the key's slot must be exact.
            if (insns.imm[i] === BPF_FUNC_map_lookup_elem && precise[i]! & PRECISE_KEY) {
              const k = keySlots[i]!;
              if (k < 0) {
                lo = ALL;
                hi = ALL;
              } else if (k < 32) lo |= 1 << k;
              else hi |= 1 << (k - 32);
            }
          }
        } else if (op !== BPF_JA && op !== BPF_JCOND) {
          if (precise[i]! & PRECISE_DST) r |= bit(dst);
          if (x && precise[i]! & PRECISE_SRC) r |= bit(src);
        }
      }
      lo >>>= 0;
      hi >>>= 0;
      if (r !== regs[i] || lo !== stackLo[i] || hi !== stackHi[i]) {
        regs[i] = r;
        stackLo[i] = lo;
        stackHi[i] = hi;
        changed = true;
      }
    }
  }
  return { regs, stackLo, stackHi };
}

/**
 * Which subprogram each instruction belongs to (subprograms start at 0, at
 * each BPF-to-BPF call's target and at each function an lddw refers to),
 * and which subprograms are callbacks (referred to by an lddw).
 */
function subprograms(insns: InsnArray): { subOf: Int32Array; callbacks: Uint8Array; starts: number[] } {
  const n = insns.length;
  const starts = new Set<number>([0]);
  const refs = new Set<number>();
  for (let i = 0; i < n; i += insns.width(i)) {
    const code = insns.code[i]!;
    const target = i + insns.imm[i]! + 1;
    if (target < 0 || target >= n) continue;
    if (BPF_CLASS(code) === BPF_JMP && BPF_OP(code) === BPF_CALL && insns.src[i] === BPF_PSEUDO_CALL) starts.add(target);
    if (code === BPF_LDDW && insns.src[i] === BPF_PSEUDO_FUNC) {
      starts.add(target);
      refs.add(target);
    }
  }
  const sorted = [...starts].sort((a, b) => a - b);
  const subOf = new Int32Array(n);
  sorted.forEach((start, k) => subOf.fill(k, start, sorted[k + 1] ?? n));
  return { subOf, callbacks: Uint8Array.from(sorted, (start) => (refs.has(start) ? 1 : 0)), starts: sorted };
}

/**
 * For each bpf_map_lookup_elem call, the stack slot its key is in when the
 * straight code before it sets R2 to R10 plus a constant, as compilers do;
 * -1 when that cannot be told (then every slot is taken to matter).
 */
function lookupKeySlots(insns: InsnArray, succ: Successors, slotOf: (off: number) => number): Int32Array {
  const n = insns.length;
  const target = new Uint8Array(n + 1);
  for (let i = 0; i < n; i++) {
    for (let e = succ.from[i]!; e < succ.from[i + 1]!; e++) if (succ.to[e] !== i + insns.width(i)) target[succ.to[e]!] = 1;
  }
  const slots = new Int32Array(n).fill(-1);
  const isCall = (i: number): boolean => BPF_CLASS(insns.code[i]!) === BPF_JMP && BPF_OP(insns.code[i]!) === BPF_CALL && insns.src[i] === 0;
  for (let i = 0; i < n; i++) {
    if (!isCall(i) || insns.imm[i] !== BPF_FUNC_map_lookup_elem) continue;
    let add = 0;
    for (let j = i - 1; j >= 0 && !target[j + 1]; j--) {
      const code = insns.code[j]!;
      if (code === 0 && j > 0 && insns.code[j - 1] === BPF_LDDW) continue;
      // An atomic fetch writes its source register.
      if (BPF_CLASS(code) === BPF_STX && BPF_MODE(code) === BPF_ATOMIC && insns.src[j] === 2) break;
      if (insns.dst[j] !== 2 || BPF_CLASS(code) === BPF_JMP || BPF_CLASS(code) === BPF_JMP32 || BPF_CLASS(code) === BPF_ST || BPF_CLASS(code) === BPF_STX) {
        if (BPF_CLASS(code) === BPF_JMP && BPF_OP(code) === BPF_CALL) break;
        continue;
      }
      if (code === (BPF_ALU64 | BPF_ADD)) {
        add += insns.imm[j]!;
        continue;
      }
      if (code === (BPF_ALU64 | BPF_MOV | BPF_X) && insns.src[j] === BPF_REG_FP) {
        const k = slotOf(add);
        if (add < 0 && k < 64) slots[i] = k;
      }
      break;
    }
  }
  return slots;
}

/** Whether stack slot `k` needs exact values at instruction `i`. */
export function slotPrecise(p: Precision, i: number, k: number): boolean {
  return k < 32 ? ((p.stackLo[i]! >>> k) & 1) === 1 : ((p.stackHi[i]! >>> (k - 32)) & 1) === 1;
}

/**
 * Every scalar exact at every instruction: pruning then stops a path only
 * where each of its values lies within what a walked state allowed, so what
 * the walk records of scalars holds on the paths it pruned too (the facts
 * the JIT gets). The kernel never walks this way: counters nobody checks
 * keep paths apart, and loops that converge on imprecise values may not.
 */
export function everyScalarPrecise(n: number): Precision {
  return { regs: new Uint16Array(n).fill(0x3ff), stackLo: new Uint32Array(n).fill(ALL), stackHi: new Uint32Array(n).fill(ALL) };
}
