import type { BpfProgram } from '../elf/types.js';
import type { ExecutionContext, Executable } from '../engine/index.js';
import type { RedirectTarget } from '../helpers/state.js';
import { BPF_XDP_CPUMAP, BPF_XDP_DEVMAP, XDP_REDIRECT } from '../uapi/bpf.js';
import { EINVAL } from '../uapi/errno.js';
import { FrameError } from '../xdp/frame-error.js';

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

/** The arena slot test runs copy their frame into, as the kernel copies data_in into a page of its own. */
const TEST_RUN_SLOT = 0;

/**
 * One loaded XDP program as BPF_PROG_TEST_RUN runs it: each frame is copied
 * into a frame slot of the object's test-run context, run there, and copied
 * out. For frames that already lie in an arena, run the Executable itself.
 */
export class XdpProgram {
  constructor(
    readonly info: BpfProgram,
    readonly executable: Executable,
    /** The context test runs use, made when first needed. */
    private readonly testContext: () => ExecutionContext,
  ) {}

  /** The test-run context once made, so that a run does not ask for it again. */
  private made: ExecutionContext | undefined;

  private context(): ExecutionContext {
    return (this.made ??= this.testContext());
  }

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
    const refusal = testRunRefusal(this.info);
    if (refusal) throw refusal;
    const verdict = this.runVerdict(frame, options.ifindex ?? 1, options.queue ?? 0, options.cpu ?? 0);
    const context = this.context();
    const result: XdpResult = { verdict, data: context.arena.output(TEST_RUN_SLOT) };
    const redirect = context.helperState.redirect.target();
    if (verdict === XDP_REDIRECT && redirect) result.redirect = redirect;
    return result;
  }

  /**
   * Copies a frame in and runs it, returning the verdict and allocating
   * nothing for a linear frame: the copying path that benchmarks compare
   * with the in-place one. The frame after the program stays in its slot
   * until the next run (see `output`).
   */
  runVerdict(frame: Uint8Array, ifindex: number, queue: number, cpu: number): number {
    const context = this.context();
    try {
      context.arena.load(TEST_RUN_SLOT, frame);
    } catch (e) {
      // Timers due by now fire even for a frame the kernel refuses; a run fires them itself, before the program.
      context.runDueTimers();
      throw e;
    }
    context.cpu = cpu;
    return this.executable.run(context, TEST_RUN_SLOT, ifindex, queue);
  }

  /** The frame as the last run left it: data_meta to data_end, then fragments (a copy). */
  output(): Uint8Array {
    return this.context().arena.output(TEST_RUN_SLOT);
  }
}

/**
 * bpf_prog_test_run_xdp refuses a program whose expected attach type is
 * BPF_XDP_DEVMAP or BPF_XDP_CPUMAP (sections xdp/devmap, xdp/cpumap and their
 * xdp.frags forms) with EINVAL, whatever the frame: such a program runs only
 * when a redirect reaches its map entry. Undefined for every other program.
 */
export function testRunRefusal(info: BpfProgram): FrameError | undefined {
  const attach = info.sectionDef?.expectedAttachType;
  if (attach !== BPF_XDP_DEVMAP && attach !== BPF_XDP_CPUMAP) return undefined;
  const map = attach === BPF_XDP_DEVMAP ? 'devmap' : 'cpumap';
  return new FrameError(
    EINVAL,
    `program '${info.name}' (section ${info.sectionName}) is for ${map} entries, which BPF_PROG_TEST_RUN does not run`,
  );
}
