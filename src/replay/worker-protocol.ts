/**
 * The messages between a replay and its worker threads: the contract
 * between threads, so everything here crosses a postMessage (structured
 * clone: shared memory goes by reference).
 */
import type { SharedObject } from '../loader/shared.js';
import type { SharedChunk } from './chunk.js';
import type { ModeName } from './datapath.js';
import type { SharedTopology } from './topology-file.js';
import type { EngineName } from '../engine/index.js';

/** What a worker starts with (its workerData). */
export interface WorkerData {
  /** 1 to N: the worker's block of TX counters (the main thread has 0). */
  thread: number;
  object: SharedObject;
  /** The program's index among the object's programs. */
  program: number;
  engine: EngineName;
  mode: ModeName;
  topology: SharedTopology;
  /** The RX queues of the ingress device this worker polls. */
  queues: number[];
  /** Where the worker writes its outputs (a directory of its own), if the replay writes any. */
  outputs: string | undefined;
  trace: boolean;
}

export type ToWorker =
  | { type: 'begin'; chunk: SharedChunk; shift: number }
  | { type: 'run'; until: number }
  | { type: 'repeat'; chunk: SharedChunk; shift: number; step: number; times: number }
  | { type: 'close' };

/** A line a worker reported: an xdp:* tracepoint line, a bpf_printk line, or an exception's message. */
export interface WorkerLine {
  kind: 'trace' | 'printk' | 'exception';
  line: string;
}

/** Lines a worker gathered while it ran, in the order it made them. */
export interface WorkerLines {
  lines: WorkerLine[];
}

export type FromWorker =
  | { type: 'ready' }
  | ({ type: 'ran' } & WorkerLines)
  /** Lines sent on before the run that made them is done, as they pile up. */
  | ({ type: 'lines' } & WorkerLines)
  | { type: 'closed'; unwritable: number; firstProblem: string | undefined }
  /** An input the worker refused (an XdpsimError): its message. */
  | { type: 'refused'; message: string };
