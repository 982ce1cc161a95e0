import { EFAULT, ERANGE } from '../maps/types.js';
import type { Helper } from '../vm/helper.js';
import { GUARD_SIZE } from '../vm/memory.js';
import { ptrArg, ret, u32Arg } from './runtime.js';

/**
 * bpf_probe_read_kernel(dst, size, unsafe_ptr). "Kernel memory" is this
 * memory: a source inside one region is copied. Otherwise the destination is
 * zeroed and the result is what x86-64 answers: -ERANGE for the NULL page (the
 * kernel refuses any address in the user range, NULL included, even for 0
 * bytes), -EFAULT for an unmapped address.
 */
export const probeReadKernel: Helper = (call) => {
  const size = u32Arg(call, 2);
  const dst = size > 0 ? ptrArg(call, 1) : 0;
  if (size > 0) call.memory.check(dst, size, true, call.insn);
  const lo = call.regs[6]! >>> 0;
  const hi = call.regs[7]!;
  let err = 0;
  if (hi === 0 && lo < GUARD_SIZE) err = -ERANGE;
  else if (size > 0 && (hi !== 0 || call.memory.find(lo, size) < 0)) err = -EFAULT;
  if (err < 0) call.memory.u8.fill(0, dst, dst + size);
  else call.memory.u8.copyWithin(dst, lo, lo + size);
  ret(call, err);
};
