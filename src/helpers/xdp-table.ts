import type { Helper, HelperTable } from '../vm/helper.js';
import type { InsnArray } from '../isa/instruction.js';
import { forEachMapElem, loop } from './callback.js';
import { tailCall } from './tailcall.js';
import { csumDiff } from './csum.js';
import { fibLookup } from './fib.js';
import * as id from './ids.js';
import { mapDeleteElem, mapLookupElem, mapUpdateElem } from './map.js';
import { getNumaNodeId, getPrandomU32, getSmpProcessorId } from './misc.js';
import { checkMtu } from './mtu.js';
import { perfEventOutput } from './perf-event.js';
import { tracePrintk, traceVprintk } from './printk.js';
import { probeReadKernel } from './probe-read.js';
import { mapPushElem, mapTakeElem } from './queue-stack.js';
import { redirect } from './redirect.js';
import { redirectMap } from './redirect-map.js';
import { ringbufCommit, ringbufOutput, ringbufQuery, ringbufReserve } from './ringbuf.js';
import type { Runtime } from './runtime.js';
import { snprintf } from './snprintf.js';
import { spinLock, spinUnlock } from './spin-lock.js';
import { strncmp } from './strncmp.js';
import { jiffies64, ktimeGetNs } from './time.js';
import { xdpAdjustHead, xdpAdjustMeta, xdpAdjustTail, xdpCopyBytes, xdpGetBuffLen } from './xdp.js';

/** Helpers the kernel marks gpl_only among those XDP may call. */
export const GPL_ONLY_HELPERS: ReadonlySet<number> = new Set([
  id.BPF_FUNC_trace_printk,
  id.BPF_FUNC_trace_vprintk,
  id.BPF_FUNC_probe_read_kernel,
  id.BPF_FUNC_perf_event_output,
  id.BPF_FUNC_fib_lookup,
  id.BPF_FUNC_check_mtu,
  id.BPF_FUNC_snprintf,
]);

/**
 * The helpers an XDP program may call here (xdp_func_proto plus the base set
 * in net/core/filter.c), built over one runtime.
 */
export function xdpHelpers(rt: Runtime, programs: () => readonly InsnArray[]): HelperTable {
  const now = (): bigint => rt.now();
  const table: Array<[number, Helper]> = [
    [id.BPF_FUNC_map_lookup_elem, mapLookupElem(rt)],
    [id.BPF_FUNC_map_update_elem, mapUpdateElem(rt)],
    [id.BPF_FUNC_map_delete_elem, mapDeleteElem(rt)],
    [id.BPF_FUNC_ktime_get_ns, ktimeGetNs(now)],
    [id.BPF_FUNC_ktime_get_boot_ns, ktimeGetNs(now)],
    [id.BPF_FUNC_ktime_get_coarse_ns, ktimeGetNs(now)],
    [id.BPF_FUNC_jiffies64, jiffies64(now)],
    [id.BPF_FUNC_trace_printk, tracePrintk(rt)],
    [id.BPF_FUNC_trace_vprintk, traceVprintk(rt)],
    [id.BPF_FUNC_get_prandom_u32, getPrandomU32()],
    [id.BPF_FUNC_get_smp_processor_id, getSmpProcessorId(rt)],
    [id.BPF_FUNC_get_numa_node_id, getNumaNodeId],
    [id.BPF_FUNC_redirect, redirect(rt)],
    [id.BPF_FUNC_csum_diff, csumDiff],
    [id.BPF_FUNC_xdp_adjust_head, xdpAdjustHead(rt)],
    [id.BPF_FUNC_xdp_adjust_meta, xdpAdjustMeta(rt)],
    [id.BPF_FUNC_xdp_adjust_tail, xdpAdjustTail(rt)],
    [id.BPF_FUNC_xdp_get_buff_len, xdpGetBuffLen(rt)],
    [id.BPF_FUNC_xdp_load_bytes, xdpCopyBytes(rt, false)],
    [id.BPF_FUNC_xdp_store_bytes, xdpCopyBytes(rt, true)],
    [id.BPF_FUNC_loop, loop],
    [id.BPF_FUNC_tail_call, tailCall(rt, programs)],
    [id.BPF_FUNC_for_each_map_elem, forEachMapElem(rt)],
    [id.BPF_FUNC_redirect_map, redirectMap(rt)],
    [id.BPF_FUNC_ringbuf_output, ringbufOutput(rt)],
    [id.BPF_FUNC_ringbuf_reserve, ringbufReserve(rt)],
    [id.BPF_FUNC_ringbuf_submit, ringbufCommit(rt, false)],
    [id.BPF_FUNC_ringbuf_discard, ringbufCommit(rt, true)],
    [id.BPF_FUNC_ringbuf_query, ringbufQuery(rt)],
    [id.BPF_FUNC_perf_event_output, perfEventOutput(rt)],
    [id.BPF_FUNC_map_push_elem, mapPushElem(rt)],
    [id.BPF_FUNC_map_pop_elem, mapTakeElem(rt, true)],
    [id.BPF_FUNC_map_peek_elem, mapTakeElem(rt, false)],
    [id.BPF_FUNC_spin_lock, spinLock],
    [id.BPF_FUNC_spin_unlock, spinUnlock],
    [id.BPF_FUNC_probe_read_kernel, probeReadKernel],
    [id.BPF_FUNC_strncmp, strncmp],
    [id.BPF_FUNC_snprintf, snprintf],
    [id.BPF_FUNC_check_mtu, checkMtu(rt)],
    [id.BPF_FUNC_fib_lookup, fibLookup(rt)],
  ];
  return new Map(table);
}
