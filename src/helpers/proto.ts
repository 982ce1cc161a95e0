import type { InsnArray } from '../isa/instruction.js';
import type { Helper } from '../vm/helper.js';
import { BPF_FUNC_NAMES } from '../uapi/func-ids.js';
import type { HelperState } from './state.js';

/**
 * What a helper argument must be, named as the kernel's `enum bpf_arg_type`
 * (include/linux/bpf.h). The verifier checks each register against this
 * before the call; the base types only, flags are in ArgSpec.
 */
export type ArgBase =
  | 'ARG_ANYTHING'
  | 'ARG_CONST_MAP_PTR'
  | 'ARG_PTR_TO_MAP_KEY'
  | 'ARG_PTR_TO_MAP_VALUE'
  | 'ARG_PTR_TO_MEM'
  | 'ARG_CONST_SIZE'
  | 'ARG_CONST_SIZE_OR_ZERO'
  | 'ARG_CONST_ALLOC_SIZE_OR_ZERO'
  | 'ARG_PTR_TO_CTX'
  | 'ARG_PTR_TO_SPIN_LOCK'
  | 'ARG_PTR_TO_TIMER'
  | 'ARG_PTR_TO_FUNC'
  | 'ARG_PTR_TO_STACK'
  | 'ARG_PTR_TO_CONST_STR'
  | 'ARG_PTR_TO_RINGBUF_MEM'
  | 'ARG_PTR_TO_DYNPTR'
  | 'ARG_PTR_TO_SOCK_COMMON'
  | 'ARG_PTR_TO_BTF_ID_SOCK_COMMON'
  | 'ARG_PTR_TO_BTF_ID'
  | 'ARG_PTR_TO_PERCPU_BTF_ID'
  | 'ARG_KPTR_XCHG_DEST';

/** One argument: the base type and the kernel's type flags on it. */
export interface ArgSpec {
  readonly type: ArgBase;
  /** PTR_MAYBE_NULL: NULL (a known zero) is accepted too. */
  readonly maybeNull?: boolean;
  /** MEM_RDONLY: the helper only reads the memory, so read-only memory may be passed. */
  readonly rdonly?: boolean;
  /** MEM_UNINIT: the helper writes the memory before reading it, so it need not be initialised. */
  readonly uninit?: boolean;
  /** MEM_WRITE: the helper writes the memory. */
  readonly write?: boolean;
  /** MEM_FIXED_SIZE: memory of this many bytes, with no size argument (the proto's argN_size). */
  readonly size?: number;
  /** MEM_ALIGNED: the memory must be aligned to its size. */
  readonly aligned?: boolean;
  /** DYNPTR_TYPE_*: the kind of dynptr expected (ARG_PTR_TO_DYNPTR). */
  readonly dynptr?: 'local' | 'ringbuf';
  /** OBJ_RELEASE: the call releases the reference this argument holds. */
  readonly release?: boolean;
}

/** What a helper returns, named as the kernel's `enum bpf_return_type` with its flags folded in. */
export type RetType =
  | 'RET_INTEGER'
  | 'RET_VOID'
  | 'RET_PTR_TO_MAP_VALUE_OR_NULL'
  | 'RET_PTR_TO_SOCKET_OR_NULL'
  | 'RET_PTR_TO_SOCK_COMMON_OR_NULL'
  | 'RET_PTR_TO_RINGBUF_MEM_OR_NULL'
  | 'RET_PTR_TO_DYNPTR_MEM_OR_NULL'
  | 'RET_PTR_TO_BTF_ID'
  | 'RET_PTR_TO_BTF_ID_OR_NULL'
  | 'RET_PTR_TO_BTF_ID_TRUSTED'
  | 'RET_PTR_TO_MEM_OR_BTF_ID_RDONLY'
  | 'RET_PTR_TO_MEM_OR_BTF_ID_OR_NULL_RDONLY';

/** What a helper's implementation is built over: the object's runtime and its programs (for tail calls). */
export interface HelperEnv {
  readonly state: HelperState;
  readonly programs: () => readonly InsnArray[];
}

/**
 * A helper the kernel lets XDP call but xdpsim cannot run honestly, and why:
 * it hands the program a kernel object (a task, a BTF-typed socket) whose
 * layout and contents are the running kernel's. A program calling one is
 * refused at load with this reason, never run with an invented answer.
 */
export interface Unsimulated {
  readonly unsimulated: string;
}

/**
 * One helper as the kernel's `struct bpf_func_proto` describes it, plus how
 * xdpsim runs it. The loader checks calls against it; the verifier and the
 * JIT read the same entry.
 */
export interface BpfFuncProto {
  /** `BPF_FUNC_*` id. */
  readonly func: number;
  readonly ret: RetType;
  /** R1-R5 in order; absent ones are ARG_DONTCARE. */
  readonly args: readonly ArgSpec[];
  /** The helper needs a GPL-compatible licence. */
  readonly gplOnly: boolean;
  /**
   * bpf_helper_changes_pkt_data(): the call invalidates every packet pointer.
   * bpf_tail_call is marked too, but the verifier applies that only in a
   * subprogram: after a tail call from the main program, pointers survive.
   */
  readonly changesPktData: boolean;
  /** The proto's pkt_access: packet memory may be passed where memory is expected. */
  readonly pktAccess: boolean;
  /** The proto's might_sleep: only sleepable programs may call it, and XDP programs never are. */
  readonly mightSleep: boolean;
  /**
   * The map types the helper's map argument may be, where the helper itself
   * restricts them (check_map_func_compatibility's second switch).
   */
  readonly mapTypes?: readonly number[];
  /** How xdpsim runs the helper, or why it cannot. */
  readonly impl: ((env: HelperEnv) => Helper) | Unsimulated;
}

/** `bpf_NAME` as the verifier prints a helper, or `unknown` for an id the kernel does not have. */
export function helperName(id: number): string {
  const name = id >= 0 ? BPF_FUNC_NAMES[id] : undefined;
  return name === undefined ? 'unknown' : `bpf_${name}`;
}
