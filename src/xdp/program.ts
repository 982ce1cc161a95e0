import type { BpfProgram } from '../elf/types.js';
import type { RedirectTarget, Runtime } from '../helpers/runtime.js';
import { whereInSource } from '../loader/source.js';
import { RuntimeError } from '../vm/errors.js';
import type { Interpreter } from '../vm/interpreter.js';
import type { XdpBuff } from './buff.js';
import { XDP_REDIRECT } from './constants.js';

export interface XdpRunOptions {
  /** ingress_ifindex; BPF_PROG_TEST_RUN without a context uses 1 (lo). */
  ifindex?: number;
  /** rx_queue_index. */
  queue?: number;
  /** CPU the program runs on: selects per-CPU map slots and bpf_get_smp_processor_id. */
  cpu?: number;
}

export interface XdpResult {
  /** R0 as the kernel's test run reports it: the raw u32, not clamped to 0..4. */
  verdict: number;
  /** The frame after the program, from data_meta to data_end plus fragments (BPF_PROG_TEST_RUN's data_out). */
  data: Uint8Array;
  /** Where bpf_redirect / bpf_redirect_map pointed, for XDP_REDIRECT. */
  redirect?: RedirectTarget;
}

/** One loaded XDP program, ready to run frames. */
export class XdpProgram {
  constructor(
    readonly info: BpfProgram,
    private readonly vm: Interpreter,
    private readonly runtime: Runtime,
    private readonly buff: XdpBuff,
    private readonly ctxAddress: number,
  ) {}

  get name(): string {
    return this.info.name;
  }

  get sectionName(): string {
    return this.info.sectionName;
  }

  /**
   * Runs the program on one frame as BPF_PROG_TEST_RUN would: frames under 14
   * bytes or needing more than 17 fragments throw FrameError, like its EINVAL
   * and ENOMEM. Maps keep their contents across runs.
   */
  run(frame: Uint8Array, options: XdpRunOptions = {}): XdpResult {
    const verdict = this.runVerdict(frame, options.ifindex ?? 1, options.queue ?? 0, options.cpu ?? 0);
    const result: XdpResult = { verdict, data: this.buff.output() };
    if (verdict === XDP_REDIRECT && this.runtime.redirect) result.redirect = this.runtime.redirect;
    return result;
  }

  /**
   * The per-packet path of replay and benchmarks: runs a frame and returns the
   * verdict, allocating nothing for a linear frame. The frame after the program
   * stays in the object's memory until the next run (see `output`).
   */
  runVerdict(frame: Uint8Array, ifindex: number, queue: number, cpu: number): number {
    this.buff.load(frame, ifindex, queue);
    this.runtime.cpu = cpu;
    this.runtime.ifindex = ifindex;
    this.runtime.redirect = undefined;
    const regs = this.vm.regs;
    regs[2] = this.ctxAddress;
    regs[3] = 0;
    try {
      return this.vm.run() >>> 0;
    } catch (e) {
      if (e instanceof RuntimeError) throw new RuntimeError(e.insn, `${e.reason}${whereInSource(this.info, e.insn)}`);
      throw e;
    }
  }

  /** The frame as the last run left it: data_meta to data_end, then fragments (a copy). */
  output(): Uint8Array {
    return this.buff.output();
  }
}
