import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * Possible CPUs as libbpf counts them (libbpf_num_possible_cpus): the highest
 * index in /sys/devices/system/cpu/possible plus one. Per-CPU map values have
 * this many slots, so dumps line up with the kernel's.
 */
export function possibleCpus(): number {
  try {
    const text = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
    let max = 0;
    for (const part of text.split(',')) max = Math.max(max, Number(part.split('-').pop()));
    if (Number.isInteger(max) && max >= 0) return max + 1;
  } catch {
    // Not Linux, or no sysfs: fall back to the CPUs the OS reports.
  }
  return Math.max(1, cpus().length);
}
