import type { InsnArray } from '../isa/instruction.js';
import type { Successors } from './successors.js';
import { HELPER_PROTOS } from '../helpers/protos.js';
import { BPF_JCOND } from '../isa/decode.js';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CLASS,
  BPF_CMPXCHG,
  BPF_END,
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
  BPF_NEG,
  BPF_OP,
  BPF_PSEUDO_CALL,
  BPF_SRC,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_X,
  BPF_XCHG,
} from '../isa/opcodes.js';

const bit = (r: number): number => 1 << r;
/** R0-R5: what a call defines (R0) or clobbers (R1-R5). */
const CALL_CLOBBER = 0b111111;

/**
 * Which registers each instruction's future may read (live-in sets over R0-R9),
 * as the kernel's compute_live_registers computes them before verification:
 * a register no path reads again does not keep two states apart when
 * pruning. A BPF-to-BPF call reads R1-R5 and returns R0; a helper reads its
 * arguments; exit reads R0. `succ` is successors(insns).
 */
export function liveRegisters(insns: InsnArray, succ: Successors): Uint16Array {
  const n = insns.length;
  const use = new Uint16Array(n);
  const def = new Uint16Array(n);
  for (let i = 0; i < n; i += insns.width(i)) {
    const code = insns.code[i]!;
    const cls = BPF_CLASS(code);
    const op = BPF_OP(code);
    const dst = insns.dst[i]!;
    const src = insns.src[i]!;
    const x = BPF_SRC(code) === BPF_X;
    if (cls === BPF_ALU || cls === BPF_ALU64) {
      if (op === BPF_MOV) use[i] = x ? bit(src) : 0;
      else if (op === BPF_NEG || op === BPF_END) use[i] = bit(dst);
      else use[i] = bit(dst) | (x ? bit(src) : 0);
      def[i] = bit(dst);
    } else if (cls === BPF_LDX) {
      use[i] = bit(src);
      def[i] = bit(dst);
    } else if (cls === BPF_ST) {
      use[i] = bit(dst);
    } else if (cls === BPF_STX) {
      const imm = insns.imm[i]!;
      if (BPF_MODE(code) === BPF_ATOMIC && imm === BPF_LOAD_ACQ) {
        use[i] = bit(src);
        def[i] = bit(dst);
      } else {
        use[i] = bit(dst) | bit(src);
        if (BPF_MODE(code) === BPF_ATOMIC && imm !== BPF_STORE_REL) {
          if (imm === BPF_CMPXCHG) {
            use[i] |= bit(0);
            def[i] = bit(0);
          } else if (imm & BPF_FETCH || imm === BPF_XCHG) {
            def[i] = bit(src);
          }
        }
      }
    } else if (code === BPF_LDDW) {
      def[i] = bit(dst);
    } else if (cls === BPF_JMP || cls === BPF_JMP32) {
      if (op === BPF_EXIT) {
        use[i] = bit(0);
      } else if (op === BPF_CALL) {
        if (src === BPF_PSEUDO_CALL) use[i] = 0b111110;
        else {
          const args = HELPER_PROTOS.get(insns.imm[i]!)?.args.length ?? 5;
          for (let r = 1; r <= args; r++) use[i] |= bit(r);
        }
        def[i] = CALL_CLOBBER;
      } else if (op !== BPF_JA && op !== BPF_JCOND) {
        use[i] = bit(dst) | (x ? bit(src) : 0);
      }
    }
  }
  const liveIn = new Uint16Array(n);
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      let out = 0;
      for (let e = succ.from[i]!; e < succ.from[i + 1]!; e++) {
        const s = succ.to[e]!;
        if (s < n) out |= liveIn[s]!;
      }
      const inn = use[i]! | (out & ~def[i]!);
      if (inn !== liveIn[i]) {
        liveIn[i] = inn;
        changed = true;
      }
    }
  }
  return liveIn;
}
