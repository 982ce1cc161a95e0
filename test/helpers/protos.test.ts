// The helper table against the kernel: the ids XDP may call, which of them are
// GPL-only and which may sleep, asked of the running kernel's verifier.
import { describe, expect, it } from 'vitest';
import { BPF_FUNC_NAMES } from '../../src/uapi/func-ids.js';
import { HELPER_PROTOS } from '../../src/helpers/protos.js';
import { xdpHelpers } from '../../src/helpers/xdp-table.js';
import { helperVerdicts } from '../oracle/kernel.js';
import { kernelMissing } from '../oracle/support.js';
import { runsHere } from '../support/skip.js';
import { bench } from './direct.js';

/** Verdicts that mean the kernel has no XDP proto for the id. */
const UNAVAILABLE = /^(invalid func unknown#|program of this type cannot use helper )/;

describe('the helper table', () => {
  it('names every helper by its generated id, with at most five arguments', () => {
    for (const [id, proto] of HELPER_PROTOS) {
      expect(proto.func).toBe(id);
      expect(BPF_FUNC_NAMES[id]).toBeDefined();
      expect(proto.args.length).toBeLessThanOrEqual(5);
      if (proto.mapTypes) expect(proto.args.some((a) => a.type === 'ARG_CONST_MAP_PTR')).toBe(true);
    }
  });

  it('builds every simulated helper, and only those, and says why of the rest', () => {
    const table = xdpHelpers(bench().state, () => []);
    for (const [id, proto] of HELPER_PROTOS) {
      if ('unsimulated' in proto.impl) {
        expect(table.has(id)).toBe(false);
        expect(proto.impl.unsimulated).toMatch(/^(it|its) /);
      } else {
        expect(table.has(id)).toBe(true);
      }
    }
  });
});

describe.runIf(runsHere(kernelMissing()))('the helper table against the running kernel', () => {
  it('has exactly the helpers the kernel lets XDP call', () => {
    const verdicts = helperVerdicts('GPL');
    const allowed = [...verdicts].filter(([, v]) => !UNAVAILABLE.test(v)).map(([id]) => id);
    expect(allowed.sort((a, b) => a - b)).toEqual([...HELPER_PROTOS.keys()].sort((a, b) => a - b));
    // Every id the kernel knows is named in the generated table, and no other.
    const known = [...verdicts].filter(([, v]) => !v.startsWith('invalid func unknown#')).map(([id]) => id);
    expect(Math.max(...known)).toBe(BPF_FUNC_NAMES.length - 1);
  });

  it('marks GPL-only and sleeping helpers as the kernel does', () => {
    const verdicts = helperVerdicts('Proprietary');
    for (const [id, proto] of HELPER_PROTOS) {
      const v = verdicts.get(id)!;
      expect(v === 'cannot call GPL-restricted function from non-GPL compatible program', `${BPF_FUNC_NAMES[id]}: ${v}`).toBe(proto.gplOnly);
      if (!proto.gplOnly) expect(v === 'helper call might sleep in a non-sleepable prog', `${BPF_FUNC_NAMES[id]}: ${v}`).toBe(proto.mightSleep);
    }
  });
});
