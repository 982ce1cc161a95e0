import type { BpfProgram } from '../elf/types.js';
import { whereInSource } from '../elf/index.js';
import type { InsnArray } from '../isa/instruction.js';
import type { HelperState } from '../helpers/state.js';
import { XDP_ABORTED } from '../uapi/bpf.js';
import { RuntimeError } from '../vm/errors.js';
import type { Interpreter } from '../vm/interpreter.js';
import type { ExecutionContext } from './context.js';
import type { EngineName, Executable } from './executable.js';
import { BatchFault } from './fault.js';

/** A program run by the reference interpreter, on the interpreter state each context keeps. */
export class InterpretedProgram implements Executable {
  readonly engine: EngineName = 'interp';

  constructor(
    readonly program: BpfProgram,
    private readonly insns: InsnArray,
  ) {}

  run(context: ExecutionContext, slot: number, ifindex: number, queue: number, egressIfindex = 0): number {
    const state = context.helperState;
    context.runDueTimers();
    // Callbacks this run gives bpf_timer_set_callback are this program's functions, named by its C lines.
    state.timers.program = this.program;
    context.buff.attach(slot, ifindex, queue, egressIfindex);
    state.ifindex = ifindex;
    const info = state.redirect;
    if (info.set) info.clear();
    // The slot forgets its last frame's target before this run, so a run that faults leaves none behind.
    const arena = context.arena;
    if (arena.redirectIfindex[slot] !== 0 || arena.redirectMap[slot] !== undefined) {
      arena.redirectIfindex[slot] = 0;
      arena.redirectMap[slot] = undefined;
    }
    const vm = context.interpreter;
    const regs = vm.regs;
    regs[2] = context.ctxAddress;
    regs[3] = 0;
    let verdict: number;
    try {
      verdict = vm.run(this.insns) >>> 0;
    } catch (e) {
      throw this.fault(vm, state, e);
    }
    if (vm.heldLock !== 0 || state.sockets !== undefined) this.checkExit(vm, state);
    if (info.set) {
      arena.redirectIfindex[slot] = info.ifindex;
      arena.redirectMap[slot] = info.map;
      arena.redirectKey[slot] = info.key;
      arena.redirectFlags[slot] = info.flags;
    }
    return verdict;
  }

  /** The verifier refuses a program that may exit holding a lock or a socket; the run that does faults. */
  private checkExit(vm: Interpreter, state: HelperState): void {
    try {
      if (vm.letGoOfLock()) throw new RuntimeError(vm.insn, 'bpf_spin_unlock is missing');
      state.sockets?.checkReleased('BPF_EXIT instruction in main prog');
    } catch (e) {
      throw this.fault(vm, state, e);
    }
  }

  /** A run that faults lets go of its lock and drops its sockets; the fault names the C line. */
  private fault(vm: Interpreter, state: HelperState, e: unknown): unknown {
    vm.letGoOfLock();
    state.sockets?.drop();
    return e instanceof RuntimeError ? new RuntimeError(e.insn, `${e.reason}${whereInSource(this.program, e.insn)}`) : e;
  }

  runBatch(context: ExecutionContext, first: number, count: number, ifindex: number, queue: number, verdicts: Uint32Array): void {
    const end = first + count;
    for (let slot = first; slot < end; slot++) {
      try {
        verdicts[slot] = this.run(context, slot, ifindex, queue);
      } catch (e) {
        // A faulting frame reads as XDP_ABORTED, not as whatever its slot's last frame returned.
        verdicts[slot] = XDP_ABORTED;
        if (e instanceof RuntimeError) throw new BatchFault(slot, e);
        throw e;
      }
    }
  }
}
