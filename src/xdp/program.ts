import type { BpfProgram } from '../elf/types.js';
import type { RedirectTarget, Runtime } from '../helpers/runtime.js';
import { whereInSource } from '../loader/source.js';
import { BPF_XDP_CPUMAP, BPF_XDP_DEVMAP } from '../maps/refs.js';
import { EINVAL } from '../maps/types.js';
import { RuntimeError } from '../vm/errors.js';
import type { Interpreter } from '../vm/interpreter.js';
import { FrameError, type XdpBuff } from './buff.js';
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
   * and ENOMEM, and so does every frame of a program for devmap or cpumap
   * entries. Maps keep their contents across runs.
   */
  run(frame: Uint8Array, options: XdpRunOptions = {}): XdpResult {
    checkTestRun(this.info);
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
    // Timers that came due since the last run fire first, as the timer softirq runs between packets.
    const timers = this.runtime.timers;
    if (timers.queued !== 0) timers.runDue();
    // Callbacks this run gives bpf_timer_set_callback are this program's functions, named by its C lines.
    timers.program = this.info;
    this.buff.load(frame, ifindex, queue);
    this.runtime.cpu = cpu;
    this.runtime.ifindex = ifindex;
    this.runtime.redirect = undefined;
    const regs = this.vm.regs;
    regs[2] = this.ctxAddress;
    regs[3] = 0;
    try {
      const verdict = this.vm.run() >>> 0;
      // The verifier refuses a program that may exit holding a socket; the run that does faults.
      this.runtime.sockets?.checkReleased('BPF_EXIT instruction in main prog');
      return verdict;
    } catch (e) {
      this.runtime.sockets?.drop();
      if (e instanceof RuntimeError) throw new RuntimeError(e.insn, `${e.reason}${whereInSource(this.info, e.insn)}`);
      throw e;
    }
  }

  /** The frame as the last run left it: data_meta to data_end, then fragments (a copy). */
  output(): Uint8Array {
    return this.buff.output();
  }
}

/**
 * bpf_prog_test_run_xdp refuses a program whose expected attach type is
 * BPF_XDP_DEVMAP or BPF_XDP_CPUMAP (sections xdp/devmap, xdp/cpumap and their
 * xdp.frags forms) with EINVAL, whatever the frame: such a program runs only
 * when a redirect reaches its map entry.
 */
function checkTestRun(info: BpfProgram): void {
  const attach = info.sectionDef?.expectedAttachType;
  if (attach !== BPF_XDP_DEVMAP && attach !== BPF_XDP_CPUMAP) return;
  const map = attach === BPF_XDP_DEVMAP ? 'devmap' : 'cpumap';
  throw new FrameError(
    EINVAL,
    `program '${info.name}' (section ${info.sectionName}) is for ${map} entries, which BPF_PROG_TEST_RUN does not run`,
  );
}
