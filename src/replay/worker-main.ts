/**
 * A replay's worker thread: takes up the loaded object and the topology the
 * main thread shared, builds the receive paths of its RX queues, and runs
 * their frames of each chunk it is given, as far as it is told to.
 */
import { join } from 'node:path';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { XdpsimError } from '../errors/index.js';
import { formatTraceLine } from '../helpers/trace-pipe.js';
import { attachObject } from '../loader/load.js';
import { FrameChunk, type SharedChunk } from './chunk.js';
import { followCapture } from './capture-clock.js';
import { rxPaths } from './datapath.js';
import { ReplayOutputs } from './outputs.js';
import { ChunkRunner } from './runner.js';
import { buildTopology } from './topology-file.js';
import type { FromWorker, ToWorker, WorkerData, WorkerLine } from './worker-protocol.js';

/** Lines gathered before they are sent on, mid-slice: no line is ever dropped, and memory stays bounded. */
const LINES_PER_MESSAGE = 1000;

// Imported outside a worker (a test walking every module) it does nothing.
if (parentPort !== null) serve(parentPort, workerData as WorkerData);

function serve(port: MessagePort, data: WorkerData): void {
  const post = (m: FromWorker): void => port.postMessage(m);

  let lines: WorkerLine[] = [];
  const keep = (kind: WorkerLine['kind'], line: string): void => {
    lines.push({ kind, line });
    if (lines.length >= LINES_PER_MESSAGE) {
      post({ type: 'lines', lines });
      lines = [];
    }
  };

  try {
    const obj = attachObject(data.object, {
      ...(data.trace && { trace: (message, cpu, ns) => keep('printk', formatTraceLine(message, cpu, ns)) }),
    });
    const program = obj.programs[data.program]!;
    const { topology, ingress, xdpReceiver } = buildTopology(data.topology.spec, data.topology.rssKey, data.topology.threads, {
      counters: data.topology.counters,
      thread: data.thread,
    });
    const outputs = data.outputs !== undefined ? new ReplayOutputs(join(data.outputs, `.worker-${data.thread}`)) : undefined;
    const paths = rxPaths({
      obj,
      program,
      engine: data.engine,
      topology,
      device: ingress,
      mode: data.mode,
      queues: data.queues,
      ...(outputs && { sinks: outputs }),
      events: {
        exception: (dev, queue, message) => keep('exception', `${dev.name} queue ${queue}: ${message}`),
        ...(data.trace && { trace: (tracepoint, line) => keep('trace', `${tracepoint.slice(4)}: ${line}`) }),
      },
      xdpReceiver,
    });
    const runner = new ChunkRunner(paths, followCapture(obj), {
      timerFault: (message) => keep('exception', `bpf_timer callback fault: ${message}`),
    });
    const chunks = new Map<SharedArrayBuffer, FrameChunk>();
    const use = (shared: SharedChunk): FrameChunk => {
      let chunk = chunks.get(shared.buffer);
      if (chunk === undefined) chunks.set(shared.buffer, (chunk = FrameChunk.attach(shared)));
      outputs?.use(chunk);
      return chunk;
    };
    const ran = (): void => {
      post({ type: 'ran', lines });
      lines = [];
    };
    port.on('message', (m: ToWorker) => {
      switch (m.type) {
        case 'begin':
          runner.begin(use(m.chunk), m.shift);
          return;
        case 'run':
          runner.run(m.until);
          return ran();
        case 'repeat':
          runner.repeat(use(m.chunk), m.shift, m.step, m.times);
          return ran();
        case 'close':
          outputs?.close();
          post({ type: 'closed', unwritable: outputs?.unwritable ?? 0, firstProblem: outputs?.firstProblem });
          port.close();
      }
    });
    post({ type: 'ready' });
  } catch (e) {
    if (!(e instanceof XdpsimError)) throw e;
    post({ type: 'refused', message: e.message });
  }
}
