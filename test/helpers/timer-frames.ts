// Frames and readings for test/fixtures/objects/timers.bpf.c, shared by the
// kernel agreement tests and the simulated-clock tests of bpf_timer.
import type { LoadedObject } from '../../src/loader/load.js';
import * as bpf from '../../src/uapi/bpf.js';
import * as errno from '../../src/uapi/errno.js';
import * as time from '../../src/uapi/time.js';

export const OP = {
  INIT: 0,
  SET_CALLBACK: 1,
  START: 2,
  CANCEL: 3,
  DELETE: 4,
  UPDATE: 5,
  READ: 6,
  REARM: 7,
  CANCEL_IN_CALLBACK: 8,
  DELETE_IN_CALLBACK: 9,
  RECORD_TIME: 10,
} as const;

/** The fixture's maps, by the index byte 15 of a frame carries. */
export const ARRAY = 0;
export const HASH = 1;
export const LRU = 2;
export const MAP_NAMES = ['timers', 'htimers', 'lrutimers'] as const;

// As BigInts: the fixture's arguments and results are 64-bit.
export const CLOCK_REALTIME = BigInt(time.CLOCK_REALTIME);
export const CLOCK_MONOTONIC = BigInt(time.CLOCK_MONOTONIC);
export const CLOCK_BOOTTIME = BigInt(time.CLOCK_BOOTTIME);
export const BPF_F_TIMER_ABS = BigInt(bpf.BPF_F_TIMER_ABS);
export const BPF_F_TIMER_CPU_PIN = BigInt(bpf.BPF_F_TIMER_CPU_PIN);

export const EPERM = BigInt(errno.EPERM);
export const EINVAL = BigInt(errno.EINVAL);
export const EBUSY = BigInt(errno.EBUSY);
export const EDEADLK = BigInt(errno.EDEADLK);
/** What the fixture writes when the element to act on is not in the map. */
export const NO_ELEMENT = -2000n;

/** One operation: `arg` is init's flags, start's nsecs or a re-arm count; `arg2` start's flags or the re-arm period. */
export function frame(op: number, map: number, key: number, arg = 0n, arg2 = 0n): Uint8Array {
  const b = Buffer.alloc(60);
  b[14] = op;
  b[15] = map;
  b.writeUInt32LE(key, 16);
  b.writeBigUInt64LE(BigInt.asUintN(64, arg), 20);
  b.writeBigUInt64LE(BigInt.asUintN(64, arg2), 28);
  return new Uint8Array(b);
}

/** An element as the fixture lays it out (struct elem), the 16 timer bytes last. */
export interface Elem {
  fired: bigint;
  keySeen: number;
  selfFound: number;
  cancelResult: bigint;
  startResult: bigint;
  deleteResult: bigint;
  order: bigint;
  cpu: number;
  at: bigint;
  timer: string;
}

export function elem(value: Uint8Array | string): Elem {
  const b = typeof value === 'string' ? Buffer.from(value, 'hex') : Buffer.from(value);
  return {
    fired: b.readBigUInt64LE(0),
    keySeen: b.readUInt32LE(8),
    selfFound: b.readUInt32LE(12),
    cancelResult: b.readBigInt64LE(16),
    startResult: b.readBigInt64LE(24),
    deleteResult: b.readBigInt64LE(32),
    order: b.readBigUInt64LE(56),
    cpu: b.readUInt32LE(64),
    at: b.readBigUInt64LE(72),
    timer: b.subarray(80, 96).toString('hex'),
  };
}

/** The first `n` results the fixture wrote to `rows`, from a dump of hex values. */
export function results(rows: ReadonlyArray<readonly [string, unknown]>, n: number): bigint[] {
  return rows.slice(0, n).map(([, v]) => Buffer.from(v as string, 'hex').readBigInt64LE(0));
}

/** An element of one of the fixture's maps in a loaded object, or undefined when the key is not there. */
export function elemOf(obj: LoadedObject, map: number, key: number): Elem | undefined {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(key);
  const v = obj.map(MAP_NAMES[map]!).lookupElem(new Uint8Array(k));
  if (v === undefined || Array.isArray(v)) return undefined;
  return elem(v);
}

/** What the fixture wrote to `rows` in a loaded object, in order. */
export function objResults(obj: LoadedObject, n: number): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const k = Buffer.alloc(4);
    k.writeUInt32LE(i);
    out.push(Buffer.from(obj.map('rows').lookupElem(new Uint8Array(k)) as Uint8Array).readBigInt64LE(0));
  }
  return out;
}
