// A verifier that accepts whatever it is given: what a program meets when
// xdpsim's verifier is wrong. The tests that use it show that the runtime
// still stops such a program with a clean fault, in the verifier's words,
// and that the simulator stays whole. A test file takes it with
//
//   vi.mock('../../src/loader/verify.js', async (real) =>
//     (await import('../support/wrong-verifier.js')).wrongVerifierModule(await real()));
//
// and loads inside pastWrongVerifier; every other load is verified as ever.
import type * as Verify from '../../src/loader/verify.js';
import type { Io } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';

let wrong = false;

/** Runs `load` with every program accepted, as a wrong verifier would accept it. */
export function pastWrongVerifier<T>(load: () => T): T {
  wrong = true;
  try {
    return load();
  } finally {
    wrong = false;
  }
}

/** The verify module with verifyDecoded accepting every program inside pastWrongVerifier. */
export function wrongVerifierModule(real: typeof Verify): typeof Verify {
  return {
    ...real,
    verifyDecoded: (object, prog, insns, specs, options) =>
      wrong ? { program: prog.name, section: prog.sectionName, accepted: true, log: '' } : real.verifyDecoded(object, prog, insns, specs, options),
  };
}

/** The CLI run in this process past the wrong verifier: its exit status and what it wrote. */
export async function cliPastWrongVerifier(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stderrIsTTY: false,
    stdin: () => Promise.resolve(Buffer.alloc(0)),
    drain: () => Promise.resolve(),
  };
  wrong = true;
  try {
    const code = await main(args, io);
    return { code, stdout, stderr };
  } finally {
    wrong = false;
  }
}
