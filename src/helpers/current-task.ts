// The task an XDP program interrupts, and the helpers that ask about it
// (kernel/bpf/helpers.c, kernel/trace/bpf_trace.c, net/core/filter.c).
//
// An XDP program runs in the NIC's receive softirq, where `current` is
// whatever task the CPU was running when the interrupt came. A simulated NIC
// delivers to an otherwise idle CPU, so by default `current` is that CPU's
// idle task: swapper/N, pid 0, root, the root cgroup, the initial
// namespaces, and a kernel thread (no user memory, no signals). A HelperState may
// describe another task instead, e.g. a process that sent the packet through
// a veth and had the softirq run on its way out of the syscall.
import { statSync } from 'node:fs';
import { XdpsimError } from '../errors/index.js';
import { EINVAL, EPERM } from '../uapi/errno.js';
import type { Helper } from '../vm/helper.js';
import { ptrArg, type HelperState } from './state.js';

/** TASK_COMM_LEN: task->comm holds at most 15 bytes and a NUL. */
export const TASK_COMM_LEN = 16;
/** PROC_PID_INIT_INO: the inode of the initial pid namespace in nsfs, fixed by the kernel. */
export const PROC_PID_INIT_INO = 0xeffffffc;
/** The root cgroup's id: its kernfs node, the first one allocated (ids start at 1). */
export const ROOT_CGROUP_ID = 1;
/** _NSIG: signals are numbered 1 to 64 (0 only checks that one could be sent). */
const NSIG = 64;
/** sizeof(struct bpf_pidns_info): u32 pid, u32 tgid. */
const PIDNS_INFO_SIZE = 8;

/** The pid namespace a task sees: nsfs's device and the namespace's inode, and the task's numbers there. */
export interface PidNamespace {
  /** The nsfs superblock's device as the kernel keeps a dev_t (major << 20 | minor). */
  readonly dev: number;
  readonly ino: number;
  readonly pid: number;
  readonly tgid: number;
}

/** What the helpers read of `current`. */
export interface CurrentTask {
  /** task->pid and task->tgid, as the initial pid namespace numbers them. */
  readonly pid: number;
  readonly tgid: number;
  /** Real uid and gid, as the initial user namespace maps them. */
  readonly uid: number;
  readonly gid: number;
  /** task->comm: at most 15 bytes (Latin-1). */
  readonly comm: string;
  /** PF_KTHREAD: a kernel thread has no user address space, and the kernel sends it no signal from BPF. */
  readonly kthread: boolean;
  /** Ids of the task's cgroup (v2) and its ancestors, the root (level 0) first, its own cgroup last. */
  readonly cgroups: readonly number[];
  /** The net_cls classid of the task's cgroup (v1); 0 where net_cls sets none. */
  readonly classid: number;
  readonly pidNs: PidNamespace;
  /**
   * Takes the signals bpf_send_signal (PIDTYPE_TGID, the whole process) and
   * bpf_send_signal_thread (PIDTYPE_PID) send; without it they are accepted
   * and go nowhere, as to a process that ignores them.
   */
  readonly signal?: (sig: number, type: 'PIDTYPE_TGID' | 'PIDTYPE_PID') => void;
}

const u32 = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff_ffff;

/** A description of the current task that cannot be used; the message names the field. */
export class TaskConfigError extends XdpsimError {
  override readonly code = 'TASK_CONFIG';

  constructor(message: string) {
    super(message);
    this.name = 'TaskConfigError';
  }
}

/** A task description as given, or a TaskConfigError saying which field is unusable. */
export function checkCurrentTask(task: CurrentTask): CurrentTask {
  const bad = (what: string): never => {
    throw new TaskConfigError(`current task: ${what}`);
  };
  for (const field of ['pid', 'tgid', 'uid', 'gid', 'classid'] as const) {
    if (!u32(task[field])) bad(`${field} must be an integer from 0 to 2^32-1, not ${String(task[field])}`);
  }
  if (typeof task.comm !== 'string' || !new RegExp(`^[\\x01-\\xff]{0,${TASK_COMM_LEN - 1}}$`).test(task.comm)) {
    bad(`comm must be at most ${TASK_COMM_LEN - 1} Latin-1 characters without a NUL, not ${JSON.stringify(task.comm)}`);
  }
  if (!Array.isArray(task.cgroups) || task.cgroups.length === 0) bad('cgroups must list the root cgroup and each cgroup down to the task\'s own');
  for (const id of task.cgroups) if (!Number.isSafeInteger(id) || id < 1) bad(`cgroup ids are positive integers, not ${String(id)}`);
  for (const field of ['dev', 'ino', 'pid', 'tgid'] as const) {
    if (!u32(task.pidNs?.[field])) bad(`pidNs.${field} must be an integer from 0 to 2^32-1, not ${String(task.pidNs?.[field])}`);
  }
  return task;
}

let nsfsDevice: number | undefined;

/**
 * The device of this host's nsfs, as the kernel keeps it, so that a program
 * given the dev of `stat /proc/self/ns/pid` (as user space finds it) matches
 * here as it would in this host's kernel. 0 where there is no /proc.
 */
function hostNsfsDevice(): number {
  if (nsfsDevice !== undefined) return nsfsDevice;
  try {
    // glibc's st_dev spreads major and minor over 64 bits; the kernel's dev_t is major << 20 | minor.
    const dev = statSync('/proc/self/ns/pid', { bigint: true }).dev;
    const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
    const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
    nsfsDevice = (major * 0x10_0000 + minor) >>> 0;
  } catch {
    nsfsDevice = 0;
  }
  return nsfsDevice;
}

const idleTasks: CurrentTask[] = [];

/** The idle task of `cpu` (init_idle): what a softirq on an idle CPU finds as `current`. */
export function idleTask(cpu: number): CurrentTask {
  return (idleTasks[cpu] ??= {
    pid: 0,
    tgid: 0,
    uid: 0,
    gid: 0,
    comm: `swapper/${cpu}`,
    kthread: true,
    cgroups: [ROOT_CGROUP_ID],
    classid: 0,
    pidNs: { dev: hostNsfsDevice(), ino: PROC_PID_INIT_INO, pid: 0, tgid: 0 },
  });
}

/** `current` for a run: the HelperState's task, or the idle task of the CPU it runs on. */
export function currentTask(state: HelperState): CurrentTask {
  return state.current ?? idleTask(state.cpu);
}

/** bpf_get_current_pid_tgid: tgid << 32 | pid. */
export const getCurrentPidTgid = (state: HelperState): Helper => (call) => {
  const task = currentTask(state);
  return call.setR0Pair(task.pid, task.tgid);
};

/** bpf_get_current_uid_gid: gid << 32 | uid. */
export const getCurrentUidGid = (state: HelperState): Helper => (call) => {
  const task = currentTask(state);
  return call.setR0Pair(task.uid, task.gid);
};

/**
 * bpf_get_current_comm(buf, size): the name as strscpy_pad copies it, cut
 * to size - 1 bytes, a NUL, and zeros to the end of the buffer; always 0.
 */
export const getCurrentComm = (state: HelperState): Helper => (call, r1, r2, _r3, _r4, _r5, h1) => {
  const size = r2 >>> 0;
  const buf = ptrArg(call, 1, r1, h1);
  call.memory.check(buf, size, true, call.insn);
  const comm = currentTask(state).comm;
  const n = Math.min(comm.length, size - 1);
  const u8 = call.memory.u8;
  for (let i = 0; i < n; i++) u8[buf + i] = comm.charCodeAt(i);
  u8.fill(0, buf + Math.max(n, 0), buf + size);
  return 0;
};

/** bpf_get_cgroup_classid, the form without a socket buffer: the net_cls classid of `current`'s cgroup. */
export const getCgroupClassid = (state: HelperState): Helper => () => currentTask(state).classid;

/** bpf_get_current_cgroup_id: the id of `current`'s cgroup in the v2 hierarchy. */
export const getCurrentCgroupId = (state: HelperState): Helper => () => {
  const cgroups = currentTask(state).cgroups;
  return cgroups[cgroups.length - 1]!;
};

/** bpf_get_current_ancestor_cgroup_id(level): the ancestor at that level (0 the root), or 0 below 0 or past the task's own. */
export const getCurrentAncestorCgroupId = (state: HelperState): Helper => (_call, level) => {
  const cgroups = currentTask(state).cgroups;
  return level >= 0 && level < cgroups.length ? cgroups[level]! : 0;
};

/**
 * bpf_get_ns_current_pid_tgid(dev, ino, nsdata, size): `current`'s pid and
 * tgid in its pid namespace, when dev and ino name that namespace. A size
 * other than 8, a dev past 32 bits or another namespace are -EINVAL, and the
 * buffer is then zeroed.
 */
export const getNsCurrentPidTgid = (state: HelperState): Helper => (call, r1, r2, r3, r4, _r5, h1, h2, h3) => {
  const size = r4 >>> 0;
  const nsdata = ptrArg(call, 3, r3, h3);
  call.memory.check(nsdata, size, true, call.insn);
  const ns = currentTask(state).pidNs;
  // ino is compared whole (ino_t is 64 bits); a namespace's inode is a u32.
  if (size !== PIDNS_INFO_SIZE || h1 !== 0 || r1 >>> 0 !== ns.dev || h2 !== 0 || r2 >>> 0 !== ns.ino) {
    call.memory.u8.fill(0, nsdata, nsdata + size);
    return -EINVAL;
  }
  call.memory.view.setUint32(nsdata, ns.pid, true);
  call.memory.view.setUint32(nsdata + 4, ns.tgid, true);
  return 0;
};

/**
 * bpf_send_signal(sig) and bpf_send_signal_thread(sig), with the kernel's
 * checks in its order: a kernel thread (the idle task) or the global init
 * (tgid 1) is -EPERM; then, as the program runs in softirq, a signal past 64
 * is -EINVAL and the rest is queued to an irq_work. On x86 that work runs
 * from a self-IPI as soon as the program's CPU takes interrupts again, so a
 * second call does not find it busy. Signal 0 only checks.
 */
export function sendSignal(state: HelperState, type: 'PIDTYPE_TGID' | 'PIDTYPE_PID'): Helper {
  return (_call, r1) => {
    const sig = r1 >>> 0;
    const task = currentTask(state);
    if (task.kthread || task.tgid === 1) return -EPERM;
    if (sig > NSIG) return -EINVAL;
    if (sig !== 0) task.signal?.(sig, type);
    return 0;
  };
}
