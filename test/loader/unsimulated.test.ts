// A helper the kernel lets XDP call but xdpsim cannot run honestly stops only
// the program that calls it, when that program is chosen, with the reason.
import { describe, expect, it } from 'vitest';
import { ProgramLoadError } from '../../src/loader/errors.js';
import { loadObject } from '../../src/loader/load.js';
import { runFrame } from '../../src/testrun/line.js';
import { fixture } from '../helpers/agreement.js';

const frame = new Uint8Array(64);

describe('helpers xdpsim does not simulate', () => {
  it('refuse the program that calls one when it is chosen, naming the helper, the reason and the C line', () => {
    const obj = loadObject(fixture('unsimulated'));
    let error: unknown;
    try {
      obj.program({ program: 'xdp_task' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProgramLoadError);
    expect((error as Error).message).toMatch(
      /^program 'xdp_task': insn \d+: xdpsim does not simulate bpf_get_current_task#35: it hands the program the running kernel's task_struct.*\(unsimulated\.bpf\.c:10: /,
    );
  });

  it('leave the other programs of the object to load and run, as the kernel loads them all', () => {
    const obj = loadObject(fixture('unsimulated'));
    expect(runFrame(obj.program({ program: 'xdp_plain' }), 0, frame)).toMatchObject({ verdict: 2 });
  });
});
