import { RuntimeError } from '../vm/errors.js';
import { formatAddress } from '../vm/memory.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import { ptrArg, ret } from './runtime.js';

/** The lock word of a `struct bpf_spin_lock`, checked as the verifier and the kernel's lock debugging would. */
function lockArg(call: HelperCall, name: string): number {
  const lock = ptrArg(call, 1);
  if (lock & 3) throw new RuntimeError(call.insn, `${name}: lock at ${formatAddress(lock)} is not 4-byte aligned`);
  call.memory.check(lock, 4, true, call.insn);
  return lock;
}

/**
 * bpf_spin_lock(lock). One program runs at a time here, so a lock is either
 * free (0) or held (1) by this very program: taking a held lock would
 * deadlock, and is a fault, as lockdep would report it.
 */
export const spinLock: Helper = (call) => {
  const lock = lockArg(call, 'bpf_spin_lock');
  if (call.memory.view.getUint32(lock, true) !== 0) {
    throw new RuntimeError(call.insn, `bpf_spin_lock: lock at ${formatAddress(lock)} is already held (deadlock)`);
  }
  call.memory.view.setUint32(lock, 1, true);
  ret(call, 0);
};

/** bpf_spin_unlock(lock): releasing a lock that is not held is a fault. */
export const spinUnlock: Helper = (call) => {
  const lock = lockArg(call, 'bpf_spin_unlock');
  if (call.memory.view.getUint32(lock, true) === 0) {
    throw new RuntimeError(call.insn, `bpf_spin_unlock: lock at ${formatAddress(lock)} is not held`);
  }
  call.memory.view.setUint32(lock, 0, true);
  ret(call, 0);
};
