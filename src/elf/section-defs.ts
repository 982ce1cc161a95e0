/**
 * libbpf's table mapping ELF section names to program types (section_defs[]
 * in libbpf.c, as of the libbpf 1.1 installed here). Numbers are the
 * BPF_PROG_TYPE_* / enum bpf_attach_type values of include/uapi/linux/bpf.h.
 *
 * Matching rules, as libbpf's sec_def_matches: "name+" matches "name"
 * exactly or "name/anything"; any other pattern must equal the section name.
 * The first matching row wins, which is why "xdp.frags/devmap" precedes "xdp".
 */

export const BPF_F_SLEEPABLE = 1 << 4;
export const BPF_F_XDP_HAS_FRAGS = 1 << 5;

export interface SectionDef {
  /** The table pattern that matched, e.g. "kprobe+" or "xdp/devmap". */
  pattern: string;
  progType: number;
  expectedAttachType: number;
  /** BPF_F_* program load flags implied by the section (sleepable, XDP frags). */
  progFlags: number;
  /** Text after "pattern/" for "+" patterns: the kprobe function, tracepoint, etc. */
  attachTarget: string | undefined;
}

type Row = [pattern: string, progType: number, attachType: number, progFlags: number];

const SOCKET_FILTER = 1, KPROBE = 2, SCHED_CLS = 3, SCHED_ACT = 4, TRACEPOINT = 5, XDP = 6,
  PERF_EVENT = 7, CGROUP_SKB = 8, CGROUP_SOCK = 9, LWT_IN = 10, LWT_OUT = 11, LWT_XMIT = 12,
  SOCK_OPS = 13, SK_SKB = 14, CGROUP_DEVICE = 15, SK_MSG = 16, RAW_TRACEPOINT = 17,
  CGROUP_SOCK_ADDR = 18, LWT_SEG6LOCAL = 19, LIRC_MODE2 = 20, SK_REUSEPORT = 21,
  FLOW_DISSECTOR = 22, CGROUP_SYSCTL = 23, RAW_TRACEPOINT_WRITABLE = 24, CGROUP_SOCKOPT = 25,
  TRACING = 26, STRUCT_OPS = 27, EXT = 28, LSM = 29, SK_LOOKUP = 30, SYSCALL = 31;

const SLEEPABLE = BPF_F_SLEEPABLE;
const FRAGS = BPF_F_XDP_HAS_FRAGS;

const ROWS: readonly Row[] = [
  ['socket', SOCKET_FILTER, 0, 0],
  ['sk_reuseport/migrate', SK_REUSEPORT, 40, 0],
  ['sk_reuseport', SK_REUSEPORT, 39, 0],
  ['kprobe+', KPROBE, 0, 0],
  ['uprobe+', KPROBE, 0, 0],
  ['uprobe.s+', KPROBE, 0, SLEEPABLE],
  ['kretprobe+', KPROBE, 0, 0],
  ['uretprobe+', KPROBE, 0, 0],
  ['uretprobe.s+', KPROBE, 0, SLEEPABLE],
  ['kprobe.multi+', KPROBE, 42, 0],
  ['kretprobe.multi+', KPROBE, 42, 0],
  ['ksyscall+', KPROBE, 0, 0],
  ['kretsyscall+', KPROBE, 0, 0],
  ['usdt+', KPROBE, 0, 0],
  ['tc', SCHED_CLS, 0, 0],
  ['classifier', SCHED_CLS, 0, 0],
  ['action', SCHED_ACT, 0, 0],
  ['tracepoint+', TRACEPOINT, 0, 0],
  ['tp+', TRACEPOINT, 0, 0],
  ['raw_tracepoint+', RAW_TRACEPOINT, 0, 0],
  ['raw_tp+', RAW_TRACEPOINT, 0, 0],
  ['raw_tracepoint.w+', RAW_TRACEPOINT_WRITABLE, 0, 0],
  ['raw_tp.w+', RAW_TRACEPOINT_WRITABLE, 0, 0],
  ['tp_btf+', TRACING, 23, 0],
  ['fentry+', TRACING, 24, 0],
  ['fmod_ret+', TRACING, 26, 0],
  ['fexit+', TRACING, 25, 0],
  ['fentry.s+', TRACING, 24, SLEEPABLE],
  ['fmod_ret.s+', TRACING, 26, SLEEPABLE],
  ['fexit.s+', TRACING, 25, SLEEPABLE],
  ['freplace+', EXT, 0, 0],
  ['lsm+', LSM, 27, 0],
  ['lsm.s+', LSM, 27, SLEEPABLE],
  ['lsm_cgroup+', LSM, 43, 0],
  ['iter+', TRACING, 28, 0],
  ['iter.s+', TRACING, 28, SLEEPABLE],
  ['syscall', SYSCALL, 0, SLEEPABLE],
  ['xdp.frags/devmap', XDP, 33, FRAGS],
  ['xdp/devmap', XDP, 33, 0],
  ['xdp.frags/cpumap', XDP, 35, FRAGS],
  ['xdp/cpumap', XDP, 35, 0],
  ['xdp.frags', XDP, 37, FRAGS],
  ['xdp', XDP, 37, 0],
  ['perf_event', PERF_EVENT, 0, 0],
  ['lwt_in', LWT_IN, 0, 0],
  ['lwt_out', LWT_OUT, 0, 0],
  ['lwt_xmit', LWT_XMIT, 0, 0],
  ['lwt_seg6local', LWT_SEG6LOCAL, 0, 0],
  ['sockops', SOCK_OPS, 3, 0],
  ['sk_skb/stream_parser', SK_SKB, 4, 0],
  ['sk_skb/stream_verdict', SK_SKB, 5, 0],
  ['sk_skb', SK_SKB, 0, 0],
  ['sk_msg', SK_MSG, 7, 0],
  ['lirc_mode2', LIRC_MODE2, 16, 0],
  ['flow_dissector', FLOW_DISSECTOR, 17, 0],
  ['cgroup_skb/ingress', CGROUP_SKB, 0, 0],
  ['cgroup_skb/egress', CGROUP_SKB, 1, 0],
  ['cgroup/skb', CGROUP_SKB, 0, 0],
  ['cgroup/sock_create', CGROUP_SOCK, 2, 0],
  ['cgroup/sock_release', CGROUP_SOCK, 34, 0],
  ['cgroup/sock', CGROUP_SOCK, 2, 0],
  ['cgroup/post_bind4', CGROUP_SOCK, 12, 0],
  ['cgroup/post_bind6', CGROUP_SOCK, 13, 0],
  ['cgroup/bind4', CGROUP_SOCK_ADDR, 8, 0],
  ['cgroup/bind6', CGROUP_SOCK_ADDR, 9, 0],
  ['cgroup/connect4', CGROUP_SOCK_ADDR, 10, 0],
  ['cgroup/connect6', CGROUP_SOCK_ADDR, 11, 0],
  ['cgroup/sendmsg4', CGROUP_SOCK_ADDR, 14, 0],
  ['cgroup/sendmsg6', CGROUP_SOCK_ADDR, 15, 0],
  ['cgroup/recvmsg4', CGROUP_SOCK_ADDR, 19, 0],
  ['cgroup/recvmsg6', CGROUP_SOCK_ADDR, 20, 0],
  ['cgroup/getpeername4', CGROUP_SOCK_ADDR, 29, 0],
  ['cgroup/getpeername6', CGROUP_SOCK_ADDR, 30, 0],
  ['cgroup/getsockname4', CGROUP_SOCK_ADDR, 31, 0],
  ['cgroup/getsockname6', CGROUP_SOCK_ADDR, 32, 0],
  ['cgroup/sysctl', CGROUP_SYSCTL, 18, 0],
  ['cgroup/getsockopt', CGROUP_SOCKOPT, 21, 0],
  ['cgroup/setsockopt', CGROUP_SOCKOPT, 22, 0],
  ['cgroup/dev', CGROUP_DEVICE, 6, 0],
  ['struct_ops+', STRUCT_OPS, 0, 0],
  ['sk_lookup', SK_LOOKUP, 36, 0],
];

/** The section definition for `secName`, or undefined when libbpf would say "unrecognized ELF section name". */
export function findSectionDef(secName: string): SectionDef | undefined {
  for (const [pattern, progType, expectedAttachType, progFlags] of ROWS) {
    const target = matchPattern(pattern, secName);
    if (target !== null) return { pattern, progType, expectedAttachType, progFlags, attachTarget: target };
  }
  return undefined;
}

/** null: no match; otherwise the attach target after the separator (undefined if none). */
function matchPattern(pattern: string, name: string): string | undefined | null {
  if (pattern.endsWith('+')) {
    const base = pattern.slice(0, -1);
    if (name === base) return undefined;
    return name.startsWith(base + '/') ? name.slice(base.length + 1) : null;
  }
  return name === pattern ? undefined : null;
}
