import { readFileSync } from 'node:fs';
import type { Region, RegionSpec } from '../vm/memory.js';
import { nextArrayKey } from './array-keys.js';
import { BpfMap } from './map.js';
import type { RedirectMap } from './redirect.js';
import { NO_REFS, programById, type ObjectRefs, type RefHolder } from './refs.js';
import { BPF_EXIST, BPF_NOEXIST, BPF_XDP_CPUMAP } from '../uapi/bpf.js';
import { E2BIG, EEXIST, EINVAL, ENODEV, ENOMEM, EOVERFLOW } from '../uapi/errno.js';

/** sizeof(struct bpf_cpumap_val): u32 qsize, then the program (fd in, id out). */
const VAL_SIZE = 8;
/** The kernel's sanity limit on a CPU's queue size. */
const MAX_QSIZE = 16384;

/**
 * NR_CPUS of the running kernel (kernel_max + 1), which bounds a cpumap's
 * max_entries; 8192, the usual distribution setting, where sysfs is absent.
 */
export function kernelNrCpus(): number {
  try {
    const max = Number(readFileSync('/sys/devices/system/cpu/kernel_max', 'utf8').trim());
    if (Number.isInteger(max) && max >= 0) return max + 1;
  } catch {
    // No sysfs: not Linux.
  }
  return 8192;
}

/** One cpumap entry as the NIC layer resolves a redirect. */
export interface CpumapEntry {
  qsize: number;
  /** Id of the `xdp/cpumap` program run on the target CPU, 0 for none. */
  programId: number;
}

/**
 * BPF_MAP_TYPE_CPUMAP: one slot per CPU (the key), holding the size of the
 * queue feeding that CPU's kthread, as `struct bpf_cpumap_val`. A qsize of 0
 * empties the slot; a key that is not a possible CPU is -ENODEV. Programs can
 * only redirect into it, not look it up.
 */
export class CpuMap extends BpfMap implements RedirectMap, RefHolder {
  readonly redirectFlags = 0;
  private refs: ObjectRefs = NO_REFS;
  private base = 0;

  bindRefs(refs: ObjectRefs): void {
    this.refs = refs;
  }

  storage(): RegionSpec[] {
    return [{ name: `map:${this.spec.name}:cpus`, size: this.spec.maxEntries * VAL_SIZE, writable: false }];
  }

  protected bindStorage(regions: readonly Region[]): void {
    this.base = regions[0]!.start;
  }

  private slot(cpu: number): number {
    if (cpu >= this.spec.maxEntries) return 0;
    const at = this.base + cpu * VAL_SIZE;
    return this.memory.view.getUint32(at, true) === 0 ? 0 : at;
  }

  /** The verifier lets programs pass a cpumap to bpf_redirect_map only. */
  lookup(): number {
    return 0;
  }

  protected userValue(key: number): number {
    return this.slot(this.memory.view.getUint32(key, true));
  }

  /** The entry for CPU `cpu` (a u32), for resolving a redirect. */
  entryAt(cpu: number): CpumapEntry | undefined {
    const at = this.slot(cpu >>> 0);
    if (at === 0) return undefined;
    return { qsize: this.memory.view.getUint32(at, true), programId: this.memory.view.getUint32(at + 4, true) };
  }

  /** The queue size of the entry for `cpu`, 0 when there is none (an entry's qsize is never 0): no object per frame. */
  qsizeAt(cpu: number): number {
    const at = this.slot(cpu >>> 0);
    return at === 0 ? 0 : this.memory.view.getUint32(at, true);
  }

  /** The id of the program of the entry for `cpu`, 0 when it has none (or there is no entry). */
  programIdAt(cpu: number): number {
    const at = this.slot(cpu >>> 0);
    return at === 0 ? 0 : this.memory.view.getUint32(at + 4, true);
  }

  hasRedirectTarget(key: number): boolean {
    return this.slot(key >>> 0) !== 0;
  }

  update(key: number, value: number, flags: number): number {
    const view = this.memory.view;
    if (flags > BPF_EXIST) return -EINVAL;
    const cpu = view.getUint32(key, true);
    if (cpu >= this.spec.maxEntries) return -E2BIG;
    if (flags === BPF_NOEXIST) return -EEXIST;
    const qsize = view.getUint32(value, true);
    const progFd = this.spec.valueSize === VAL_SIZE ? view.getInt32(value + 4, true) : 0;
    if (qsize > MAX_QSIZE) return -EOVERFLOW;
    if (cpu >= this.cpus) return -ENODEV;
    const at = this.base + cpu * VAL_SIZE;
    let programId = 0;
    if (qsize !== 0 && progFd > 0) {
      // The kernel reports a program it cannot attach as a failed entry allocation.
      if (programById(this.refs, progFd)?.expectedAttachType !== BPF_XDP_CPUMAP) return -ENOMEM;
      programId = progFd;
    }
    view.setUint32(at, qsize, true);
    view.setUint32(at + 4, qsize === 0 ? 0 : programId, true);
    return 0;
  }

  delete(key: number): number {
    const cpu = this.memory.view.getUint32(key, true);
    if (cpu >= this.spec.maxEntries) return -EINVAL;
    this.memory.view.setBigUint64(this.base + cpu * VAL_SIZE, 0n, true);
    return 0;
  }

  nextKey(key: number, next: number): number {
    return nextArrayKey(this.memory.view, key, next, this.spec.maxEntries);
  }
}
