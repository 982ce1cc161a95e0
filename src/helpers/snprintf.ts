import { EINVAL } from '../uapi/errno.js';
import type { Helper } from '../vm/helper.js';
import { CONVERSION, countConversions, formatPrintf, u64Arg } from './format.js';
import { constStringEnd } from './strncmp.js';
import { ptrArg, ret, u32Arg } from './state.js';

/** MAX_BPRINTF_VARARGS. */
const MAX_ARGS = 12;

/**
 * bpf_snprintf(str, str_size, fmt, data, data_len): formats like
 * bpf_trace_printk with the arguments as an array of u64 (data_len a multiple
 * of 8, at most 12 of them), writes at most str_size bytes NUL-terminated, and
 * returns the length the whole text needs, NUL included. A format with a
 * conversion the kernel does not know, or more conversions than arguments, is
 * -EINVAL.
 */
export const snprintf: Helper = (call) => {
  const strSize = u32Arg(call, 2);
  const dataLen = u32Arg(call, 5);
  const dataPtr = call.regs[8]! | call.regs[9]!;
  if (dataLen % 8 !== 0 || dataLen > MAX_ARGS * 8 || (dataLen > 0 && dataPtr === 0)) {
    ret(call, -EINVAL);
    return;
  }
  const fmtAddr = ptrArg(call, 3);
  const fmtEnd = constStringEnd(call, fmtAddr, 3);
  const fmt = Buffer.from(call.memory.u8.subarray(fmtAddr, fmtEnd)).toString('latin1');
  if (fmt.replace(CONVERSION, '').includes('%') || countConversions(fmt) > dataLen / 8) {
    ret(call, -EINVAL);
    return;
  }
  const data = dataLen > 0 ? ptrArg(call, 4) : 0;
  if (dataLen > 0) call.memory.check(data, dataLen, false, call.insn);
  const args = Array.from({ length: dataLen / 8 }, (_, i) => u64Arg(call, data + 8 * i));
  const text = Buffer.from(formatPrintf(fmt, args), 'latin1');
  if (strSize > 0) {
    const str = ptrArg(call, 1);
    call.memory.check(str, strSize, true, call.insn);
    const n = Math.min(text.length, strSize - 1);
    call.memory.u8.set(text.subarray(0, n), str);
    call.memory.u8[str + n] = 0;
  }
  ret(call, text.length + 1);
};
