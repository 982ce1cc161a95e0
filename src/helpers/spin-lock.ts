import { RuntimeError } from '../vm/errors.js';
import { lock, lockOwner, unlock } from '../vm/lock.js';
import { formatAddress } from '../vm/memory.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import { ptrArg } from './state.js';

/**
 * The int32 index of the lock word of a `struct bpf_spin_lock`, checked as
 * the verifier and the kernel's lock debugging would.
 */
function lockArg(call: HelperCall, lo: number, hi: number, name: string): number {
  const lock = ptrArg(call, 1, lo, hi);
  if (lock & 3) throw new RuntimeError(call.insn, `${name}: lock at ${formatAddress(lock)} is not 4-byte aligned`);
  call.memory.check(lock, 4, true, call.insn);
  return lock >>> 2;
}

/**
 * bpf_spin_lock(lock): waits while a program on another CPU (another
 * execution context, in this thread or another) holds the lock, then takes
 * it for this context (src/vm/lock.ts). Taking a lock this context holds
 * would deadlock, and is a fault, as lockdep would report it.
 */
export const spinLock: Helper = (call, r1, _r2, _r3, _r4, _r5, h1) => {
  const word = lockArg(call, r1, h1, 'bpf_spin_lock');
  if (lockOwner(call.memory.i32, word) === call.lockOwner) {
    throw new RuntimeError(call.insn, `bpf_spin_lock: lock at ${formatAddress(word << 2)} is already held (deadlock)`);
  }
  // The verifier's rule: one lock at a time.
  if (call.heldLock !== 0) throw new RuntimeError(call.insn, 'Locking two bpf_spin_locks are not allowed');
  lock(call.memory.i32, word, call.lockOwner);
  call.heldLock = word + 1;
  return 0;
};

/** bpf_spin_unlock(lock): releasing a lock that this context does not hold is a fault. */
export const spinUnlock: Helper = (call, r1, _r2, _r3, _r4, _r5, h1) => {
  const word = lockArg(call, r1, h1, 'bpf_spin_unlock');
  if (lockOwner(call.memory.i32, word) !== call.lockOwner) {
    throw new RuntimeError(call.insn, `bpf_spin_unlock: lock at ${formatAddress(word << 2)} is not held by this program`);
  }
  unlock(call.memory.i32, word);
  call.heldLock = 0;
  return 0;
};
