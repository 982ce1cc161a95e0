import type { BpfProgram } from '../elf/types.js';
import { whereInSource } from '../elf/index.js';
import type { InsnArray } from '../isa/instruction.js';
import { RuntimeError } from '../vm/errors.js';
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

  run(context: ExecutionContext, slot: number, ifindex: number, queue: number): number {
    const rt = context.runtime;
    context.runDueTimers();
    const timers = rt.timers;
    // Callbacks this run gives bpf_timer_set_callback are this program's functions, named by its C lines.
    timers.program = this.program;
    const buff = context.buff;
    buff.attach(slot, ifindex, queue);
    rt.ifindex = ifindex;
    rt.redirect.clear();
    const vm = context.interpreter;
    vm.regs[2] = context.ctxAddress;
    vm.regs[3] = 0;
    let verdict: number;
    try {
      verdict = vm.run(this.insns) >>> 0;
      // The verifier refuses a program that may exit holding a socket or a lock; the run that does faults.
      if (vm.letGoOfLock()) throw new RuntimeError(vm.insn, 'bpf_spin_unlock is missing');
      rt.sockets?.checkReleased('BPF_EXIT instruction in main prog');
    } catch (e) {
      vm.letGoOfLock();
      rt.sockets?.drop();
      if (e instanceof RuntimeError) throw new RuntimeError(e.insn, `${e.reason}${whereInSource(this.program, e.insn)}`);
      throw e;
    } finally {
      buff.detach();
    }
    const arena = context.arena;
    const info = rt.redirect;
    if (info.set) {
      arena.redirectIfindex[slot] = info.ifindex;
      arena.redirectMap[slot] = info.map;
      arena.redirectKey[slot] = info.key;
      arena.redirectFlags[slot] = info.flags;
    } else if (arena.redirectMap[slot] !== undefined) {
      arena.redirectMap[slot] = undefined;
    }
    return verdict;
  }

  runBatch(context: ExecutionContext, first: number, count: number, ifindex: number, queue: number, verdicts: Uint32Array): void {
    const end = first + count;
    for (let slot = first; slot < end; slot++) {
      try {
        verdicts[slot] = this.run(context, slot, ifindex, queue);
      } catch (e) {
        if (e instanceof RuntimeError) throw new BatchFault(slot, e);
        throw e;
      }
    }
  }
}
