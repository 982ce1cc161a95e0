// How a suite says it cannot run here. A fresh clone may lack ../shared, root,
// BPF or a tool the suite checks against; it must still pass, but it must not
// look as if it checked what it did not. So each such suite prints one line
// naming what is missing and keeps it as a skipped test, so the reporter's
// count shows it too.
import { it } from 'vitest';

/** Prints `skipped: <reason>` and registers a skipped test of that name in the calling file or describe. */
export function skipBecause(reason: string): void {
  console.warn(`skipped: ${reason}`);
  it.skip(reason, () => {});
}

/**
 * For `describe.runIf`: true when nothing is missing; otherwise says what is
 * (through skipBecause) and returns false.
 */
export function runsHere(missing: string | undefined): boolean {
  if (missing === undefined) return true;
  skipBecause(missing);
  return false;
}
