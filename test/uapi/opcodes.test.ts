// src/isa/opcodes.ts types the instruction set's numbers by hand rather than
// taking them from src/uapi: the installed linux/bpf.h (6.1) lacks the newer
// ones (BPF_MEMSX, BPF_LOAD_ACQ, BPF_STORE_REL), which the kernel's BTF cannot
// supply as it carries no #defines, and each field's values sit there next to
// the mask that extracts the field. The headers still check them: every name
// both define must have the headers' value.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as opcodes from '../../src/isa/opcodes.js';
import { defineValues } from '../../scripts/gen-uapi.js';

const HEADERS = ['/usr/include/linux/bpf_common.h', '/usr/include/linux/bpf.h'];

describe('src/isa/opcodes.ts', () => {
  it.skipIf(!HEADERS.every((h) => existsSync(h)))('has the values linux/bpf_common.h and linux/bpf.h give its names', () => {
    const header = new Map(HEADERS.flatMap((h) => [...defineValues(readFileSync(h, 'utf8'))]));
    const both = Object.entries(opcodes).filter((e): e is [string, number] => typeof e[1] === 'number' && header.has(e[0]));
    expect(Object.fromEntries(both)).toEqual(Object.fromEntries(both.map(([name]) => [name, header.get(name)])));
    const names = both.map(([name]) => name);
    for (const name of ['BPF_LD', 'BPF_JMP32', 'BPF_ALU64', 'BPF_DW', 'BPF_ATOMIC', 'BPF_JSLE', 'BPF_XCHG', 'BPF_CMPXCHG', 'BPF_TO_BE', 'BPF_PSEUDO_MAP_IDX_VALUE', 'BPF_PSEUDO_KFUNC_CALL']) {
      expect(names, 'a name the headers define').toContain(name);
    }
  });
});
