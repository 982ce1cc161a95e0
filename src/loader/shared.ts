/**
 * One loaded object shared by threads: what a LoadedObject hands to a worker
 * (LoadedObject.share) so that the worker lays the same object out over the
 * same memory (attachObject), and what cannot be shared. Its own file because
 * it is the contract between threads: everything here crosses a postMessage.
 */
import type { FibTable } from '../helpers/fib-table.js';
import type { LoadOptions } from './load.js';
import { LoadError } from './errors.js';

/**
 * The load options that shape an object's layout or what its programs see,
 * all of them structured-cloneable. The rest of LoadOptions is per thread
 * (AttachOptions) or refused (see `unshareable`).
 */
export type SharedLoadOptions = Omit<LoadOptions, 'trace' | 'now' | 'fib' | 'sockets'>;

/**
 * A loaded object as another thread can take it up: structured-cloneable,
 * so a Worker's workerData or a postMessage carries it. The buffer is the
 * object's memory itself (not a copy): maps, `.rodata`/`.data`/`.bss`,
 * per-CPU slabs and execution contexts.
 */
export interface SharedObject {
  /** The object file as it was loaded. */
  readonly bytes: Uint8Array;
  /** As it was loaded, `globals` (`--set`) and the SYN cookie secret included, so every thread's programs are the same. */
  readonly options: SharedLoadOptions;
  /** The object's memory: maps (their frozen marks included), global data, contexts. */
  readonly buffer: SharedArrayBuffer;
  /** By program, in object order: the instructions the loading thread's verifier found no path reaches. */
  readonly deadCode: ReadonlyArray<readonly number[]>;
}

/**
 * What each thread attached to an object has of its own, as functions and
 * tables that cannot cross threads. Each thread also has its own clock
 * (simulated time that one thread holds with `advanceTo` does not move
 * another's), its own executables, and its own map objects over the shared
 * maps (each with its own scratch slot for user-space calls).
 */
export interface AttachOptions {
  /** Where this thread's bpf_trace_printk messages go (LoadOptions.trace); default: discarded. */
  trace?: LoadOptions['trace'];
  /** This thread's source of CLOCK_MONOTONIC (LoadOptions.now); default: the host's, which every thread reads alike. */
  now?: LoadOptions['now'];
  /** Devices, routes and neighbours for bpf_fib_lookup: only read, so each thread may pass its own copy of the same table. */
  fib?: FibTable;
}

/** An object that cannot be shared with another thread, and why. */
export class ShareError extends LoadError {
  constructor(message: string) {
    super(message);
    this.name = 'ShareError';
  }
}

/** What of a loaded object keeps state outside its shared memory, for `unshareable`. */
export interface ThreadBoundState {
  /** Maps whose values hold a bpf_timer. */
  timerMaps: readonly string[];
  /** XSKMAPs. */
  socketMaps: readonly string[];
  /** Whether it was loaded with a socket table. */
  sockets: boolean;
}

/**
 * Why an object cannot be shared, or undefined. Refused rather than let the
 * threads drift apart: bpf_timers live in the thread that armed them (their
 * queue and callbacks are JavaScript objects), an XSKMAP keeps its sockets'
 * ids in its map object, and a socket table keeps each listener's SYN queue
 * state and each run's references in the loading thread.
 */
export function unshareable(state: ThreadBoundState): string | undefined {
  const why = (what: string): string => `the object cannot be shared with another thread: ${what}`;
  if (state.timerMaps.length > 0) {
    return why(`map '${state.timerMaps[0]}' holds bpf_timers, whose state lives in the thread that arms them`);
  }
  if (state.socketMaps.length > 0) return why(`XSKMAP '${state.socketMaps[0]}' keeps its sockets in the loading thread`);
  if (state.sockets) return why('its socket table (listeners\' SYN queue state, references held by runs) lives in the loading thread');
  return undefined;
}
