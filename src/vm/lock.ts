/**
 * Locks in the flat memory, for state that several threads share through one
 * SharedArrayBuffer: a map's bucket locks, a ring buffer's producer lock, a
 * program's `struct bpf_spin_lock`. A lock is one int32 word: 0 when free,
 * else the owner's id, with CONTENDED set once someone sleeps on it. The
 * owner id lets a caller tell its own lock from another's (taking a lock one
 * already holds is a deadlock, as lockdep would say). Uncontended, taking and
 * releasing a lock is two Atomics operations and no call into the runtime.
 */

/** Set in the lock word by a thread that sleeps on it, so the releaser wakes it. */
const CONTENDED = 0x4000_0000;

/** Attempts before a thread sleeps on the lock instead of spinning. */
const SPINS = 128;

/** The owner id of a lock word, without the CONTENDED mark; 0 when free. */
export function lockOwner(i32: Int32Array, word: number): number {
  return Atomics.load(i32, word) & ~CONTENDED;
}

/**
 * Takes the lock at int32 index `word` for `owner` (1..CONTENDED-1), waiting
 * as long as another holds it. The caller must not hold it already.
 */
export function lock(i32: Int32Array, word: number, owner: number): void {
  if (Atomics.compareExchange(i32, word, 0, owner) === 0) return;
  for (let spin = 0; ; spin++) {
    const seen = Atomics.load(i32, word);
    if (seen === 0) {
      // Take it marked contended: whoever else slept on it must still be woken at release.
      if (Atomics.compareExchange(i32, word, 0, spin >= SPINS ? owner | CONTENDED : owner) === 0) return;
      continue;
    }
    if (spin < SPINS) continue;
    if ((seen & CONTENDED) === 0 && Atomics.compareExchange(i32, word, seen, seen | CONTENDED) !== seen) continue;
    Atomics.wait(i32, word, seen | CONTENDED, 1);
  }
}

/** Takes the lock if it is free; returns whether it did. */
export function tryLock(i32: Int32Array, word: number, owner: number): boolean {
  return Atomics.compareExchange(i32, word, 0, owner) === 0;
}

/** Releases a lock the caller holds, waking one sleeper if any. */
export function unlock(i32: Int32Array, word: number): void {
  if ((Atomics.exchange(i32, word, 0) & CONTENDED) !== 0) Atomics.notify(i32, word, 1);
}
