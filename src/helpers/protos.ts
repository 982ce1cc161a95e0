// The one table of helpers: every helper the kernel (6.18) lets an XDP program
// call, as its `struct bpf_func_proto` describes it, with how xdpsim runs it.
// Ids and names come from func-ids.ts (generated); the rest is written from
// net/core/filter.c (xdp_func_proto, bpf_sk_base_func_proto), kernel/bpf/helpers.c
// (bpf_base_func_proto) and the files each proto lives in. Which ids XDP may
// call is checked against the running kernel by test/helpers/protos.test.ts.
import {
  BPF_MAP_TYPE_BLOOM_FILTER,
  BPF_MAP_TYPE_CGROUP_ARRAY,
  BPF_MAP_TYPE_CGRP_STORAGE,
  BPF_MAP_TYPE_CPUMAP,
  BPF_MAP_TYPE_DEVMAP,
  BPF_MAP_TYPE_DEVMAP_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_RINGBUF,
  BPF_MAP_TYPE_STACK,
  BPF_MAP_TYPE_TASK_STORAGE,
  BPF_MAP_TYPE_USER_RINGBUF,
  BPF_MAP_TYPE_XSKMAP,
} from '../uapi/bpf.js';
import { forEachMapElem, loop } from './callback.js';
import { csumDiff } from './csum.js';
import { fibLookup } from './fib.js';
import * as id from '../uapi/func-ids.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../uapi/in.js';
import { dynptrData, dynptrFromMem, dynptrRead, dynptrWrite, ringbufCommitDynptr, ringbufReserveDynptr } from './dynptr.js';
import { mapDeleteElem, mapLookupElem, mapLookupPercpuElem, mapUpdateElem } from './map.js';
import {
  getCgroupClassid,
  getCurrentAncestorCgroupId,
  getCurrentCgroupId,
  getCurrentComm,
  getCurrentPidTgid,
  getCurrentUidGid,
  getNsCurrentPidTgid,
  sendSignal,
} from './current-task.js';
import { getBranchSnapshot, getNumaNodeId, getPrandomU32, getSmpProcessorId } from './misc.js';
import { checkMtu } from './mtu.js';
import { perfEventOutput, perfEventRead, perfEventReadValue } from './perf-event.js';
import { tracePrintk, traceVprintk } from './printk.js';
import { probeReadKernel, probeReadKernelStr, probeReadUser, probeReadUserStr } from './probe-read.js';
import type { ArgSpec, BpfFuncProto, HelperEnv, RetType, Unsimulated } from './proto.js';
import { mapPushElem, mapTakeElem } from './queue-stack.js';
import { redirect } from './redirect.js';
import { redirectMap } from './redirect-map.js';
import { skLookup, skRelease } from './sk-lookup.js';
import { COOKIE_V4, COOKIE_V6, IPV6_MSS_DEFAULT, TCP_MSS_DEFAULT } from './syncookie.js';
import { tcpRawCheckSyncookie, tcpRawGenSyncookie } from './syncookie-raw.js';
import { tcpCheckSyncookie, tcpGenSyncookie } from './syncookie-sock.js';
import { ringbufCommit, ringbufOutput, ringbufQuery, ringbufReserve } from './ringbuf.js';
import { snprintf } from './snprintf.js';
import { spinLock, spinUnlock } from './spin-lock.js';
import { strncmp } from './strncmp.js';
import { strtol, strtoul } from './strtol.js';
import { tailCall } from './tailcall.js';
import { jiffies64, ktimeGetNs, ktimeGetTaiNs } from './time.js';
import { timerCancel, timerInit, timerSetCallback, timerStart } from './timer.js';
import { xdpAdjustHead, xdpAdjustMeta, xdpAdjustTail, xdpCopyBytes, xdpGetBuffLen } from './xdp.js';

// Argument types, as the kernel's protos spell them.
const ANYTHING: ArgSpec = { type: 'ARG_ANYTHING' };
const MAP: ArgSpec = { type: 'ARG_CONST_MAP_PTR' };
const MAP_KEY: ArgSpec = { type: 'ARG_PTR_TO_MAP_KEY' };
const MAP_VALUE: ArgSpec = { type: 'ARG_PTR_TO_MAP_VALUE' };
const CTX: ArgSpec = { type: 'ARG_PTR_TO_CTX' };
const SIZE: ArgSpec = { type: 'ARG_CONST_SIZE' };
const SIZE_OR_ZERO: ArgSpec = { type: 'ARG_CONST_SIZE_OR_ZERO' };
const ALLOC_SIZE_OR_ZERO: ArgSpec = { type: 'ARG_CONST_ALLOC_SIZE_OR_ZERO' };
const MEM_RDONLY: ArgSpec = { type: 'ARG_PTR_TO_MEM', rdonly: true };
const MEM_RDONLY_OR_NULL: ArgSpec = { type: 'ARG_PTR_TO_MEM', rdonly: true, maybeNull: true };
/** ARG_PTR_TO_UNINIT_MEM: memory the helper fills. */
const UNINIT_MEM: ArgSpec = { type: 'ARG_PTR_TO_MEM', uninit: true, write: true };
const FUNC: ArgSpec = { type: 'ARG_PTR_TO_FUNC' };
const STACK_OR_NULL: ArgSpec = { type: 'ARG_PTR_TO_STACK', maybeNull: true };
const TIMER: ArgSpec = { type: 'ARG_PTR_TO_TIMER' };
const SPIN_LOCK: ArgSpec = { type: 'ARG_PTR_TO_SPIN_LOCK' };
const SOCK_COMMON: ArgSpec = { type: 'ARG_PTR_TO_BTF_ID_SOCK_COMMON' };
const TASK: ArgSpec = { type: 'ARG_PTR_TO_BTF_ID' };
const TASK_OR_NULL: ArgSpec = { type: 'ARG_PTR_TO_BTF_ID', maybeNull: true };
const fixedMem = (size: number, more: Partial<ArgSpec> = {}): ArgSpec => ({ type: 'ARG_PTR_TO_MEM', rdonly: true, size, ...more });
const dynptr = (more: Partial<ArgSpec>): ArgSpec => ({ type: 'ARG_PTR_TO_DYNPTR', ...more });

/** Why the helpers that return the running kernel's own objects are not run here. */
const KERNEL_TASK: Unsimulated = {
  unsimulated: "it hands the program the running kernel's task_struct, whose layout and contents xdpsim does not model",
};
const TAKES_TASK: Unsimulated = {
  unsimulated: "it takes a task_struct of the running kernel (from bpf_get_current_task_btf), whose layout and contents xdpsim does not model",
};
const PERCPU_KSYM: Unsimulated = {
  unsimulated: "it takes one of the running kernel's per-CPU variables (a __ksym), or a per-CPU object from the bpf_percpu_obj_new kfunc, which xdpsim does not load",
};
const KERNEL_SOCK: Unsimulated = {
  unsimulated: "it returns a kernel socket structure read through the kernel's BTF, which xdpsim does not model",
};
const unsimulatedMap = (type: string): Unsimulated => ({
  unsimulated: `it works only on ${type} maps, a type xdpsim does not simulate`,
});

interface Entry {
  ret?: RetType;
  args?: readonly ArgSpec[];
  gpl?: boolean;
  pktData?: boolean;
  pktAccess?: boolean;
  sleeps?: boolean;
  mapTypes?: readonly number[];
  impl: BpfFuncProto['impl'];
}

function proto(func: number, e: Entry): BpfFuncProto {
  return {
    func,
    ret: e.ret ?? 'RET_INTEGER',
    args: e.args ?? [],
    gplOnly: e.gpl ?? false,
    changesPktData: e.pktData ?? false,
    pktAccess: e.pktAccess ?? false,
    mightSleep: e.sleeps ?? false,
    ...(e.mapTypes && { mapTypes: e.mapTypes }),
    impl: e.impl,
  };
}

const now = ({ state }: HelperEnv) => () => state.now();

const PERF_MAPS = [BPF_MAP_TYPE_PERF_EVENT_ARRAY];
const RINGBUF_MAPS = [BPF_MAP_TYPE_RINGBUF];
const QUEUE_MAPS = [BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK];
const PERCPU_MAPS = [BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH];
const SOCK_LOOKUP_ARGS = [CTX, MEM_RDONLY, SIZE_OR_ZERO, ANYTHING, ANYTHING];
const SYNCOOKIE_ARGS = [SOCK_COMMON, MEM_RDONLY, SIZE, MEM_RDONLY, SIZE];
const IPHDR = 20;
const IPV6HDR = 40;
const TCPHDR = 20;

const TABLE: readonly BpfFuncProto[] = [
  // Maps (kernel/bpf/helpers.c).
  proto(id.BPF_FUNC_map_lookup_elem, {
    ret: 'RET_PTR_TO_MAP_VALUE_OR_NULL',
    args: [MAP, MAP_KEY],
    pktAccess: true,
    impl: ({ state }) => mapLookupElem(state),
  }),
  proto(id.BPF_FUNC_map_update_elem, { args: [MAP, MAP_KEY, MAP_VALUE, ANYTHING], pktAccess: true, impl: ({ state }) => mapUpdateElem(state) }),
  proto(id.BPF_FUNC_map_delete_elem, { args: [MAP, MAP_KEY], pktAccess: true, impl: ({ state }) => mapDeleteElem(state) }),
  proto(id.BPF_FUNC_map_push_elem, { args: [MAP, MAP_VALUE, ANYTHING], pktAccess: true, mapTypes: [...QUEUE_MAPS, BPF_MAP_TYPE_BLOOM_FILTER], impl: ({ state }) => mapPushElem(state) }),
  proto(id.BPF_FUNC_map_pop_elem, {
    args: [MAP, { type: 'ARG_PTR_TO_MAP_VALUE', uninit: true, write: true }],
    mapTypes: QUEUE_MAPS,
    impl: ({ state }) => mapTakeElem(state, true),
  }),
  proto(id.BPF_FUNC_map_peek_elem, {
    args: [MAP, { type: 'ARG_PTR_TO_MAP_VALUE', uninit: true, write: true }],
    mapTypes: [...QUEUE_MAPS, BPF_MAP_TYPE_BLOOM_FILTER],
    impl: ({ state }) => mapTakeElem(state, false),
  }),
  proto(id.BPF_FUNC_map_lookup_percpu_elem, {
    ret: 'RET_PTR_TO_MAP_VALUE_OR_NULL',
    args: [MAP, MAP_KEY, ANYTHING],
    pktAccess: true,
    mapTypes: PERCPU_MAPS,
    impl: ({ state }) => mapLookupPercpuElem(state),
  }),
  proto(id.BPF_FUNC_for_each_map_elem, { args: [MAP, FUNC, STACK_OR_NULL, ANYTHING], impl: ({ state }) => forEachMapElem(state) }),
  proto(id.BPF_FUNC_tail_call, { ret: 'RET_VOID', args: [CTX, MAP, ANYTHING], pktData: true, mapTypes: [BPF_MAP_TYPE_PROG_ARRAY], impl: ({ state, programs }) => tailCall(state, programs) }),
  proto(id.BPF_FUNC_spin_lock, { ret: 'RET_VOID', args: [SPIN_LOCK], impl: () => spinLock }),
  proto(id.BPF_FUNC_spin_unlock, { ret: 'RET_VOID', args: [SPIN_LOCK], impl: () => spinUnlock }),

  // Time, CPU, randomness.
  proto(id.BPF_FUNC_ktime_get_ns, { impl: (env) => ktimeGetNs(now(env)) }),
  proto(id.BPF_FUNC_ktime_get_boot_ns, { impl: (env) => ktimeGetNs(now(env)) }),
  proto(id.BPF_FUNC_ktime_get_coarse_ns, { impl: (env) => ktimeGetNs(now(env)) }),
  proto(id.BPF_FUNC_ktime_get_tai_ns, { impl: ({ state }) => ktimeGetTaiNs(state.clock) }),
  proto(id.BPF_FUNC_jiffies64, { impl: (env) => jiffies64(now(env)) }),
  proto(id.BPF_FUNC_get_prandom_u32, { impl: () => getPrandomU32() }),
  proto(id.BPF_FUNC_get_smp_processor_id, { impl: ({ state }) => getSmpProcessorId(state) }),
  proto(id.BPF_FUNC_get_numa_node_id, { impl: () => getNumaNodeId }),

  // Callbacks.
  proto(id.BPF_FUNC_loop, { args: [ANYTHING, FUNC, STACK_OR_NULL, ANYTHING], impl: () => loop }),
  proto(id.BPF_FUNC_timer_init, { args: [TIMER, MAP, ANYTHING], gpl: true, impl: ({ state }) => timerInit(state) }),
  proto(id.BPF_FUNC_timer_set_callback, { args: [TIMER, FUNC], gpl: true, impl: ({ state }) => timerSetCallback(state) }),
  proto(id.BPF_FUNC_timer_start, { args: [TIMER, ANYTHING, ANYTHING], gpl: true, impl: ({ state }) => timerStart(state) }),
  proto(id.BPF_FUNC_timer_cancel, { args: [TIMER], gpl: true, impl: ({ state }) => timerCancel(state) }),

  // Ring buffers and dynptrs (kernel/bpf/ringbuf.c, helpers.c).
  proto(id.BPF_FUNC_ringbuf_output, { args: [MAP, MEM_RDONLY, SIZE_OR_ZERO, ANYTHING], mapTypes: RINGBUF_MAPS, impl: ({ state }) => ringbufOutput(state) }),
  proto(id.BPF_FUNC_ringbuf_reserve, {
    ret: 'RET_PTR_TO_RINGBUF_MEM_OR_NULL',
    args: [MAP, ALLOC_SIZE_OR_ZERO, ANYTHING],
    mapTypes: RINGBUF_MAPS,
    impl: ({ state }) => ringbufReserve(state),
  }),
  proto(id.BPF_FUNC_ringbuf_submit, {
    ret: 'RET_VOID',
    args: [{ type: 'ARG_PTR_TO_RINGBUF_MEM', release: true }, ANYTHING],
    impl: ({ state }) => ringbufCommit(state, false),
  }),
  proto(id.BPF_FUNC_ringbuf_discard, {
    ret: 'RET_VOID',
    args: [{ type: 'ARG_PTR_TO_RINGBUF_MEM', release: true }, ANYTHING],
    impl: ({ state }) => ringbufCommit(state, true),
  }),
  proto(id.BPF_FUNC_ringbuf_query, { args: [MAP, ANYTHING], mapTypes: RINGBUF_MAPS, impl: ({ state }) => ringbufQuery(state) }),
  proto(id.BPF_FUNC_ringbuf_reserve_dynptr, {
    args: [MAP, ANYTHING, ANYTHING, dynptr({ dynptr: 'ringbuf', uninit: true, write: true })],
    mapTypes: RINGBUF_MAPS,
    impl: ({ state }) => ringbufReserveDynptr(state),
  }),
  proto(id.BPF_FUNC_ringbuf_submit_dynptr, {
    ret: 'RET_VOID',
    args: [dynptr({ dynptr: 'ringbuf', release: true }), ANYTHING],
    impl: ({ state }) => ringbufCommitDynptr(state, false),
  }),
  proto(id.BPF_FUNC_ringbuf_discard_dynptr, {
    ret: 'RET_VOID',
    args: [dynptr({ dynptr: 'ringbuf', release: true }), ANYTHING],
    impl: ({ state }) => ringbufCommitDynptr(state, true),
  }),
  proto(id.BPF_FUNC_dynptr_from_mem, {
    args: [UNINIT_MEM, SIZE_OR_ZERO, ANYTHING, dynptr({ dynptr: 'local', uninit: true, write: true })],
    impl: ({ state }) => dynptrFromMem(state),
  }),
  proto(id.BPF_FUNC_dynptr_read, { args: [UNINIT_MEM, SIZE_OR_ZERO, dynptr({ rdonly: true }), ANYTHING, ANYTHING], impl: () => dynptrRead }),
  proto(id.BPF_FUNC_dynptr_write, { args: [dynptr({ rdonly: true }), ANYTHING, MEM_RDONLY, SIZE_OR_ZERO, ANYTHING], impl: () => dynptrWrite }),
  proto(id.BPF_FUNC_dynptr_data, {
    ret: 'RET_PTR_TO_DYNPTR_MEM_OR_NULL',
    args: [dynptr({ rdonly: true }), ANYTHING, ALLOC_SIZE_OR_ZERO],
    impl: () => dynptrData,
  }),

  // Strings and tracing.
  proto(id.BPF_FUNC_strncmp, { args: [MEM_RDONLY, SIZE, { type: 'ARG_PTR_TO_CONST_STR' }], impl: () => strncmp }),
  proto(id.BPF_FUNC_strtol, { args: [MEM_RDONLY, SIZE, ANYTHING, fixedMem(8, { rdonly: false, uninit: true, write: true, aligned: true })], impl: () => strtol() }),
  proto(id.BPF_FUNC_strtoul, { args: [MEM_RDONLY, SIZE, ANYTHING, fixedMem(8, { rdonly: false, uninit: true, write: true, aligned: true })], impl: () => strtoul() }),
  proto(id.BPF_FUNC_trace_printk, { args: [MEM_RDONLY, SIZE], gpl: true, impl: ({ state }) => tracePrintk(state) }),
  proto(id.BPF_FUNC_trace_vprintk, { args: [MEM_RDONLY, SIZE, MEM_RDONLY_OR_NULL, SIZE_OR_ZERO], gpl: true, impl: ({ state }) => traceVprintk(state) }),
  proto(id.BPF_FUNC_snprintf, {
    args: [{ type: 'ARG_PTR_TO_MEM', maybeNull: true, write: true }, SIZE_OR_ZERO, { type: 'ARG_PTR_TO_CONST_STR' }, MEM_RDONLY_OR_NULL, SIZE_OR_ZERO],
    gpl: true,
    impl: () => snprintf,
  }),
  proto(id.BPF_FUNC_snprintf_btf, {
    args: [{ type: 'ARG_PTR_TO_MEM', write: true }, SIZE, MEM_RDONLY, SIZE, ANYTHING],
    impl: { unsimulated: "it prints kernel objects by the running kernel's BTF type ids, which xdpsim does not have" },
  }),
  proto(id.BPF_FUNC_probe_read_kernel, { args: [UNINIT_MEM, SIZE_OR_ZERO, ANYTHING], gpl: true, impl: () => probeReadKernel }),
  proto(id.BPF_FUNC_probe_read_kernel_str, { args: [UNINIT_MEM, SIZE_OR_ZERO, ANYTHING], gpl: true, impl: () => probeReadKernelStr }),
  proto(id.BPF_FUNC_probe_read_user, { args: [UNINIT_MEM, SIZE_OR_ZERO, ANYTHING], gpl: true, impl: ({ state }) => probeReadUser(state) }),
  proto(id.BPF_FUNC_probe_read_user_str, { args: [UNINIT_MEM, SIZE_OR_ZERO, ANYTHING], gpl: true, impl: () => probeReadUserStr }),
  proto(id.BPF_FUNC_get_branch_snapshot, { args: [UNINIT_MEM, SIZE_OR_ZERO], gpl: true, impl: () => getBranchSnapshot }),
  proto(id.BPF_FUNC_copy_from_user, { args: [UNINIT_MEM, SIZE_OR_ZERO, ANYTHING], sleeps: true, impl: { unsimulated: 'it may sleep' } }),
  proto(id.BPF_FUNC_copy_from_user_task, { args: [UNINIT_MEM, SIZE_OR_ZERO, ANYTHING, TASK, ANYTHING], gpl: true, sleeps: true, impl: { unsimulated: 'it may sleep' } }),
  proto(id.BPF_FUNC_perf_event_read, { args: [MAP, ANYTHING], gpl: true, mapTypes: PERF_MAPS, impl: ({ state }) => perfEventRead(state) }),
  proto(id.BPF_FUNC_perf_event_read_value, {
    args: [MAP, ANYTHING, UNINIT_MEM, SIZE],
    gpl: true,
    mapTypes: PERF_MAPS,
    impl: ({ state }) => perfEventReadValue(state),
  }),

  // The task the program interrupted: on a NIC's receive path, an idle CPU's swapper.
  proto(id.BPF_FUNC_get_current_pid_tgid, { impl: ({ state }) => getCurrentPidTgid(state) }),
  proto(id.BPF_FUNC_get_current_uid_gid, { impl: ({ state }) => getCurrentUidGid(state) }),
  proto(id.BPF_FUNC_get_current_comm, { args: [UNINIT_MEM, SIZE], impl: ({ state }) => getCurrentComm(state) }),
  proto(id.BPF_FUNC_get_cgroup_classid, { impl: ({ state }) => getCgroupClassid(state) }),
  proto(id.BPF_FUNC_get_current_cgroup_id, { impl: ({ state }) => getCurrentCgroupId(state) }),
  proto(id.BPF_FUNC_get_current_ancestor_cgroup_id, { args: [ANYTHING], impl: ({ state }) => getCurrentAncestorCgroupId(state) }),
  proto(id.BPF_FUNC_get_ns_current_pid_tgid, { args: [ANYTHING, ANYTHING, UNINIT_MEM, SIZE], impl: ({ state }) => getNsCurrentPidTgid(state) }),
  proto(id.BPF_FUNC_send_signal, { args: [ANYTHING], impl: ({ state }) => sendSignal(state, 'PIDTYPE_TGID') }),
  proto(id.BPF_FUNC_send_signal_thread, { args: [ANYTHING], impl: ({ state }) => sendSignal(state, 'PIDTYPE_PID') }),
  proto(id.BPF_FUNC_get_current_task, { gpl: true, impl: KERNEL_TASK }),
  proto(id.BPF_FUNC_get_current_task_btf, { ret: 'RET_PTR_TO_BTF_ID_TRUSTED', gpl: true, impl: KERNEL_TASK }),
  proto(id.BPF_FUNC_task_pt_regs, { ret: 'RET_PTR_TO_BTF_ID', args: [TASK], gpl: true, impl: TAKES_TASK }),
  proto(id.BPF_FUNC_get_task_stack, { args: [TASK, UNINIT_MEM, SIZE_OR_ZERO, ANYTHING], impl: TAKES_TASK }),
  proto(id.BPF_FUNC_find_vma, { args: [TASK, ANYTHING, FUNC, STACK_OR_NULL, ANYTHING], impl: TAKES_TASK }),
  proto(id.BPF_FUNC_task_storage_get, {
    ret: 'RET_PTR_TO_MAP_VALUE_OR_NULL',
    args: [MAP, TASK_OR_NULL, { type: 'ARG_PTR_TO_MAP_VALUE', maybeNull: true }, ANYTHING],
    mapTypes: [BPF_MAP_TYPE_TASK_STORAGE],
    impl: unsimulatedMap('task_storage'),
  }),
  proto(id.BPF_FUNC_task_storage_delete, { args: [MAP, TASK_OR_NULL], mapTypes: [BPF_MAP_TYPE_TASK_STORAGE], impl: unsimulatedMap('task_storage') }),
  proto(id.BPF_FUNC_cgrp_storage_get, {
    ret: 'RET_PTR_TO_MAP_VALUE_OR_NULL',
    args: [MAP, { type: 'ARG_PTR_TO_BTF_ID', maybeNull: true }, { type: 'ARG_PTR_TO_MAP_VALUE', maybeNull: true }, ANYTHING],
    mapTypes: [BPF_MAP_TYPE_CGRP_STORAGE],
    impl: unsimulatedMap('cgrp_storage'),
  }),
  proto(id.BPF_FUNC_cgrp_storage_delete, { args: [MAP, { type: 'ARG_PTR_TO_BTF_ID', maybeNull: true }], mapTypes: [BPF_MAP_TYPE_CGRP_STORAGE], impl: unsimulatedMap('cgrp_storage') }),
  proto(id.BPF_FUNC_current_task_under_cgroup, { args: [MAP, ANYTHING], mapTypes: [BPF_MAP_TYPE_CGROUP_ARRAY], impl: unsimulatedMap('cgroup array') }),
  proto(id.BPF_FUNC_user_ringbuf_drain, { args: [MAP, FUNC, STACK_OR_NULL, ANYTHING], mapTypes: [BPF_MAP_TYPE_USER_RINGBUF], impl: unsimulatedMap('user ring buffer') }),
  proto(id.BPF_FUNC_per_cpu_ptr, {
    ret: 'RET_PTR_TO_MEM_OR_BTF_ID_OR_NULL_RDONLY',
    args: [{ type: 'ARG_PTR_TO_PERCPU_BTF_ID' }, ANYTHING],
    impl: PERCPU_KSYM,
  }),
  proto(id.BPF_FUNC_this_cpu_ptr, {
    ret: 'RET_PTR_TO_MEM_OR_BTF_ID_RDONLY',
    args: [{ type: 'ARG_PTR_TO_PERCPU_BTF_ID' }],
    impl: PERCPU_KSYM,
  }),
  proto(id.BPF_FUNC_kptr_xchg, {
    ret: 'RET_PTR_TO_BTF_ID_OR_NULL',
    args: [{ type: 'ARG_KPTR_XCHG_DEST' }, { type: 'ARG_PTR_TO_BTF_ID', maybeNull: true, release: true }],
    impl: { unsimulated: 'it exchanges kernel objects allocated by kfuncs, which xdpsim does not load' },
  }),

  // Packet access and redirection (net/core/filter.c).
  proto(id.BPF_FUNC_xdp_adjust_head, { args: [CTX, ANYTHING], pktData: true, impl: ({ state }) => xdpAdjustHead(state) }),
  proto(id.BPF_FUNC_xdp_adjust_meta, { args: [CTX, ANYTHING], pktData: true, impl: ({ state }) => xdpAdjustMeta(state) }),
  proto(id.BPF_FUNC_xdp_adjust_tail, { args: [CTX, ANYTHING], pktData: true, impl: ({ state }) => xdpAdjustTail(state) }),
  proto(id.BPF_FUNC_xdp_get_buff_len, { args: [CTX], impl: ({ state }) => xdpGetBuffLen(state) }),
  proto(id.BPF_FUNC_xdp_load_bytes, { args: [CTX, ANYTHING, UNINIT_MEM, SIZE], impl: ({ state }) => xdpCopyBytes(state, false) }),
  proto(id.BPF_FUNC_xdp_store_bytes, { args: [CTX, ANYTHING, MEM_RDONLY, SIZE], impl: ({ state }) => xdpCopyBytes(state, true) }),
  proto(id.BPF_FUNC_csum_diff, { args: [MEM_RDONLY_OR_NULL, SIZE_OR_ZERO, MEM_RDONLY_OR_NULL, SIZE_OR_ZERO, ANYTHING], pktAccess: true, impl: () => csumDiff }),
  proto(id.BPF_FUNC_redirect, { args: [ANYTHING, ANYTHING], impl: ({ state }) => redirect(state) }),
  proto(id.BPF_FUNC_redirect_map, {
    args: [MAP, ANYTHING, ANYTHING],
    mapTypes: [BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH, BPF_MAP_TYPE_CPUMAP, BPF_MAP_TYPE_XSKMAP],
    impl: ({ state }) => redirectMap(state),
  }),
  proto(id.BPF_FUNC_perf_event_output, {
    args: [CTX, MAP, ANYTHING, MEM_RDONLY, SIZE_OR_ZERO],
    gpl: true,
    mapTypes: PERF_MAPS,
    impl: ({ state }) => perfEventOutput(state),
  }),
  proto(id.BPF_FUNC_fib_lookup, { args: [CTX, { type: 'ARG_PTR_TO_MEM', write: true }, SIZE, ANYTHING], gpl: true, impl: ({ state }) => fibLookup(state) }),
  proto(id.BPF_FUNC_check_mtu, {
    args: [CTX, ANYTHING, fixedMem(4, { rdonly: false, write: true, aligned: true }), ANYTHING, ANYTHING],
    gpl: true,
    impl: ({ state }) => checkMtu(state),
  }),

  // Sockets and SYN cookies (net/core/filter.c).
  proto(id.BPF_FUNC_sk_lookup_tcp, {
    ret: 'RET_PTR_TO_SOCKET_OR_NULL',
    args: SOCK_LOOKUP_ARGS,
    pktAccess: true,
    impl: ({ state }) => skLookup(state, IPPROTO_TCP, true, 'bpf_sk_lookup_tcp'),
  }),
  proto(id.BPF_FUNC_sk_lookup_udp, {
    ret: 'RET_PTR_TO_SOCKET_OR_NULL',
    args: SOCK_LOOKUP_ARGS,
    pktAccess: true,
    impl: ({ state }) => skLookup(state, IPPROTO_UDP, true, 'bpf_sk_lookup_udp'),
  }),
  proto(id.BPF_FUNC_skc_lookup_tcp, {
    ret: 'RET_PTR_TO_SOCK_COMMON_OR_NULL',
    args: SOCK_LOOKUP_ARGS,
    pktAccess: true,
    impl: ({ state }) => skLookup(state, IPPROTO_TCP, false, 'bpf_skc_lookup_tcp'),
  }),
  proto(id.BPF_FUNC_sk_release, { args: [{ ...SOCK_COMMON, release: true }], impl: ({ state }) => skRelease(state) }),
  proto(id.BPF_FUNC_tcp_check_syncookie, { args: SYNCOOKIE_ARGS, gpl: true, pktAccess: true, impl: ({ state }) => tcpCheckSyncookie(state) }),
  proto(id.BPF_FUNC_tcp_gen_syncookie, { args: SYNCOOKIE_ARGS, gpl: true, pktAccess: true, impl: ({ state }) => tcpGenSyncookie(state) }),
  proto(id.BPF_FUNC_tcp_raw_gen_syncookie_ipv4, {
    args: [fixedMem(IPHDR), MEM_RDONLY, SIZE_OR_ZERO],
    gpl: true,
    pktAccess: true,
    impl: ({ state }) => tcpRawGenSyncookie(state, COOKIE_V4, IPHDR, TCP_MSS_DEFAULT),
  }),
  proto(id.BPF_FUNC_tcp_raw_gen_syncookie_ipv6, {
    args: [fixedMem(IPV6HDR), MEM_RDONLY, SIZE_OR_ZERO],
    gpl: true,
    pktAccess: true,
    impl: ({ state }) => tcpRawGenSyncookie(state, COOKIE_V6, IPV6HDR, IPV6_MSS_DEFAULT),
  }),
  proto(id.BPF_FUNC_tcp_raw_check_syncookie_ipv4, {
    args: [fixedMem(IPHDR), fixedMem(TCPHDR)],
    gpl: true,
    pktAccess: true,
    impl: ({ state }) => tcpRawCheckSyncookie(state, COOKIE_V4, IPHDR),
  }),
  proto(id.BPF_FUNC_tcp_raw_check_syncookie_ipv6, {
    args: [fixedMem(IPV6HDR), fixedMem(TCPHDR)],
    gpl: true,
    pktAccess: true,
    impl: ({ state }) => tcpRawCheckSyncookie(state, COOKIE_V6, IPV6HDR),
  }),
  ...[
    id.BPF_FUNC_skc_to_tcp6_sock,
    id.BPF_FUNC_skc_to_tcp_sock,
    id.BPF_FUNC_skc_to_tcp_timewait_sock,
    id.BPF_FUNC_skc_to_tcp_request_sock,
    id.BPF_FUNC_skc_to_udp6_sock,
    id.BPF_FUNC_skc_to_unix_sock,
  ].map((func) => proto(func, { ret: 'RET_PTR_TO_BTF_ID_OR_NULL', args: [SOCK_COMMON], impl: KERNEL_SOCK })),
  proto(id.BPF_FUNC_skc_to_mptcp_sock, { ret: 'RET_PTR_TO_BTF_ID_OR_NULL', args: [{ type: 'ARG_PTR_TO_SOCK_COMMON' }], impl: KERNEL_SOCK }),
];

/** Every helper an XDP program may call, by id. */
export const HELPER_PROTOS: ReadonlyMap<number, BpfFuncProto> = new Map(TABLE.map((p) => [p.func, p]));
