import { EFAULT, ERANGE } from '../uapi/errno.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import { GUARD_SIZE } from '../vm/memory.js';
import { currentTask } from './current-task.js';
import { ptrArg, type HelperState } from './state.js';

// "Kernel memory" is this memory: the regions of the flat memory stand for
// kernel addresses, and the NULL page below them for user space. A 64-bit
// address past them is what it is on x86-64 with 4-level paging.

/** High half of the first canonical kernel address, 0xffff800000000000. */
const KERNEL_START_HIGH = 0xffff_8000;
/** USER_PTR_MAX (TASK_SIZE_MAX, 0x00007ffffffff000) in halves: the highest address a user access may start at. */
const USER_PTR_MAX_HIGH = 0x7fff;
const USER_PTR_MAX_LOW = 0xffff_f000;
/** The vsyscall page, 0xffffffffff600000, counted as user space. */
const VSYSCALL_HIGH = 0xffff_ffff;
const VSYSCALL_LOW_PAGE = 0xff60_0000 >>> 12;

/**
 * copy_from_kernel_nofault_allowed: -ERANGE for an address a kernel read may
 * not start at (user space, the NULL page included, a non-canonical address,
 * the vsyscall page), else 0.
 */
function kernelAddressError(lo: number, hi: number): number {
  if (hi === 0) return lo < GUARD_SIZE ? -ERANGE : 0;
  // User space with its guard page (below 2^47), then the non-canonical hole.
  if (hi < KERNEL_START_HIGH) return -ERANGE;
  return hi === VSYSCALL_HIGH && lo >>> 12 === VSYSCALL_LOW_PAGE ? -ERANGE : 0;
}

/** The destination (R1), checked writable for `size` bytes; 0 when nothing is to be written. */
function destination(call: HelperCall, size: number, lo: number, hi: number): number {
  const dst = size > 0 ? ptrArg(call, 1, lo, hi) : 0;
  if (size > 0) call.memory.check(dst, size, true, call.insn);
  return dst;
}

/** The helpers' failure: the destination zeroed, the errno returned. */
function fail(call: HelperCall, dst: number, size: number, err: number): number {
  call.memory.u8.fill(0, dst, dst + size);
  return err;
}

/**
 * bpf_probe_read_kernel(dst, size, unsafe_ptr): a source inside one region
 * is copied. Otherwise the destination is zeroed and the result is the
 * kernel's: -ERANGE where a kernel read may not start (checked even for 0
 * bytes), -EFAULT for an unmapped address.
 */
export const probeReadKernel: Helper = (call, r1, r2, r3, _r4, _r5, h1, _h2, h3) => {
  const size = r2 >>> 0;
  const dst = destination(call, size, r1, h1);
  const lo = r3 >>> 0;
  const hi = h3 >>> 0;
  const err = kernelAddressError(lo, hi);
  if (err < 0) return fail(call, dst, size, err);
  if (size > 0 && (hi !== 0 || call.memory.find(lo, size) < 0)) return fail(call, dst, size, -EFAULT);
  call.memory.u8.copyWithin(dst, lo, lo + size);
  return 0;
};

/**
 * bpf_probe_read_kernel_str(dst, size, unsafe_ptr), as
 * strncpy_from_kernel_nofault copies: byte by byte up to and including the
 * NUL, or size - 1 bytes and a NUL when the string is longer. Returns the
 * bytes written, NUL included, and leaves the rest of the destination as it
 * was; 0 bytes are 0 whatever the address. A source that runs off its
 * region before its NUL faults there: -EFAULT, and on any error the whole
 * destination is zeroed.
 */
export const probeReadKernelStr: Helper = (call, r1, r2, r3, _r4, _r5, h1, _h2, h3) => {
  const size = r2 >>> 0;
  if (size === 0) return 0;
  const dst = destination(call, size, r1, h1);
  const lo = r3 >>> 0;
  const hi = h3 >>> 0;
  const err = kernelAddressError(lo, hi);
  if (err < 0) return fail(call, dst, size, err);
  const region = hi === 0 ? call.memory.find(lo, 1) : -1;
  const readable = region < 0 ? 0 : Math.min(size, call.memory.regions[region]!.end - lo);
  const u8 = call.memory.u8;
  for (let i = 0; i < readable; i++) {
    const c = u8[lo + i]!;
    u8[dst + i] = c;
    if (c === 0) return i + 1;
  }
  if (readable < size) return fail(call, dst, size, -EFAULT);
  u8[dst + size - 1] = 0;
  return size;
};

/**
 * bpf_probe_read_user(dst, size, unsafe_ptr). xdpsim simulates no user
 * address space, so no read of one succeeds: -EFAULT with the destination
 * zeroed. The kernel agrees for the idle task, and for every size: with no
 * user memory of its own, copy_from_user_nofault refuses it before copying
 * (nmi_uaccess_okay). For a user task only 0 bytes at a user address
 * succeed, as they do in the kernel; anything else would read memory that
 * is not there.
 */
export const probeReadUser = (state: HelperState): Helper => (call, r1, r2, r3, _r4, _r5, h1, _h2, h3) => {
  const size = r2 >>> 0;
  const dst = destination(call, size, r1, h1);
  const lo = r3 >>> 0;
  const hi = h3 >>> 0;
  const userAddress = hi < USER_PTR_MAX_HIGH || (hi === USER_PTR_MAX_HIGH && lo <= USER_PTR_MAX_LOW);
  if (size === 0 && !currentTask(state).kthread && userAddress) return 0;
  return fail(call, dst, size, -EFAULT);
};

/**
 * bpf_probe_read_user_str(dst, size, unsafe_ptr): 0 for 0 bytes, as
 * strncpy_from_user_nofault answers before reading; otherwise -EFAULT with
 * the destination zeroed, there being no user memory to read. (The kernel's
 * idle task reads through whichever process's page tables the CPU kept
 * loaded, so what it finds there is that process's, or nothing.)
 */
export const probeReadUserStr: Helper = (call, r1, r2, _r3, _r4, _r5, h1) => {
  const size = r2 >>> 0;
  if (size === 0) return 0;
  return fail(call, destination(call, size, r1, h1), size, -EFAULT);
};
