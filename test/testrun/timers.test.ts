// A test run fires the bpf_timers that came due before it looks at its
// frame, as the kernel's softirq runs between two BPF_PROG_TEST_RUN calls:
// also when the frame is then refused.
import { describe, expect, it } from 'vitest';
import { loadObject } from '../../src/loader/load.js';
import { FrameError } from '../../src/xdp/frame-error.js';
import { ARRAY, CLOCK_MONOTONIC, elem, frame, OP } from '../helpers/timer-frames.js';

const TIMERS = new URL('../fixtures/objects/timers.bpf.o', import.meta.url).pathname;

describe('due timers and test runs', () => {
  for (const refused of [false, true]) {
    it(`a 0 ns timer has fired once the next test run returns${refused ? ', a frame refused as too short' : ''}`, () => {
      const obj = loadObject(TIMERS);
      const program = obj.program({ section: 'xdp' });
      for (const f of [frame(OP.INIT, ARRAY, 3, CLOCK_MONOTONIC), frame(OP.SET_CALLBACK, ARRAY, 3), frame(OP.START, ARRAY, 3, 0n)]) program.run(f);
      const fired = (): bigint => elem(obj.map('timers').lookupElem(Uint8Array.of(3, 0, 0, 0)) as Uint8Array).fired;
      expect(fired()).toBe(0n);
      if (refused) expect(() => program.run(new Uint8Array(13))).toThrow(FrameError);
      else program.run(frame(OP.READ, ARRAY, 3));
      expect(fired()).toBe(1n);
    });
  }
});
