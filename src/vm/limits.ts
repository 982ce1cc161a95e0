// Limits of a run, the kernel's where it has them.

/** Instructions one run may execute before it is stopped (a simulator limit; the kernel has none at run time). */
export const DEFAULT_INSN_BUDGET = 1_000_000;

/** BPF_MAX_LOOPS: the iterations bpf_loop runs at most, and the budget of `may_goto`. */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

/** MAX_TAIL_CALL_CNT: tail calls one run may make. */
export const MAX_TAIL_CALL_CNT = 33;
