// The "current task" helpers. In the kernel's test run `current` is the
// process calling BPF_PROG_TEST_RUN, not the idle task an XDP program finds
// on a NIC's receive path, so the kernel can confirm the conventions (sizes,
// truncation, zero-fill, errnos and clearing, cgroup ancestry: what holds
// for any task) but not the values; those are tested here by property.
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  getCgroupClassid,
  getCurrentAncestorCgroupId,
  getCurrentCgroupId,
  getCurrentComm,
  getCurrentPidTgid,
  getCurrentUidGid,
  getNsCurrentPidTgid,
  idleTask,
  PROC_PID_INIT_INO,
  sendSignal,
  type CurrentTask,
} from '../../src/helpers/current-task.js';
import { TaskConfigError } from '../../src/helpers/current-task.js';
import { loadObject } from '../../src/loader/load.js';
import { EINVAL, EPERM } from '../../src/uapi/errno.js';
import { skipBecause } from '../support/skip.js';
import { skipWithoutKernel } from '../oracle/support.js';
import { agree, fixture } from './agreement.js';
import { bench } from './direct.js';

const OBJ = fixture('current_task');

/** The pid namespace this process is in, as `stat` gives it. */
const ownPidNs = (() => {
  const st = statSync('/proc/self/ns/pid', { bigint: true });
  return { dev: st.dev, ino: st.ino };
})();

function conventionsFrame(dev: bigint, ino: bigint): Uint8Array {
  const f = Buffer.alloc(64);
  f.writeBigUInt64LE(dev, 16);
  f.writeBigUInt64LE(ino, 24);
  return new Uint8Array(f);
}

const WEB_WORKER: CurrentTask = {
  pid: 1234,
  tgid: 1200,
  uid: 33,
  gid: 44,
  comm: 'nginx: worker',
  kthread: false,
  cgroups: [1, 57, 3021],
  classid: 0x10001,
  pidNs: { dev: 4, ino: 0xf0000123, pid: 12, tgid: 10 },
};

const bytesAt = (b: ReturnType<typeof bench>, n: number): number[] => [...b.memory.u8.subarray(b.scratch, b.scratch + n)];

describe('the current task', () => {
  describe('against the kernel', () => {
    skipWithoutKernel();

    it('agrees on what holds for any task', (ctx) => {
      if (ownPidNs.ino !== BigInt(PROC_PID_INIT_INO)) {
        skipBecause('the tests run in a pid namespace of their own, which the idle task is not in');
        ctx.skip();
      }
      const { kernel } = agree(OBJ, 'xdp_current_conventions', [conventionsFrame(ownPidNs.dev, ownPidNs.ino)]);
      const rows = kernel.maps.rows!.slice(0, 16).map(([, v]) => Buffer.from(v as string, 'hex').readBigInt64LE(0));
      expect(rows).toEqual([
        0n, // comm into 16 bytes
        1n, // one NUL, then zeros only
        0n, // comm into 4 bytes
        1n, // the first 3 bytes and a NUL, nothing written past 4
        BigInt(-EINVAL), // a pidns_info of 4 bytes
        -0x1_0000_0000n, // whose 4 bytes are cleared
        BigInt(-EINVAL), // a dev past 32 bits
        0n,
        BigInt(-EINVAL), // another namespace
        0n,
        0n, // this namespace
        1n, // pid and tgid as bpf_get_current_pid_tgid gives them
        1n, // the root cgroup at level 0
        0n, // no level -1
        0n, // nor one past the task's own
        1n, // the task's cgroup is one of its ancestors' levels
      ]);
    });
  });

  it('is the idle task of the CPU by default: swapper/N, pid 0, root, the root cgroup, a kernel thread', () => {
    const b = bench();
    for (const cpu of [0, 1, 13]) {
      b.state.cpu = cpu;
      expect(b.call(getCurrentPidTgid(b.state))).toBe(0n);
      expect(b.call(getCurrentUidGid(b.state))).toBe(0n);
      expect(b.call(getCgroupClassid(b.state))).toBe(0n);
      expect(b.call(getCurrentCgroupId(b.state))).toBe(1n);
      expect([0, 1, -1].map((level) => b.call(getCurrentAncestorCgroupId(b.state), level))).toEqual([1n, 0n, 0n]);
      b.memory.u8.fill(0xff, b.scratch, b.scratch + 20);
      expect(b.call(getCurrentComm(b.state), b.scratch, 16)).toBe(0n);
      const comm = `swapper/${cpu}`;
      expect(bytesAt(b, 20)).toEqual([...Buffer.from(comm), ...Array(16 - comm.length).fill(0), 0xff, 0xff, 0xff, 0xff]);
      expect(idleTask(cpu).comm).toBe(comm);
    }
  });

  it('finds the idle task in the initial pid namespace, on the nsfs device stat shows', () => {
    const b = bench();
    const ns = getNsCurrentPidTgid(b.state);
    b.memory.u8.fill(0xff, b.scratch, b.scratch + 8);
    expect(b.call(ns, ownPidNs.dev, PROC_PID_INIT_INO, b.scratch, 8)).toBe(0n);
    expect(bytesAt(b, 8)).toEqual(Array(8).fill(0));
    b.memory.u8.fill(0xff, b.scratch, b.scratch + 8);
    expect(b.call(ns, ownPidNs.dev, BigInt(PROC_PID_INIT_INO) | (1n << 32n), b.scratch, 8)).toBe(BigInt(-EINVAL));
    expect(bytesAt(b, 8)).toEqual(Array(8).fill(0));
  });

  it('refuses to signal the idle task, whatever the signal: it is a kernel thread', () => {
    const b = bench();
    for (const sig of [0, 9, 64, 65, -1]) {
      expect(b.call(sendSignal(b.state, 'PIDTYPE_TGID'), sig)).toBe(BigInt(-EPERM));
      expect(b.call(sendSignal(b.state, 'PIDTYPE_PID'), sig)).toBe(BigInt(-EPERM));
    }
  });

  it('answers for a task the helper state describes', () => {
    const b = bench();
    const sent: Array<[number, string]> = [];
    b.state.current = { ...WEB_WORKER, signal: (sig, type) => sent.push([sig, type]) };
    expect(b.call(getCurrentPidTgid(b.state))).toBe((1200n << 32n) | 1234n);
    expect(b.call(getCurrentUidGid(b.state))).toBe((44n << 32n) | 33n);
    expect(b.call(getCgroupClassid(b.state))).toBe(0x10001n);
    expect(b.call(getCurrentCgroupId(b.state))).toBe(3021n);
    expect([0, 1, 2, 3, 0x7fffffff].map((level) => b.call(getCurrentAncestorCgroupId(b.state), level))).toEqual([1n, 57n, 3021n, 0n, 0n]);
    // The level is an int: a high half is ignored, a negative low half finds nothing.
    expect(b.call(getCurrentAncestorCgroupId(b.state), (1n << 32n) | 1n)).toBe(57n);

    // strscpy_pad: cut to size - 1, NUL, zeros; nothing written past size.
    b.memory.u8.fill(0xff, b.scratch, b.scratch + 8);
    expect(b.call(getCurrentComm(b.state), b.scratch, 6)).toBe(0n);
    expect(bytesAt(b, 8)).toEqual([...Buffer.from('nginx'), 0, 0xff, 0xff]);
    expect(b.call(getCurrentComm(b.state), b.scratch, 1)).toBe(0n);
    expect(bytesAt(b, 2)).toEqual([0, 0x67]); // the 'g' of the earlier copy stays

    const ns = getNsCurrentPidTgid(b.state);
    expect(b.call(ns, 4, 0xf0000123, b.scratch, 8)).toBe(0n);
    expect(bytesAt(b, 8)).toEqual([12, 0, 0, 0, 10, 0, 0, 0]);
    expect(b.call(ns, 5, 0xf0000123, b.scratch, 8)).toBe(BigInt(-EINVAL));
    expect(b.call(ns, 4, PROC_PID_INIT_INO, b.scratch, 8)).toBe(BigInt(-EINVAL));

    // Signals: past 64 is -EINVAL; 0 only checks; the rest reach the task.
    expect(b.call(sendSignal(b.state, 'PIDTYPE_TGID'), 65)).toBe(BigInt(-EINVAL));
    expect(b.call(sendSignal(b.state, 'PIDTYPE_TGID'), 0)).toBe(0n);
    expect(b.call(sendSignal(b.state, 'PIDTYPE_TGID'), 15)).toBe(0n);
    expect(b.call(sendSignal(b.state, 'PIDTYPE_PID'), 64)).toBe(0n);
    expect(sent).toEqual([
      [15, 'PIDTYPE_TGID'],
      [64, 'PIDTYPE_PID'],
    ]);
  });

  it('refuses to signal the global init before looking at the signal', () => {
    const b = bench();
    b.state.current = { ...WEB_WORKER, pid: 1, tgid: 1 };
    expect(b.call(sendSignal(b.state, 'PIDTYPE_TGID'), 9)).toBe(BigInt(-EPERM));
    expect(b.call(sendSignal(b.state, 'PIDTYPE_PID'), 65)).toBe(BigInt(-EPERM));
  });

  it('refuses a task description it cannot use, at load', () => {
    const load = (current: Partial<CurrentTask>) => () => loadObject(OBJ, { current: { ...WEB_WORKER, ...current } as CurrentTask });
    expect(load({ comm: 'a name of sixteen' })).toThrow(TaskConfigError);
    expect(load({ comm: 'a name of sixteen' })).toThrow(/comm must be at most 15/);
    expect(load({ pid: -1 })).toThrow(/pid must be an integer/);
    expect(load({ cgroups: [] })).toThrow(/cgroups must list the root cgroup/);
    expect(load({ pidNs: { ...WEB_WORKER.pidNs, ino: 2 ** 32 } })).toThrow(/pidNs.ino/);
    expect(load({})).not.toThrow();
  });
});
