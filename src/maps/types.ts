// Map type ids, flags and errnos as linux/bpf.h and errno.h number them.
import { XdpsimError } from '../errors/index.js';

export const BPF_MAP_TYPE_HASH = 1;
export const BPF_MAP_TYPE_ARRAY = 2;
export const BPF_MAP_TYPE_PROG_ARRAY = 3;
export const BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4;
export const BPF_MAP_TYPE_PERCPU_HASH = 5;
export const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
export const BPF_MAP_TYPE_STACK_TRACE = 7;
export const BPF_MAP_TYPE_CGROUP_ARRAY = 8;
export const BPF_MAP_TYPE_LRU_HASH = 9;
export const BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;
export const BPF_MAP_TYPE_LPM_TRIE = 11;
export const BPF_MAP_TYPE_ARRAY_OF_MAPS = 12;
export const BPF_MAP_TYPE_HASH_OF_MAPS = 13;
export const BPF_MAP_TYPE_DEVMAP = 14;
export const BPF_MAP_TYPE_SOCKMAP = 15;
export const BPF_MAP_TYPE_CPUMAP = 16;
export const BPF_MAP_TYPE_XSKMAP = 17;
export const BPF_MAP_TYPE_SOCKHASH = 18;
export const BPF_MAP_TYPE_QUEUE = 22;
export const BPF_MAP_TYPE_STACK = 23;
export const BPF_MAP_TYPE_DEVMAP_HASH = 25;
export const BPF_MAP_TYPE_RINGBUF = 27;
export const BPF_MAP_TYPE_TASK_STORAGE = 29;
export const BPF_MAP_TYPE_BLOOM_FILTER = 30;
export const BPF_MAP_TYPE_USER_RINGBUF = 31;
export const BPF_MAP_TYPE_CGRP_STORAGE = 32;

/** Names as bpftool prints them (`bpftool map show`). */
export const MAP_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'hash',
  2: 'array',
  3: 'prog_array',
  4: 'perf_event_array',
  5: 'percpu_hash',
  6: 'percpu_array',
  7: 'stack_trace',
  8: 'cgroup_array',
  9: 'lru_hash',
  10: 'lru_percpu_hash',
  11: 'lpm_trie',
  12: 'array_of_maps',
  13: 'hash_of_maps',
  14: 'devmap',
  15: 'sockmap',
  16: 'cpumap',
  17: 'xskmap',
  18: 'sockhash',
  22: 'queue',
  23: 'stack',
  25: 'devmap_hash',
  27: 'ringbuf',
  30: 'bloom_filter',
};

// Update flags.
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_F_LOCK = 4;

// Map creation flags.
export const BPF_F_NO_PREALLOC = 1 << 0;
export const BPF_F_NO_COMMON_LRU = 1 << 1;
export const BPF_F_NUMA_NODE = 1 << 2;
export const BPF_F_RDONLY = 1 << 3;
export const BPF_F_WRONLY = 1 << 4;
/** Hash maps: hash with seed 0 rather than a random one, for tests (root only). */
export const BPF_F_ZERO_SEED = 1 << 6;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;
export const BPF_F_MMAPABLE = 1 << 10;
export const BPF_F_PRESERVE_ELEMS = 1 << 11;
export const BPF_F_INNER_MAP = 1 << 12;
/** BPF_F_ACCESS_MASK: who may read and write, from user space or programs. */
export const BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;

export const EPERM = 1;
export const ENOENT = 2;
export const E2BIG = 7;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ERANGE = 34;
export const EDEADLK = 35;
export const EOVERFLOW = 75;
export const ENOTSOCK = 88;
export const EPROTONOSUPPORT = 93;
export const EAFNOSUPPORT = 97;
export const EOPNOTSUPP = 95;
export const ENOTSUPP = 524;

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [E2BIG]: 'E2BIG',
  [EBADF]: 'EBADF',
  [EAGAIN]: 'EAGAIN',
  [ENOMEM]: 'ENOMEM',
  [EACCES]: 'EACCES',
  [EFAULT]: 'EFAULT',
  [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST',
  [ENODEV]: 'ENODEV',
  [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC',
  [ERANGE]: 'ERANGE',
  [EOVERFLOW]: 'EOVERFLOW',
  [ENOTSOCK]: 'ENOTSOCK',
  [EAFNOSUPPORT]: 'EAFNOSUPPORT',
  [EOPNOTSUPP]: 'EOPNOTSUPP',
  [ENOTSUPP]: 'ENOTSUPP',
};

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

// Memory limits of the kernel's, for x86-64.
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** The largest single kmalloc (pages << MAX_PAGE_ORDER, 4 MiB): it bounds array values, queue values, .bss sections. */
export const KMALLOC_MAX_SIZE = PAGE_SIZE << 10;

/** The most possible CPUs a map is laid out for (a per-CPU value takes one slot each). */
export const MAX_CPUS = 4096;

/** Whether `v` is an integer a u32 field of `union bpf_attr` can hold. */
export const isU32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffff_ffff;

/** Rounds up to a multiple of 8; exact for any size a definition can hold (not only 32-bit ones). */
export const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;
