/**
 * bpf_tcp_raw_gen_syncookie_ipv4/ipv6 and bpf_tcp_raw_check_syncookie_ipv4/ipv6
 * (net/core/filter.c): SYN cookies from and for bare headers, with no
 * listening socket, as SYN proxies in XDP use them.
 */
import { EACCES, EINVAL } from '../uapi/errno.js';
import type { Helper } from '../vm/helper.js';
import { ptrArg, type HelperState } from './state.js';
import {
  cookieCheck,
  cookieInitSequence,
  mssIndex,
  syncookieSecret,
  tcpCookieTime,
  tcpParseMssOption,
  type CookieFamily,
  type SyncookieSecret,
} from './syncookie.js';

/** sizeof(struct tcphdr). */
export const TCPHDR_SIZE = 20;

/**
 * The th_len check of bpf_tcp_gen_syncookie and bpf_tcp_raw_gen_syncookie_*
 * (filter.c: th_len < sizeof(*th) || th_len != th->doff * 4 is -EINVAL): at
 * least a TCP header, and exactly the header its doff gives, options included.
 */
export const thLenMatchesDoff = (u8: Uint8Array, th: number, thLen: number): boolean =>
  thLen >= TCPHDR_SIZE && thLen === (u8[th + 12]! >> 4) * 4;

/** The object's SYN cookie keys, drawn when the first cookie is made, as the kernel draws them (net_get_random_once). */
export function secretOf(state: HelperState): SyncookieSecret {
  return (state.syncookieSecret ??= syncookieSecret());
}

/** The gen helpers' result: the cookie in the low 32 bits, the MSS it encodes above (below 2^16, so exact). */
export function cookieResult(cookie: number, mss: number): number {
  return mss * 4294967296 + (cookie >>> 0);
}

/**
 * bpf_tcp_raw_gen_syncookie_*(iph, th, th_len): -EINVAL unless th_len is at
 * least a TCP header and equals its doff; the MSS is the SYN's option or
 * `defaultMss` (TCP_MSS_DEFAULT, or the IPv6 minimum), rounded down to the
 * family's table.
 */
export function tcpRawGenSyncookie(state: HelperState, family: CookieFamily, iphSize: number, defaultMss: number): Helper {
  return (call, r1, r2, r3, _r4, _r5, h1, h2) => {
    const memory = call.memory;
    const iph = ptrArg(call, 1, r1, h1);
    memory.check(iph, iphSize, false, call.insn);
    const thLen = r3 >>> 0;
    const th = thLen > 0 ? ptrArg(call, 2, r2, h2) : 0;
    if (thLen > 0) memory.check(th, thLen, false, call.insn);
    if (!thLenMatchesDoff(memory.u8, th, thLen)) return -EINVAL;
    const mssind = mssIndex(family, tcpParseMssOption(memory.u8, th, 0) || defaultMss);
    return cookieResult(cookieInitSequence(family, secretOf(state), memory.u8, iph, th, mssind, tcpCookieTime(state.now())), family.msstab[mssind]!);
  };
}

/** bpf_tcp_raw_check_syncookie_*(iph, th): 0 when the ACK's cookie is valid, else -EACCES. */
export function tcpRawCheckSyncookie(state: HelperState, family: CookieFamily, iphSize: number): Helper {
  return (call, r1, r2, _r3, _r4, _r5, h1, h2) => {
    const memory = call.memory;
    const iph = ptrArg(call, 1, r1, h1);
    const th = ptrArg(call, 2, r2, h2);
    memory.check(iph, iphSize, false, call.insn);
    memory.check(th, TCPHDR_SIZE, false, call.insn);
    return cookieCheck(family, secretOf(state), memory.u8, iph, th, tcpCookieTime(state.now())) > 0 ? 0 : -EACCES;
  };
}
