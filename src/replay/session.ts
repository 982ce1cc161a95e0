import type { ProgramSelector } from '../elf/index.js';
import type { EngineName } from '../engine/index.js';
import { formatTraceLine } from '../helpers/trace-pipe.js';
import { possibleCpus } from '../loader/cpus.js';
import { DevMap, DevMapHash } from '../maps/devmap.js';
import { loadObject, type LoadedObject } from '../loader/load.js';
import { applySetup, type MapUpdate } from '../loader/setup.js';
import type { XdpAttachment } from '../nic/attach.js';
import type { CountersSnapshot } from '../nic/counters.js';
import type { VirtualNic } from '../nic/device.js';
import type { NicEvents } from '../nic/sinks.js';
import type { Topology } from '../nic/topology.js';
import type { XdpProgram } from '../testrun/program.js';
import { followCapture } from './capture-clock.js';
import { attachXdp, rxPaths, type ModeName } from './datapath.js';
import { CaptureFeed } from './feed.js';
import { ReplayOutputs } from './outputs.js';
import type { ReplaySpeed } from './pace.js';
import { Replay, type FrameRunner, type ReplayProgress, type ReplayResult } from './replay.js';
import { ChunkRunner } from './runner.js';
import { ReplayError } from './errors.js';
import { buildTopology, TopologyError, type SharedTopology, type TopologySpec } from './topology-file.js';
import type { WorkerData } from './worker-protocol.js';
import { queuesOfWorker, WorkerPool } from './workers.js';

/** Captures up to this size in all are read once into memory and looped from there. */
export const PRELOAD_LIMIT = 64 * 1024 * 1024;

/** Most worker threads: each takes up the whole object (some 50 MB), and the host has far fewer cores. */
export const MAX_WORKERS = 64;

/** Frames a worker pool runs per round trip to its workers. */
const WORKER_SLICE = 65536;

/** Exception messages a session keeps (their count is in the counters). */
const MAX_EXCEPTIONS_KEPT = 16;

/** How far the ingress device's counters moved since the last progress event. */
export interface CounterDelta {
  packets: number;
  bytes: number;
  verdicts: { XDP_ABORTED: number; XDP_DROP: number; XDP_PASS: number; XDP_TX: number; XDP_REDIRECT: number };
}

/**
 * What a session reports while it runs, for a terminal or a server to
 * forward: progress with the counters' movement since the last one, and,
 * when tracing, each xdp:* tracepoint line and bpf_printk line as trace_pipe
 * shows them; exceptions (program faults, frames xdpsim stopped following) always.
 */
export type ReplayEvent =
  | { type: 'progress'; progress: ReplayProgress; delta: CounterDelta }
  | { type: 'trace'; line: string }
  | { type: 'printk'; line: string }
  | { type: 'exception'; message: string };

export interface ReplaySessionOptions {
  /** The object file. */
  object: string;
  select?: ProgramSelector;
  /** `const volatile` globals set before load. */
  globals?: Readonly<Record<string, bigint>>;
  captures: readonly string[];
  /** The devices; the ingress device receives the captures and runs the program. */
  topology: TopologySpec;
  rssKey?: Uint8Array;
  /** File every frame on this RX queue instead of hashing. */
  rssQueue?: number;
  mode?: ModeName;
  engine?: EngineName;
  /** Worker threads polling the RX queues; 0 (the default) polls them on this thread. */
  workers?: number;
  loops?: number;
  speed?: ReplaySpeed;
  /** Map updates before the first frame. */
  setup?: readonly MapUpdate[];
  /** Where to write the output captures (see ReplayOutputs); none without it. */
  outDir?: string;
  /** Report xdp:* tracepoint and bpf_printk lines. */
  trace?: boolean;
  preloadLimit?: number;
  progressMs?: number;
}

/**
 * A replay as a library gives it to the CLI and the control plane: the
 * object loaded, the devices made, the program attached (with the kernel's
 * refusals), the receive paths built on this thread or on workers, the
 * captures opened; then `run` replays them, `progress` and `cancel` may be
 * called meanwhile, `counters` reads any device's counters at any time, and
 * events stream to the listener.
 */
export class ReplaySession {
  /** The first exception messages. */
  readonly exceptions: string[] = [];
  private replay: Replay | undefined;
  private pool: WorkerPool | undefined;
  private ran = false;

  private constructor(
    readonly obj: LoadedObject,
    readonly program: XdpProgram,
    readonly topology: Topology,
    readonly ingress: VirtualNic,
    readonly attachment: XdpAttachment,
    readonly mode: ModeName,
    readonly outputs: ReplayOutputs | undefined,
    private readonly options: ReplaySessionOptions,
    private readonly emit: (e: ReplayEvent) => void,
  ) {}

  static async open(options: ReplaySessionOptions, listener: (e: ReplayEvent) => void = () => {}): Promise<ReplaySession> {
    const workers = options.workers ?? 0;
    const mode = options.mode ?? 'native';
    // The main thread counts as thread 0 of the devices' TX counters, the workers as 1 to N.
    const { topology, ingress, xdpReceiver } = buildTopology(options.topology, options.rssKey, workers + 1);
    if (!Number.isInteger(workers) || workers < 0 || workers > MAX_WORKERS) throw new TopologyError(`workers must be 0..${MAX_WORKERS}, not ${workers}`);
    if (workers > ingress.rxQueues) {
      throw new TopologyError(`${workers} workers: each worker polls RX queues of its own, and ${ingress.name} has ${ingress.rxQueues}`);
    }
    if (options.rssQueue !== undefined && !(options.rssQueue >= 0 && options.rssQueue < ingress.rxQueues)) {
      throw new TopologyError(`RSS queue ${options.rssQueue}: ${ingress.name} has RX queues 0..${ingress.rxQueues - 1}`);
    }
    const loops = options.loops ?? 1;
    if (!Number.isInteger(loops) || loops < 1) throw new TopologyError(`loops must be 1 or more, not ${loops}`);
    const queueOf = options.rssQueue !== undefined ? () => options.rssQueue! : ingress.rss.queue.bind(ingress.rss);
    const feed = await CaptureFeed.open(options.captures, ingress.rxQueues, queueOf, options.preloadLimit ?? PRELOAD_LIMIT);
    // A pipe or FIFO is read as it comes and cannot be read again: a second loop would find nothing, or wait for a writer forever.
    if (loops > 1 && feed.totalBytes === Infinity) throw new ReplayError(`${loops} loops need captures that are regular files: a pipe or FIFO can be read only once`);
    const trace = options.trace === true;
    const obj = loadObject(options.object, {
      ...(options.select && { select: options.select }),
      ...(options.globals && { globals: options.globals }),
      // Queue q runs as CPU q, so per-CPU maps need a slot for each.
      cpus: Math.max(possibleCpus(), ingress.rxQueues),
      contexts: ingress.rxQueues + 1,
      frameSlots: 65,
      // The chunks' frames lie in the object's memory, so frame slots load them with a copy within one buffer.
      stagingBytes: feed.stagingBytes,
      mtu: ingress.mtu,
      ...(trace && { trace: (message, cpu, ns) => listener({ type: 'printk', line: formatTraceLine(message, cpu, ns) }) }),
    });
    feed.stage(obj.staging());
    const program = obj.program(options.select);
    const attachment = attachXdp(obj, program, ingress, mode);
    // Device map entries name devices of this topology: an update naming another is refused, as the kernel refuses it.
    for (const map of obj.maps.values()) {
      if (map instanceof DevMap || map instanceof DevMapHash) map.deviceExists = (ifindex) => topology.byIfindex(ifindex) !== undefined;
    }
    if (options.setup !== undefined) applySetup(obj, options.setup);
    const outputs = options.outDir !== undefined ? new ReplayOutputs(options.outDir) : undefined;
    const session = new ReplaySession(obj, program, topology, ingress, attachment, mode, outputs, options, listener);
    // Last: nothing after it may fail and leave the workers running.
    const runner = await session.makeRunner(workers, xdpReceiver);
    let last = session.totals();
    session.replay = new Replay(feed, runner, {
      loops,
      ...(options.speed && { speed: options.speed }),
      ...(outputs && { onChunk: (chunk) => outputs.use(chunk) }),
      ...(options.progressMs !== undefined && { progressMs: options.progressMs }),
      ...(workers > 0 && { slice: WORKER_SLICE }),
      progress: (progress) => {
        const now = session.totals();
        const verdicts = Object.fromEntries(Object.entries(now.verdicts).map(([k, n]) => [k, n - last.verdicts[k as keyof CounterDelta['verdicts']]]));
        listener({ type: 'progress', progress, delta: { packets: now.packets - last.packets, bytes: now.bytes - last.bytes, verdicts: verdicts as CounterDelta['verdicts'] } });
        last = now;
      },
    });
    session.pool = runner instanceof WorkerPool ? runner : undefined;
    return session;
  }

  /** Replays the captures; once. The outputs are closed, and workers ended, when it returns. */
  async run(): Promise<ReplayResult> {
    if (this.ran) throw new ReplayError('a replay session runs once');
    this.ran = true;
    try {
      return await this.replay!.start();
    } finally {
      try {
        await this.pool?.close(this.outputs);
      } finally {
        this.outputs?.close();
        // bpf_timers cannot outlive the replay, as they cannot outlive xdpsim's process.
        this.obj.releaseMaps();
      }
    }
  }

  progress(): ReplayProgress {
    return this.replay!.progress();
  }

  /** Ends the replay after the slice under way; `run` then resolves with what was done. */
  cancel(): void {
    this.replay?.cancel();
  }

  /** A device's counters (the ingress device's unless named). */
  counters(device = this.ingress.name): CountersSnapshot {
    return this.topology.device(device).counters.snapshot();
  }

  /** Packets, bytes and verdicts of the ingress device so far. */
  totals(): CounterDelta {
    const c = this.ingress.counters;
    return {
      packets: c.rxTotal('packets'),
      bytes: c.rxTotal('bytes'),
      verdicts: {
        XDP_ABORTED: c.verdictTotal('aborted') + c.verdictTotal('invalid'),
        XDP_DROP: c.verdictTotal('drop'),
        XDP_PASS: c.verdictTotal('pass'),
        XDP_TX: c.verdictTotal('tx'),
        XDP_REDIRECT: c.verdictTotal('redirect'),
      },
    };
  }

  private exception(message: string): void {
    if (this.exceptions.length < MAX_EXCEPTIONS_KEPT) this.exceptions.push(message);
    this.emit({ type: 'exception', message });
  }

  private async makeRunner(workers: number, xdpReceiver: (dev: VirtualNic) => boolean): Promise<FrameRunner> {
    const { obj, program, topology, ingress, mode, outputs, options } = this;
    const engine = options.engine ?? 'interp';
    const trace = options.trace === true;
    if (workers === 0) {
      const events: NicEvents = {
        exception: (dev, queue, message) => this.exception(`${dev.name} queue ${queue}: ${message}`),
        ...(trace && { trace: (tracepoint, line) => this.emit({ type: 'trace', line: `${tracepoint.slice(4)}: ${line}` }) }),
      };
      const queues = Array.from({ length: ingress.rxQueues }, (_, q) => q);
      const paths = rxPaths({ obj, program, engine, topology, device: ingress, mode, queues, ...(outputs && { sinks: outputs }), events, xdpReceiver });
      return new ChunkRunner(paths, followCapture(obj), { timerFault: (message) => this.exception(`bpf_timer callback fault: ${message}`) });
    }
    const object = obj.share();
    const shared: SharedTopology = { spec: options.topology, rssKey: options.rssKey, threads: workers + 1, counters: topology.devices().map((d) => d.counters.buffer) };
    const data = Array.from({ length: workers }, (_, w): WorkerData => ({
      thread: w + 1,
      object,
      program: obj.programs.indexOf(program),
      engine,
      mode,
      topology: shared,
      queues: queuesOfWorker(ingress.rxQueues, workers, w),
      outputs: outputs?.dir,
      trace,
    }));
    return WorkerPool.start(data, (lines) => {
      for (const { kind, line } of lines.lines) {
        if (kind === 'exception') this.exception(line);
        else this.emit({ type: kind, line });
      }
    });
  }
}
