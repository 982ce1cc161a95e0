import { RegState, RegType } from './reg.js';

/** Bytes of stack one frame may use (MAX_BPF_STACK). */
export const MAX_BPF_STACK = 512;
/** Call frames, the main program's included (MAX_CALL_FRAMES). */
export const MAX_CALL_FRAMES = 8;
export const BPF_REG_SIZE = 8;

/** What one stack byte holds, as the kernel's `enum bpf_stack_slot_type`. */
export const enum SlotType {
  /** Never written: reading it is refused. */
  STACK_INVALID,
  /** Part of a spilled register, kept whole in `spilled`. */
  STACK_SPILL,
  /** Some scalar bytes. */
  STACK_MISC,
  /** Known zero. */
  STACK_ZERO,
  /** Part of a dynptr. */
  STACK_DYNPTR,
}

/** One 8-byte stack slot: the type of each byte, and the register spilled there. */
export class StackSlot {
  readonly types = new Uint8Array(BPF_REG_SIZE);
  spilled: RegState | undefined = undefined;
  /** For STACK_DYNPTR: the dynptr's kind and whether this is its first slot. */
  dynptr: { kind: 'local' | 'ringbuf'; first: boolean; refObjId: number } | undefined = undefined;

  clone(): StackSlot {
    const s = new StackSlot();
    s.types.set(this.types);
    s.spilled = this.spilled?.clone();
    s.dynptr = this.dynptr && { ...this.dynptr };
    return s;
  }

  /** A whole register spilled here (all eight bytes). */
  get isSpill(): boolean {
    return this.types[BPF_REG_SIZE - 1] === SlotType.STACK_SPILL;
  }
}

/** One call frame (the kernel's `struct bpf_func_state`). */
export class FuncState {
  /** Deepest byte used, rounded to 8 as the kernel counts allocated_stack. */
  allocatedStack = 0;

  constructor(
    readonly frameno: number,
    /** Where the caller called from (-1 for the main program). */
    readonly callsite: number,
    /** Index of the subprogram this frame runs. */
    readonly subprogno: number,
    readonly regs: RegState[] = Array.from({ length: 11 }, () => new RegState()),
    /** Slot i covers fp-8*(i+1) .. fp-8*i-1; the array reaches only as deep as the frame has written, as the kernel's grows. */
    readonly stack: (StackSlot | undefined)[] = [],
  ) {}

  /** Whether this frame runs a callback (bpf_loop, for_each_map_elem, a timer) rather than a direct call. */
  callback: { readonly helper: number; readonly retMin: number; readonly retMax: number } | undefined = undefined;

  clone(): FuncState {
    const f = new FuncState(
      this.frameno,
      this.callsite,
      this.subprogno,
      this.regs.map((r) => r.clone()),
      this.stack.map((s) => s?.clone()),
    );
    f.allocatedStack = this.allocatedStack;
    f.callback = this.callback;
    return f;
  }

  /** The slot holding stack offset `off` (negative, from the frame pointer), made on first write. */
  slot(off: number, create: boolean): StackSlot | undefined {
    const i = Math.floor((-off - 1) / BPF_REG_SIZE);
    let s = this.stack[i];
    if (!s && create) {
      s = new StackSlot();
      while (this.stack.length < i) this.stack.push(undefined);
      this.stack[i] = s;
      this.allocatedStack = Math.max(this.allocatedStack, (i + 1) * BPF_REG_SIZE);
    }
    return s;
  }

  /** The type of the byte at stack offset `off`. */
  byteType(off: number): SlotType {
    const s = this.slot(off, false);
    if (!s) return SlotType.STACK_INVALID;
    return s.types[(-off - 1) % BPF_REG_SIZE]! as SlotType;
  }
}

/** A reference the program holds and must release (a ring-buffer reservation, a socket). */
export interface Reference {
  readonly id: number;
  /** Where it was acquired, for "Unreleased reference id=N alloc_insn=M". */
  readonly insn: number;
}

/** The whole verifier state on one path (the kernel's `struct bpf_verifier_state`). */
export class VerifierState {
  /** may_goto iterations this path has taken (may_goto_depth): a loop state at another depth may prune it. */
  mayGotoDepth = 0;
  /** Callback iterations this path has entered (callback_unroll_depth): states of two iterations are no infinite loop. */
  callbackUnrollDepth = 0;
  frames: FuncState[] = [];
  refs: Reference[] = [];
  /** The bpf_spin_lock held: the id of the map value pointer it was taken through, 0 when none. */
  activeLock = 0;
  activeLockMap: unknown = undefined;
  /** Instruction this state is at. */
  insn = 0;
  /** Branch depth: how many still-unexplored branches were pushed by this path, for the kernel's limit. */
  speculative = false;

  get cur(): FuncState {
    return this.frames[this.frames.length - 1]!;
  }

  clone(): VerifierState {
    const s = new VerifierState();
    s.frames = this.frames.map((f) => f.clone());
    s.refs = this.refs.slice();
    s.activeLock = this.activeLock;
    s.activeLockMap = this.activeLockMap;
    s.insn = this.insn;
    s.mayGotoDepth = this.mayGotoDepth;
    s.callbackUnrollDepth = this.callbackUnrollDepth;
    return s;
  }

  /** Every register of every frame, and every spilled register. */
  *allRegs(): Generator<RegState> {
    for (const f of this.frames) {
      yield* f.regs;
      for (const s of f.stack) if (s?.spilled) yield s.spilled;
    }
  }
}

/** The entry state of an XDP program: R1 the context, R10 the frame pointer. */
export function entryState(): VerifierState {
  const st = new VerifierState();
  const f = new FuncState(0, -1, 0);
  f.regs[1]!.markPointer(RegType.PTR_TO_CTX);
  f.regs[10]!.markPointer(RegType.PTR_TO_STACK);
  st.frames.push(f);
  return st;
}
