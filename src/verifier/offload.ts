import type { InsnArray } from '../isa/instruction.js';
import type { VerifierMap } from './env.js';
import type { VerifierErrno } from './errors.js';
import { RegType, type RegState } from './reg.js';
import type { VerifierState } from './state.js';
import { tnumStr } from './tnum.js';
import { fromBigInt, toBigU } from './word.js';

/**
 * The seam where the driver of an offloading device checks a program as the
 * verifier walks it: the kernel's struct bpf_prog_offload_ops
 * (kernel/bpf/offload.c), which nfp fills in. `prepare` before the walk
 * (bpf_prog_offload_verifier_prep), `insn` on every instruction walked, in
 * every state it is walked in (bpf_prog_offload_verify_insn: do_check calls
 * it once the instruction is logged, before checking it), `finalize` once
 * every path has been verified (bpf_prog_offload_finalize, before the
 * combined stack check). A hook refuses by returning the errno and the line
 * it logs; what the verifier then does is what it does with any refusal.
 *
 * The hooks see the state through a view with the kernel's own numbers
 * (enum bpf_reg_type, enum bpf_stack_slot_type), since a driver prints them
 * with %d: what the verifier keeps of a register in other shapes is its own.
 */
export interface OffloadHooks {
  /** A walk starts (nfp_bpf_verifier_prep): the driver's copy of the program, state from any earlier walk dropped. */
  prepare?(insns: InsnArray): void;
  /** nfp_verify_insn: instruction `insn`, in the state the view shows. */
  insn(view: OffloadView, insn: number): OffloadRefusal | undefined;
  /** nfp_bpf_finalize: every path verified, each subprogram's stack known. */
  finalize?(view: OffloadFinalView): OffloadRefusal | undefined;
}

/** A hook's refusal: the errno BPF_PROG_LOAD returns and the line the driver logs (pr_vlog), its prefix included. */
export interface OffloadRefusal {
  readonly errno: VerifierErrno;
  readonly reason: string;
}

/** A tnum as a driver reads it: the kernel's u64 value and mask. */
export interface OffloadTnum {
  readonly value: bigint;
  readonly mask: bigint;
}

/** tnum_strn, for a driver's messages: `(0x4; 0x0)`. */
export function offloadTnumStr(t: OffloadTnum): string {
  return tnumStr({ value: fromBigInt(t.value), mask: fromBigInt(t.mask) });
}

/** One register as a driver reads it (struct bpf_reg_state). */
export interface OffloadReg {
  /** enum bpf_reg_type with its flags (BPF_REG_TYPE, PTR_MAYBE_NULL...), as the kernel numbers them. */
  readonly type: number;
  readonly varOff: OffloadTnum;
  readonly umin: bigint;
  readonly umax: bigint;
  /** A pointer's fixed offset. */
  readonly off: number;
  /** map_ptr, for CONST_PTR_TO_MAP and map value pointers. */
  readonly map: VerifierMap | undefined;
  /** PTR_TO_STACK: the call frame whose stack it points into. */
  readonly frameno: number;
}

/** What nfp_verify_insn reads of the verifier's state: the current frame's registers, the stacks, the log. */
export interface OffloadView {
  /** env->cur_state->curframe. */
  readonly curframe: number;
  /** cur_regs(env)[regno]. */
  reg(regno: number): OffloadReg;
  /** The slot_type (enum bpf_stack_slot_type) of the byte at `off` (negative, from the frame pointer) of frame `frameno`'s stack. */
  stackSlotType(frameno: number, off: number): number;
  /** bpf_verifier_log_write: a line in the verifier log. */
  log(line: string): void;
}

/** What nfp_bpf_finalize reads: env->subprog_info, in subprogram order. */
export interface OffloadFinalView {
  readonly subprogs: readonly { readonly start: number; readonly stackDepth: number }[];
  log(line: string): void;
}

/** enum bpf_reg_type as Linux 6.18 numbers it (include/linux/bpf.h). */
export const BPF_REG_TYPE = {
  NOT_INIT: 0,
  SCALAR_VALUE: 1,
  PTR_TO_CTX: 2,
  CONST_PTR_TO_MAP: 3,
  PTR_TO_MAP_VALUE: 4,
  PTR_TO_MAP_KEY: 5,
  PTR_TO_STACK: 6,
  PTR_TO_PACKET_META: 7,
  PTR_TO_PACKET: 8,
  PTR_TO_PACKET_END: 9,
  PTR_TO_SOCKET: 11,
  PTR_TO_SOCK_COMMON: 12,
  PTR_TO_TCP_SOCK: 13,
  PTR_TO_BTF_ID: 16,
  PTR_TO_MEM: 17,
  PTR_TO_FUNC: 20,
  CONST_PTR_TO_DYNPTR: 21,
} as const;

/** enum bpf_type_flag bits that the types here carry. */
export const PTR_MAYBE_NULL = 1 << 8;
export const MEM_RDONLY = 1 << 9;
export const MEM_RINGBUF = 1 << 10;

/** enum bpf_stack_slot_type: a byte known to be zero. */
export const STACK_ZERO = 3;

const KERNEL_TYPE: Record<RegType, number> = {
  [RegType.NOT_INIT]: BPF_REG_TYPE.NOT_INIT,
  [RegType.SCALAR_VALUE]: BPF_REG_TYPE.SCALAR_VALUE,
  [RegType.PTR_TO_CTX]: BPF_REG_TYPE.PTR_TO_CTX,
  [RegType.CONST_PTR_TO_MAP]: BPF_REG_TYPE.CONST_PTR_TO_MAP,
  [RegType.PTR_TO_MAP_VALUE]: BPF_REG_TYPE.PTR_TO_MAP_VALUE,
  [RegType.PTR_TO_MAP_KEY]: BPF_REG_TYPE.PTR_TO_MAP_KEY,
  [RegType.PTR_TO_STACK]: BPF_REG_TYPE.PTR_TO_STACK,
  [RegType.PTR_TO_PACKET_META]: BPF_REG_TYPE.PTR_TO_PACKET_META,
  [RegType.PTR_TO_PACKET]: BPF_REG_TYPE.PTR_TO_PACKET,
  [RegType.PTR_TO_PACKET_END]: BPF_REG_TYPE.PTR_TO_PACKET_END,
  [RegType.PTR_TO_SOCKET]: BPF_REG_TYPE.PTR_TO_SOCKET,
  [RegType.PTR_TO_SOCK_COMMON]: BPF_REG_TYPE.PTR_TO_SOCK_COMMON,
  [RegType.PTR_TO_TCP_SOCK]: BPF_REG_TYPE.PTR_TO_TCP_SOCK,
  [RegType.PTR_TO_BTF_ID]: BPF_REG_TYPE.PTR_TO_BTF_ID,
  [RegType.PTR_TO_MEM]: BPF_REG_TYPE.PTR_TO_MEM,
  [RegType.PTR_TO_FUNC]: BPF_REG_TYPE.PTR_TO_FUNC,
  [RegType.CONST_PTR_TO_DYNPTR]: BPF_REG_TYPE.CONST_PTR_TO_DYNPTR,
};

const U64_MAX = (1n << 64n) - 1n;

/** `reg` in the kernel's numbers. */
function offloadReg(reg: RegState): OffloadReg {
  if (reg.type === RegType.NOT_INIT) {
    // The kernel leaves a register it never wrote unbounded (__mark_reg_not_init); ours holds a zero nobody reads.
    return { type: BPF_REG_TYPE.NOT_INIT, varOff: { value: 0n, mask: U64_MAX }, umin: 0n, umax: U64_MAX, off: 0, map: undefined, frameno: 0 };
  }
  let type = KERNEL_TYPE[reg.type];
  if (reg.maybeNull) type |= PTR_MAYBE_NULL;
  if (reg.type === RegType.PTR_TO_MEM) {
    if (reg.rdonly) type |= MEM_RDONLY;
    if (reg.memKind === 'ringbuf') type |= MEM_RINGBUF;
  }
  const { value, mask } = reg.value.varOff;
  const varOff = { value: toBigU(value), mask: toBigU(mask) };
  return { type, varOff, umin: toBigU(reg.value.umin), umax: toBigU(reg.value.umax), off: reg.off, map: reg.map, frameno: reg.frameno };
}

/** The view of `st` the instruction hook gets; `log` writes the verifier's log. */
export function offloadView(st: VerifierState, log: (line: string) => void): OffloadView {
  return {
    curframe: st.frames.length - 1,
    reg: (regno) => offloadReg(st.cur.regs[regno]!),
    stackSlotType: (frameno, off) => st.frames[frameno]?.byteType(off) ?? 0,
    log,
  };
}
