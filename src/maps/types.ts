// What every map type shares: its spec, its errors, the bounds of its fields.
import { XdpsimError } from '../errors/index.js';
import { ERRNO_NAMES } from '../uapi/errno.js';

/** A map operation refused with an errno, as the bpf() syscall would refuse it. */
export class MapError extends XdpsimError {
  override readonly code = 'MAP';

  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(`${message}: ${ERRNO_NAMES[errno] ?? `errno ${errno}`}`);
    this.name = 'MapError';
  }
}

/** What a map is, independent of where its definition came from. */
export interface MapSpec {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /**
   * For ARRAY_OF_MAPS / HASH_OF_MAPS: the inner map template (the kernel's
   * inner_map_fd at creation), which every inner map must match.
   */
  inner?: MapSpec;
}

/** The most possible CPUs a map is laid out for (a per-CPU value takes one slot each). */
export const MAX_CPUS = 4096;

/** Whether `v` is an integer a u32 field of `union bpf_attr` can hold. */
export const isU32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff;

/** Rounds up to a multiple of 8; exact for any size a definition can hold (not only 32-bit ones). */
export const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;
