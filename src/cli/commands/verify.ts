import { basename } from 'node:path';
import { verifyObject, type VerifyMode } from '../../loader/verify.js';
import { nfpDevice } from '../../nic/offload.js';
import { parseCommandArgs, readInput, UsageError, type Command } from '../command.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: "check a program as the kernel's verifier does",
  usage: `usage: xdpsim verify OBJ [--sec S | --program F] [--log-level 1|2] [--mode native|generic|offload]

Runs the program through xdpsim's verifier, which accepts and refuses what
the kernel's does, and prints the verdict and the log: on a refusal the
instruction, the kernel's reason and the C source line; with --log-level 2
the register state at every instruction. Exits 0 when the program is
accepted, 1 when it is refused.

  --sec S          the program in ELF section S (its first, as iproute2 picks)
  --program F      the program whose function is F
  --log-level N    1: instructions and the refusal; 2: states as well
  --mode M         native and generic accept the same programs; offload binds
                   the program to an nfp, which refuses maps it cannot hold
                   and, from its hooks in the verifier, what its JIT cannot
                   translate (helpers, pointer kinds, map writes, 64-bit
                   multiply and divide, stack), in the driver's words`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      sec: { type: 'string' },
      program: { type: 'string' },
      'log-level': { type: 'string' },
      mode: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('expected one object file');
    const level = String(values['log-level'] ?? '1');
    if (level !== '1' && level !== '2') throw new UsageError(`--log-level must be 1 or 2, not ${level}`);
    const mode = String(values.mode ?? 'native');
    if (mode !== 'native' && mode !== 'generic' && mode !== 'offload') throw new UsageError(`unknown mode ${mode}`);
    const path = positionals[0]!;
    const bytes = new Uint8Array(await readInput(path, io));
    const select = {
      ...(typeof values.sec === 'string' && { section: values.sec }),
      ...(typeof values.program === 'string' && { program: values.program }),
    };
    const outcome = verifyObject(bytes, {
      select,
      mode: mode as VerifyMode,
      // Offload binds the program to an nfp: its map and flag checks first, then its hooks in the verifier.
      ...(mode === 'offload' && { device: nfpDevice() }),
      logLevel: level === '2' ? 2 : 1,
      ...(path !== '-' && { fileName: basename(path) }),
    });
    if (!outcome.accepted || level === '2') io.stdout(outcome.log);
    if (outcome.accepted) {
      io.stdout(`program '${outcome.program}' (section ${outcome.section}): accepted, ${outcome.processed} instructions processed\n`);
      return 0;
    }
    if (outcome.device === true) {
      io.stdout(`program '${outcome.program}' (section ${outcome.section}): refused for offload: ${outcome.error} (${outcome.errno})\n`);
      return 1;
    }
    const where = outcome.source ? `\n  at ${outcome.source}` : '';
    io.stdout(`program '${outcome.program}' (section ${outcome.section}): refused at insn ${outcome.insn}: ${outcome.error} (${outcome.errno})${where}\n`);
    return 1;
  },
};
