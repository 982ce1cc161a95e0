import { RuntimeError } from '../vm/errors.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import { ptrArg } from './state.js';

/**
 * The end (address of the NUL) of the constant string at `addr`, which the
 * verifier requires to be NUL-terminated inside its (read-only map) value.
 */
export function constStringEnd(call: HelperCall, addr: number, arg: number): number {
  const region = call.memory.find(addr, 1);
  const end = region < 0 ? -1 : call.memory.u8.indexOf(0, addr);
  if (region < 0 || end < 0 || end >= call.memory.regions[region]!.end) {
    throw new RuntimeError(call.insn, `R${arg} is not a NUL-terminated constant string`);
  }
  return end;
}

/**
 * bpf_strncmp(s1, s1_sz, s2): the kernel's strncmp over at most s1_sz bytes,
 * comparing unsigned bytes and stopping at a NUL; -1, 0 or 1.
 */
export const strncmp: Helper = (call, r1, r2, r3, _r4, _r5, h1, _h2, h3) => {
  const size = r2 >>> 0;
  const s1 = ptrArg(call, 1, r1, h1);
  call.memory.check(s1, size, false, call.insn);
  const s2 = ptrArg(call, 3, r3, h3);
  constStringEnd(call, s2, 3);
  const u8 = call.memory.u8;
  let result = 0;
  for (let i = 0; i < size; i++) {
    const a = u8[s1 + i]!;
    const b = u8[s2 + i]!;
    if (a !== b) {
      result = a < b ? -1 : 1;
      break;
    }
    if (a === 0) break;
  }
  return result;
};
