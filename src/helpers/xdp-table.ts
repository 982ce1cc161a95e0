import type { Helper, HelperTable } from '../vm/helper.js';
import { forEachMapElem, loop } from './callback.js';
import { csumDiff } from './csum.js';
import * as id from './ids.js';
import { mapDeleteElem, mapLookupElem, mapUpdateElem } from './map.js';
import { getNumaNodeId, getPrandomU32, getSmpProcessorId } from './misc.js';
import { tracePrintk, traceVprintk } from './printk.js';
import { redirect } from './redirect.js';
import type { Runtime } from './runtime.js';
import { jiffies64, ktimeGetNs } from './time.js';
import { xdpAdjustHead, xdpAdjustMeta, xdpAdjustTail, xdpCopyBytes, xdpGetBuffLen } from './xdp.js';

/** Helpers the kernel marks gpl_only among those XDP may call. */
export const GPL_ONLY_HELPERS: ReadonlySet<number> = new Set([
  id.BPF_FUNC_trace_printk,
  id.BPF_FUNC_trace_vprintk,
  id.BPF_FUNC_probe_read_kernel,
  id.BPF_FUNC_perf_event_output,
]);

/**
 * The helpers an XDP program may call here (xdp_func_proto plus the base set
 * in net/core/filter.c), built over one runtime.
 */
export function xdpHelpers(rt: Runtime): HelperTable {
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
    [id.BPF_FUNC_for_each_map_elem, forEachMapElem(rt)],
  ];
  return new Map(table);
}
