/**
 * The xdp:* tracepoints the receive path fires, each line as the running
 * kernel's TP_printk formats it (include/trace/events/xdp.h, Linux 6.18):
 * what `trace_pipe` shows after the `xdp_exception: ` prefix.
 */

export type XdpTracepoint =
  | 'xdp:xdp_exception'
  | 'xdp:xdp_bulk_tx'
  | 'xdp:xdp_redirect'
  | 'xdp:xdp_redirect_err'
  | 'xdp:xdp_devmap_xmit'
  | 'xdp:xdp_cpumap_enqueue'
  | 'xdp:xdp_cpumap_kthread';

/** map_id of a bpf_redirect(ifindex) target: INT_MAX, as xdp_do_redirect marks it. */
export const REDIRECT_IFINDEX_MAP_ID = 0x7fffffff;

/** Indexed by action: XDP_ABORTED (0) to XDP_REDIRECT (4). */
const ACTION_NAMES: readonly string[] = ['ABORTED', 'DROP', 'PASS', 'TX', 'REDIRECT'];

/** __print_symbolic over the XDP actions: the name, or the value in hex (`0x9`) for any other. */
export function xdpActionName(action: number): string {
  return ACTION_NAMES[action] ?? `0x${(action >>> 0).toString(16)}`;
}

/** xdp:xdp_exception, fired for XDP_ABORTED and invalid actions. */
export function xdpException(progId: number, action: number, ifindex: number): string {
  return `prog_id=${progId} action=${xdpActionName(action)} ifindex=${ifindex}`;
}

/** xdp:xdp_bulk_tx, fired as a poll flushes its XDP_TX frames. */
export function xdpBulkTx(ifindex: number, sent: number, drops: number, err: number): string {
  return `ifindex=${ifindex} action=TX sent=${sent} drops=${drops} err=${err}`;
}

/**
 * xdp:xdp_redirect and xdp:xdp_redirect_err (one format). to_ifindex is the
 * target device for a device map entry or bpf_redirect(ifindex), 0 for a
 * broadcast and for CPU and socket maps; map_index is 0 for bpf_redirect(ifindex).
 */
export function xdpRedirect(progId: number, ifindex: number, toIfindex: number, err: number, mapId: number, mapIndex: number): string {
  return `prog_id=${progId} action=REDIRECT ifindex=${ifindex} to_ifindex=${toIfindex} err=${err} map_id=${mapId} map_index=${mapIndex}`;
}

/** xdp:xdp_devmap_xmit, fired as a device's bulk queue of redirected frames is flushed into its ndo_xdp_xmit. */
export function xdpDevmapXmit(fromIfindex: number, toIfindex: number, sent: number, drops: number, err: number): string {
  return `ndo_xdp_xmit from_ifindex=${fromIfindex} to_ifindex=${toIfindex} action=REDIRECT sent=${sent} drops=${drops} err=${err}`;
}

/** xdp:xdp_cpumap_enqueue, fired as a CPU flushes the frames it redirected to CPU `toCpu`'s ring. */
export function xdpCpumapEnqueue(cpu: number, mapId: number, processed: number, drops: number, toCpu: number): string {
  return `enqueue cpu=${cpu} map_id=${mapId} action=REDIRECT processed=${processed} drops=${drops} to_cpu=${toCpu}`;
}

/**
 * xdp:xdp_cpumap_kthread, fired as CPU `cpu`'s kthread has taken a batch of
 * frames off its ring: drops are frames it could not make an skb of (none
 * here), sched whether it slept, and the last three what became of the
 * frames the entry's program ran on (passed; dropped, or redirected and
 * failed; redirected).
 */
export function xdpCpumapKthread(cpu: number, mapId: number, processed: number, pass: number, drop: number, redirect: number): string {
  return `kthread cpu=${cpu} map_id=${mapId} action=REDIRECT processed=${processed} drops=0 sched=0 xdp_pass=${pass} xdp_drop=${drop} xdp_redirect=${redirect}`;
}
