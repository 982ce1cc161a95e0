import type { Helper, HelperCall } from '../vm/helper.js';
import { EINVAL } from '../uapi/errno.js';
import { countConversions, formatPrintf, memoryArg, readCString, u64Arg, type FormatArg } from './format.js';
import { ptrArg, type HelperState } from './state.js';

/** MAX_BPRINTF_BUF: the kernel truncates formatted output to this many bytes. */
const MAX_BPRINTF_BUF = 1024;
const MAX_TRACE_PRINTK_VARARGS = 3;


/** Formats and emits one trace line; returns its length, or -EINVAL for a bad format. */
function emit(state: HelperState, call: HelperCall, fmtAddr: number, fmtSize: number, args: FormatArg[]): number {
  if (fmtSize <= 0) return -EINVAL;
  const fmt = readCString(call.memory, fmtAddr, fmtSize, call.insn);
  if (fmt === undefined) return -EINVAL;
  if (countConversions(fmt) > args.length) return -EINVAL;
  let text: string;
  try {
    text = formatPrintf(fmt, args);
  } catch {
    return -EINVAL;
  }
  text = text.slice(0, MAX_BPRINTF_BUF - 1);
  state.trace(text.endsWith('\n') ? text.slice(0, -1) : text, state.cpu, state.now());
  return text.length;
}

/** bpf_trace_printk(fmt, fmt_size, arg1, arg2, arg3). */
export function tracePrintk(state: HelperState): Helper {
  return (call, r1, r2, r3, r4, r5, h1, _h2, h3, h4, h5) => {
    const args = [memoryArg(call.memory, r3, h3), memoryArg(call.memory, r4, h4), memoryArg(call.memory, r5, h5)];
    return emit(state, call, ptrArg(call, 1, r1, h1), r2 >>> 0, args.slice(0, MAX_TRACE_PRINTK_VARARGS));
  };
}

/** bpf_trace_vprintk(fmt, fmt_size, data, data_len): arguments as an array of u64, at most 12. */
export function traceVprintk(state: HelperState): Helper {
  return (call, r1, r2, r3, r4, _r5, h1, _h2, h3) => {
    const dataLen = r4 >>> 0;
    if (dataLen % 8 !== 0 || dataLen > 12 * 8 || dataLen < 0) {
      return -EINVAL;
    }
    const data = dataLen > 0 ? ptrArg(call, 3, r3, h3) : 0;
    if (dataLen > 0) call.memory.check(data, dataLen, false, call.insn);
    const args: FormatArg[] = [];
    for (let i = 0; i < dataLen; i += 8) args.push(u64Arg(call, data + i));
    return emit(state, call, ptrArg(call, 1, r1, h1), r2 >>> 0, args);
  };
}
