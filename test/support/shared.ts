// ../shared beside the repository holds data the project does not ship: the
// bpf_conformance vectors and captures from tcpdump's test suite. A fresh
// clone has no ../shared, and its tests must still pass; CI must not pass by
// running less. So a suite asks here for the folder it needs and, when it is
// missing, gets one skipped test saying so, or under CI=true one failing test.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it } from 'vitest';
import { skipBecause } from './skip.js';

export const SHARED_DIR = resolve(import.meta.dirname, '../../../shared');

/** CI sets CI=true; some systems set CI=1. */
const inCi = process.env.CI === 'true' || process.env.CI === '1';

const HOLDS = { conformance: 'the bpf_conformance vectors', captures: "tcpdump's test captures" } as const;

/**
 * The path of ../shared/`what`, or undefined after registering one test that
 * names the missing folder: skipped, or failing under CI=true. Call it at the
 * top of a file (or inside a describe) and register the suites that read the
 * folder only when it returns a path: vitest collects even skipped suites,
 * so their bodies must not run without the data.
 */
export function sharedDir(what: 'conformance' | 'captures'): string | undefined {
  const dir = join(SHARED_DIR, what);
  if (existsSync(dir)) return dir;
  const reason = `no ../shared/${what} (${HOLDS[what]}) at ${dir}`;
  if (inCi) {
    it(`needs ../shared/${what} at ${dir}`, () => {
      throw new Error(`${reason}; under CI=true every suite must run`);
    });
  } else {
    skipBecause(reason);
  }
  return undefined;
}
