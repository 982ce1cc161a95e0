/**
 * libbpf's table mapping ELF section names to program types (section_defs[]
 * in libbpf.c, as of the libbpf 1.1 installed here), with the program
 * and attach types of linux/bpf.h; an attach type of 0 is libbpf's too, for
 * the sections that expect none.
 *
 * Matching rules, as libbpf's sec_def_matches: "name+" matches "name"
 * exactly or "name/anything"; any other pattern must equal the section name.
 * The first matching row wins, which is why "xdp.frags/devmap" precedes "xdp".
 */
import {
  BPF_CGROUP_DEVICE,
  BPF_CGROUP_GETSOCKOPT,
  BPF_CGROUP_INET4_BIND,
  BPF_CGROUP_INET4_CONNECT,
  BPF_CGROUP_INET4_GETPEERNAME,
  BPF_CGROUP_INET4_GETSOCKNAME,
  BPF_CGROUP_INET4_POST_BIND,
  BPF_CGROUP_INET6_BIND,
  BPF_CGROUP_INET6_CONNECT,
  BPF_CGROUP_INET6_GETPEERNAME,
  BPF_CGROUP_INET6_GETSOCKNAME,
  BPF_CGROUP_INET6_POST_BIND,
  BPF_CGROUP_INET_EGRESS,
  BPF_CGROUP_INET_INGRESS,
  BPF_CGROUP_INET_SOCK_CREATE,
  BPF_CGROUP_INET_SOCK_RELEASE,
  BPF_CGROUP_SETSOCKOPT,
  BPF_CGROUP_SOCK_OPS,
  BPF_CGROUP_SYSCTL,
  BPF_CGROUP_UDP4_RECVMSG,
  BPF_CGROUP_UDP4_SENDMSG,
  BPF_CGROUP_UDP6_RECVMSG,
  BPF_CGROUP_UDP6_SENDMSG,
  BPF_FLOW_DISSECTOR,
  BPF_F_SLEEPABLE,
  BPF_F_XDP_HAS_FRAGS,
  BPF_LIRC_MODE2,
  BPF_LSM_CGROUP,
  BPF_LSM_MAC,
  BPF_MODIFY_RETURN,
  BPF_PROG_TYPE_CGROUP_DEVICE,
  BPF_PROG_TYPE_CGROUP_SKB,
  BPF_PROG_TYPE_CGROUP_SOCK,
  BPF_PROG_TYPE_CGROUP_SOCKOPT,
  BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
  BPF_PROG_TYPE_CGROUP_SYSCTL,
  BPF_PROG_TYPE_EXT,
  BPF_PROG_TYPE_FLOW_DISSECTOR,
  BPF_PROG_TYPE_KPROBE,
  BPF_PROG_TYPE_LIRC_MODE2,
  BPF_PROG_TYPE_LSM,
  BPF_PROG_TYPE_LWT_IN,
  BPF_PROG_TYPE_LWT_OUT,
  BPF_PROG_TYPE_LWT_SEG6LOCAL,
  BPF_PROG_TYPE_LWT_XMIT,
  BPF_PROG_TYPE_PERF_EVENT,
  BPF_PROG_TYPE_RAW_TRACEPOINT,
  BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
  BPF_PROG_TYPE_SCHED_ACT,
  BPF_PROG_TYPE_SCHED_CLS,
  BPF_PROG_TYPE_SK_LOOKUP,
  BPF_PROG_TYPE_SK_MSG,
  BPF_PROG_TYPE_SK_REUSEPORT,
  BPF_PROG_TYPE_SK_SKB,
  BPF_PROG_TYPE_SOCKET_FILTER,
  BPF_PROG_TYPE_SOCK_OPS,
  BPF_PROG_TYPE_STRUCT_OPS,
  BPF_PROG_TYPE_SYSCALL,
  BPF_PROG_TYPE_TRACEPOINT,
  BPF_PROG_TYPE_TRACING,
  BPF_PROG_TYPE_XDP,
  BPF_SK_LOOKUP,
  BPF_SK_MSG_VERDICT,
  BPF_SK_REUSEPORT_SELECT,
  BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
  BPF_SK_SKB_STREAM_PARSER,
  BPF_SK_SKB_STREAM_VERDICT,
  BPF_TRACE_FENTRY,
  BPF_TRACE_FEXIT,
  BPF_TRACE_ITER,
  BPF_TRACE_KPROBE_MULTI,
  BPF_TRACE_RAW_TP,
  BPF_XDP,
  BPF_XDP_CPUMAP,
  BPF_XDP_DEVMAP,
} from '../uapi/bpf.js';

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

const ROWS: readonly Row[] = [
  ['socket', BPF_PROG_TYPE_SOCKET_FILTER, 0, 0],
  ['sk_reuseport/migrate', BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 0],
  ['sk_reuseport', BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, 0],
  ['kprobe+', BPF_PROG_TYPE_KPROBE, 0, 0],
  ['uprobe+', BPF_PROG_TYPE_KPROBE, 0, 0],
  ['uprobe.s+', BPF_PROG_TYPE_KPROBE, 0, BPF_F_SLEEPABLE],
  ['kretprobe+', BPF_PROG_TYPE_KPROBE, 0, 0],
  ['uretprobe+', BPF_PROG_TYPE_KPROBE, 0, 0],
  ['uretprobe.s+', BPF_PROG_TYPE_KPROBE, 0, BPF_F_SLEEPABLE],
  ['kprobe.multi+', BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0],
  ['kretprobe.multi+', BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, 0],
  ['ksyscall+', BPF_PROG_TYPE_KPROBE, 0, 0],
  ['kretsyscall+', BPF_PROG_TYPE_KPROBE, 0, 0],
  ['usdt+', BPF_PROG_TYPE_KPROBE, 0, 0],
  ['tc', BPF_PROG_TYPE_SCHED_CLS, 0, 0],
  ['classifier', BPF_PROG_TYPE_SCHED_CLS, 0, 0],
  ['action', BPF_PROG_TYPE_SCHED_ACT, 0, 0],
  ['tracepoint+', BPF_PROG_TYPE_TRACEPOINT, 0, 0],
  ['tp+', BPF_PROG_TYPE_TRACEPOINT, 0, 0],
  ['raw_tracepoint+', BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0],
  ['raw_tp+', BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0],
  ['raw_tracepoint.w+', BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0],
  ['raw_tp.w+', BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, 0],
  ['tp_btf+', BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, 0],
  ['fentry+', BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, 0],
  ['fmod_ret+', BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, 0],
  ['fexit+', BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, 0],
  ['fentry.s+', BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, BPF_F_SLEEPABLE],
  ['fmod_ret.s+', BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, BPF_F_SLEEPABLE],
  ['fexit.s+', BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, BPF_F_SLEEPABLE],
  ['freplace+', BPF_PROG_TYPE_EXT, 0, 0],
  ['lsm+', BPF_PROG_TYPE_LSM, BPF_LSM_MAC, 0],
  ['lsm.s+', BPF_PROG_TYPE_LSM, BPF_LSM_MAC, BPF_F_SLEEPABLE],
  ['lsm_cgroup+', BPF_PROG_TYPE_LSM, BPF_LSM_CGROUP, 0],
  ['iter+', BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, 0],
  ['iter.s+', BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, BPF_F_SLEEPABLE],
  ['syscall', BPF_PROG_TYPE_SYSCALL, 0, BPF_F_SLEEPABLE],
  ['xdp.frags/devmap', BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, BPF_F_XDP_HAS_FRAGS],
  ['xdp/devmap', BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, 0],
  ['xdp.frags/cpumap', BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, BPF_F_XDP_HAS_FRAGS],
  ['xdp/cpumap', BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, 0],
  ['xdp.frags', BPF_PROG_TYPE_XDP, BPF_XDP, BPF_F_XDP_HAS_FRAGS],
  ['xdp', BPF_PROG_TYPE_XDP, BPF_XDP, 0],
  ['perf_event', BPF_PROG_TYPE_PERF_EVENT, 0, 0],
  ['lwt_in', BPF_PROG_TYPE_LWT_IN, 0, 0],
  ['lwt_out', BPF_PROG_TYPE_LWT_OUT, 0, 0],
  ['lwt_xmit', BPF_PROG_TYPE_LWT_XMIT, 0, 0],
  ['lwt_seg6local', BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, 0],
  ['sockops', BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, 0],
  ['sk_skb/stream_parser', BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_PARSER, 0],
  ['sk_skb/stream_verdict', BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT, 0],
  ['sk_skb', BPF_PROG_TYPE_SK_SKB, 0, 0],
  ['sk_msg', BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, 0],
  ['lirc_mode2', BPF_PROG_TYPE_LIRC_MODE2, BPF_LIRC_MODE2, 0],
  ['flow_dissector', BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, 0],
  ['cgroup_skb/ingress', BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0],
  ['cgroup_skb/egress', BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0],
  ['cgroup/skb', BPF_PROG_TYPE_CGROUP_SKB, 0, 0],
  ['cgroup/sock_create', BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0],
  ['cgroup/sock_release', BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE, 0],
  ['cgroup/sock', BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0],
  ['cgroup/post_bind4', BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND, 0],
  ['cgroup/post_bind6', BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET6_POST_BIND, 0],
  ['cgroup/bind4', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, 0],
  ['cgroup/bind6', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, 0],
  ['cgroup/connect4', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, 0],
  ['cgroup/connect6', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, 0],
  ['cgroup/sendmsg4', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, 0],
  ['cgroup/sendmsg6', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, 0],
  ['cgroup/recvmsg4', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG, 0],
  ['cgroup/recvmsg6', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_RECVMSG, 0],
  ['cgroup/getpeername4', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETPEERNAME, 0],
  ['cgroup/getpeername6', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETPEERNAME, 0],
  ['cgroup/getsockname4', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETSOCKNAME, 0],
  ['cgroup/getsockname6', BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETSOCKNAME, 0],
  ['cgroup/sysctl', BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 0],
  ['cgroup/getsockopt', BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, 0],
  ['cgroup/setsockopt', BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, 0],
  ['cgroup/dev', BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, 0],
  ['struct_ops+', BPF_PROG_TYPE_STRUCT_OPS, 0, 0],
  ['sk_lookup', BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, 0],
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
