import { decode } from '../isa/decode.js';
import type { InsnArray } from '../isa/instruction.js';
import { unavailableHelper } from '../verifier/helper-call.js';
import { checkProgram } from '../verifier/program.js';
import type { HelperTable } from '../vm/helper.js';
import { BPF_FUNC_ktime_get_ns } from '../uapi/func-ids.js';
import { ktimeGetNs } from '../helpers/time.js';
import { Interpreter } from '../vm/interpreter.js';
import { layoutStack } from '../vm/stack.js';
import { MemoryLayout } from '../vm/memory.js';

/** Helpers a bare program may call: the ones the conformance suite defines. */
export const BYTECODE_HELPERS: HelperTable = new Map([[BPF_FUNC_ktime_get_ns, ktimeGetNs()]]);

export interface BytecodeRunOptions {
  /** Input memory: R1 holds its address and R2 its length, as the conformance suite defines. */
  memory?: Uint8Array;
  /** Instruction budget for the run. */
  budget?: number;
  helpers?: HelperTable;
}

/** A program decoded and checked once, ready to run against input memory. */
export interface BytecodeProgram {
  readonly insns: InsnArray;
  run(options?: BytecodeRunOptions): bigint;
}

/**
 * Loads raw bytecode outside any program type (the bpf_conformance plugin
 * contract): decode, structural and register checks, then run in the reference
 * interpreter with 8 stack frames and the input memory as a writable region.
 */
export function loadBytecode(bytecode: Uint8Array, helpers: HelperTable = BYTECODE_HELPERS): BytecodeProgram {
  const insns = decode(bytecode);
  checkProgram(insns, {
    entryRegisters: [1, 2],
    helperRefusal: (id) => (helpers.has(id) ? undefined : unavailableHelper(id)),
    refuseLegacyPacketLoads: true,
    allowCallx: true,
  });
  return {
    insns,
    run(options: BytecodeRunOptions = {}): bigint {
      const input = options.memory ?? new Uint8Array(0);
      const layout = new MemoryLayout();
      const frameTops = layoutStack(layout);
      layout.add({ name: 'mem', size: input.length, writable: true });
      const memory = layout.build();
      const mem = memory.region('mem');
      memory.u8.set(input, mem.start);
      const vm = new Interpreter(memory, options.helpers ?? helpers, frameTops(memory), { budget: options.budget });
      vm.regs[2] = mem.start;
      vm.regs[4] = input.length;
      vm.run(insns);
      return vm.r0;
    },
  };
}
