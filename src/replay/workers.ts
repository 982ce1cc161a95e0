import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ReplayError } from './errors.js';
import type { FrameChunk } from './chunk.js';
import type { ReplayOutputs } from './outputs.js';
import type { FrameRunner } from './replay.js';
import type { FromWorker, ToWorker, WorkerData, WorkerLines } from './worker-protocol.js';

/** Refused by a worker as it took up the object (the same refusal one thread would meet). */
export class WorkerRefusal extends ReplayError {}

/**
 * The worker's module: beside this one once built. Run from the TypeScript
 * sources (vitest), it is the build's, since a worker cannot load .ts files;
 * `npm test` builds first.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/replay/worker-main.js', here) : new URL('./worker-main.js', here);
}

/** RX queue q is polled by worker q mod N, so each worker gets every Nth queue. */
export function queuesOfWorker(queues: number, workers: number, worker: number): number[] {
  return Array.from({ length: queues }, (_, q) => q).filter((q) => q % workers === worker);
}

interface Pending {
  resolve: (m: FromWorker) => void;
  reject: (e: Error) => void;
}

/**
 * The worker threads of a replay, as one FrameRunner: each polls its own RX
 * queues of every chunk, all at once, over the chunk's shared memory;
 * `run` resolves when every worker has run its frames below `until`. What
 * they report (trace lines, printk lines, exceptions) comes to `lines`
 * after each run, in worker order.
 */
export class WorkerPool implements FrameRunner {
  private readonly pending: Array<Pending | undefined>;

  private constructor(
    private readonly workers: Worker[],
    private readonly lines: (l: WorkerLines) => void,
  ) {
    this.pending = workers.map(() => undefined);
    workers.forEach((w, i) => {
      w.on('message', (m: FromWorker) => this.settle(i, m));
      w.on('error', (e) => this.fail(i, e));
      w.on('exit', (code) => this.fail(i, new Error(`replay worker ${i + 1} exited (status ${code})`)));
    });
  }

  /** Starts one worker per element of `data`, resolving once every one has taken up the object; a WorkerRefusal when one refuses it. */
  static async start(data: readonly WorkerData[], lines: (l: WorkerLines) => void): Promise<WorkerPool> {
    const workers = data.map((d) => new Worker(workerUrl(), { workerData: d }));
    const pool = new WorkerPool(workers, lines);
    try {
      await Promise.all(workers.map((_, i) => pool.expect(i, 'ready')));
    } catch (e) {
      await pool.terminate();
      throw e;
    }
    return pool;
  }

  async begin(chunk: FrameChunk, shiftSec: number): Promise<void> {
    this.broadcast({ type: 'begin', chunk: chunk.shared, shift: shiftSec });
  }

  async run(until: number): Promise<void> {
    await this.exchange({ type: 'run', until });
  }

  async repeat(chunk: FrameChunk, shiftSec: number, stepSec: number, times: number): Promise<void> {
    await this.exchange({ type: 'repeat', chunk: chunk.shared, shift: shiftSec, step: stepSec, times });
  }

  /** Sends every worker `m` and waits for each to have run it. */
  private async exchange(m: ToWorker): Promise<void> {
    const replies = this.workers.map((_, i) => this.expect(i, 'ran'));
    this.broadcast(m);
    for (const r of await Promise.all(replies)) if (r.type === 'ran') this.lines(r);
  }

  /** Closes every worker's outputs and takes them into `outputs` (from DIR/.worker-N), then ends the workers. */
  async close(outputs: ReplayOutputs | undefined): Promise<void> {
    const replies = this.workers.map((_, i) => this.expect(i, 'closed'));
    this.broadcast({ type: 'close' });
    const closed = await Promise.all(replies);
    if (outputs !== undefined) {
      closed.forEach((m, i) => {
        if (m.type === 'closed') outputs.addUnwritable(m.unwritable, m.firstProblem);
        outputs.absorb(join(outputs.dir, `.worker-${i + 1}`));
      });
    }
    await this.terminate();
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private broadcast(m: ToWorker): void {
    for (const w of this.workers) w.postMessage(m);
  }

  private expect(i: number, type: FromWorker['type']): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      this.pending[i] = {
        resolve: (m) => {
          if (m.type === 'refused') reject(new WorkerRefusal(m.message));
          else if (m.type !== type) reject(new Error(`replay worker ${i + 1} said ${m.type}, not ${type}`));
          else resolve(m);
        },
        reject,
      };
    });
  }

  private settle(i: number, m: FromWorker): void {
    if (m.type === 'lines') {
      this.lines(m);
      return;
    }
    const p = this.pending[i];
    this.pending[i] = undefined;
    p?.resolve(m);
  }

  private fail(i: number, e: Error): void {
    const p = this.pending[i];
    this.pending[i] = undefined;
    p?.reject(e);
  }
}
