import { EINVAL } from '../uapi/errno.js';
import type { Helper } from '../vm/helper.js';
import { CONVERSION, countConversions, formatPrintf, u64Arg } from './format.js';
import { constStringEnd } from './strncmp.js';
import { ptrArg } from './state.js';

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
export const snprintf: Helper = (call, r1, r2, r3, r4, r5, h1, _h2, h3, h4) => {
  const strSize = r2 >>> 0;
  const dataLen = r5 >>> 0;
  const dataPtr = r4 | h4;
  if (dataLen % 8 !== 0 || dataLen > MAX_ARGS * 8 || (dataLen > 0 && dataPtr === 0)) {
    return -EINVAL;
  }
  const fmtAddr = ptrArg(call, 3, r3, h3);
  const fmtEnd = constStringEnd(call, fmtAddr, 3);
  const fmt = Buffer.from(call.memory.u8.subarray(fmtAddr, fmtEnd)).toString('latin1');
  if (fmt.replace(CONVERSION, '').includes('%') || countConversions(fmt) > dataLen / 8) {
    return -EINVAL;
  }
  const data = dataLen > 0 ? ptrArg(call, 4, r4, h4) : 0;
  if (dataLen > 0) call.memory.check(data, dataLen, false, call.insn);
  const args = Array.from({ length: dataLen / 8 }, (_, i) => u64Arg(call, data + 8 * i));
  const text = Buffer.from(formatPrintf(fmt, args), 'latin1');
  if (strSize > 0) {
    const str = ptrArg(call, 1, r1, h1);
    call.memory.check(str, strSize, true, call.insn);
    const n = Math.min(text.length, strSize - 1);
    call.memory.u8.set(text.subarray(0, n), str);
    call.memory.u8[str + n] = 0;
  }
  return text.length + 1;
};
