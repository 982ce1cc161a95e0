/**
 * bpf_tcp_gen_syncookie and bpf_tcp_check_syncookie (net/core/filter.c): SYN
 * cookies on behalf of a listening socket from the lookup helpers, with the
 * kernel's checks of the socket, of its namespace's net.ipv4.tcp_syncookies
 * and of the headers, and the listener's state: a cookie is only made when
 * its SYN queue is full (or syncookies is 2), and only checked within two
 * minutes of the last one it made (tcp_synq_overflow).
 */
import { EINVAL, ENOENT, EPROTONOSUPPORT } from '../uapi/errno.js';
import { IPPROTO_TCP } from '../uapi/in.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import { AF_INET6 } from './fib-table.js';
import type { LoadedSockets } from './loaded-sockets.js';
import { ptrArg, type HelperState } from './state.js';
import { heldSocket } from './sk-lookup.js';
import { TCP_LISTEN, type Sock } from './socket-table.js';
import {
  COOKIE_V4,
  COOKIE_V6,
  cookieCheck,
  cookieInitSequence,
  IPV6_MSS_DEFAULT,
  MAX_SYNCOOKIE_AGE,
  mssIndex,
  TCP_MSS_DEFAULT,
  TCP_SYNCOOKIE_PERIOD,
  tcpCookieTime,
  tcpParseMssOption,
  type CookieFamily,
} from './syncookie.js';
import { cookieResult, secretOf, TCPHDR_SIZE, thLenMatchesDoff } from './syncookie-raw.js';
import { HZ, jiffiesAt } from './time.js';

const IPHDR_SIZE = 20;
const IPV6HDR_SIZE = 40;

/** TCP header flags, byte 13. */
const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_ACK = 0x10;

/** TCP_SYNCOOKIE_VALID: how long after its last overflow a listener takes cookies. */
const TCP_SYNCOOKIE_VALID = MAX_SYNCOOKIE_AGE * TCP_SYNCOOKIE_PERIOD;

/** The kernel's `jiffies` (an unsigned long read into an unsigned int) at the helper state's now. */
const jiffies32 = (state: HelperState): number => jiffiesAt(state.now()) >>> 0;

/** time_between32(t, l, h): l <= t <= h, modulo 2^32. */
const timeBetween32 = (t: number, l: number, h: number): boolean => (h - l) >>> 0 >= (t - l) >>> 0;

/** tcp_synq_overflow: remembers when the listener last sent a cookie, at most once a second. */
function synqOverflow(sockets: LoadedSockets, sk: Sock, now: number): void {
  const last = sockets.synqOverflow[sk.index]!;
  if (!timeBetween32(now, last, last + HZ)) sockets.synqOverflow[sk.index] = now;
}

/** tcp_synq_no_recent_overflow: the listener sent no cookie in the last two minutes (nor, racing, a second ahead). */
function synqNoRecentOverflow(sockets: LoadedSockets, sk: Sock, now: number): boolean {
  const last = sockets.synqOverflow[sk.index]!;
  return !timeBetween32(now, last - HZ, last + TCP_SYNCOOKIE_VALID);
}

/** The two headers of a call: R2 iph (R3 bytes), R4 th (R5 bytes). One per helper, refilled by each call. */
interface Headers {
  iph: number;
  iphLen: number;
  th: number;
  thLen: number;
}

const headers = (): Headers => ({ iph: 0, iphLen: 0, th: 0, thLen: 0 });

/** The socket of a call (R1), with its headers read into `h` and checked readable, as the verifier would. */
function args(state: HelperState, call: HelperCall, helper: string, h: Headers,
              r1: number, r2: number, r3: number, r4: number, r5: number, h1: number, h2: number, h4: number): Sock {
  const sk = heldSocket(state, call, 1, r1, h1, helper);
  h.iphLen = r3 >>> 0;
  h.thLen = r5 >>> 0;
  h.iph = ptrArg(call, 2, r2, h2);
  h.th = ptrArg(call, 4, r4, h4);
  call.memory.check(h.iph, h.iphLen, false, call.insn);
  call.memory.check(h.th, h.thLen, false, call.insn);
  return sk;
}

/**
 * The cookie family for the IP header's version, after the kernel's checks
 * of the listener's family: -EINVAL or -EPROTONOSUPPORT when none.
 */
function familyFor(u8: Uint8Array, sk: Sock, h: Headers): CookieFamily | number {
  switch (u8[h.iph]! >> 4) {
    case 4:
      return sk.family === AF_INET6 && sk.ipv6only ? -EINVAL : COOKIE_V4;
    case 6:
      return h.iphLen < IPV6HDR_SIZE || sk.family !== AF_INET6 ? -EINVAL : COOKIE_V6;
    default:
      return -EPROTONOSUPPORT;
  }
}

const isListener = (sk: Sock): boolean => sk.protocol === IPPROTO_TCP && sk.state === TCP_LISTEN;

/**
 * bpf_tcp_gen_syncookie(sk, iph, iph_len, th, th_len): the cookie for the
 * SYN, with its MSS above bit 32, as tcp_v4_get_syncookie /
 * tcp_v6_get_syncookie make it; -EINVAL for a bad header or socket, -ENOENT
 * when syncookies are off or the listener would not send one.
 */
export function tcpGenSyncookie(state: HelperState): Helper {
  const h = headers();
  return (call, r1, r2, r3, r4, r5, h1, h2, _h3, h4) => {
    const sk = args(state, call, 'bpf_tcp_gen_syncookie', h, r1, r2, r3, r4, r5, h1, h2, h4);
    const u8 = call.memory.u8;
    if (!thLenMatchesDoff(u8, h.th, h.thLen)) return -EINVAL;
    if (!isListener(sk)) return -EINVAL;
    const syncookies = sk.netns.syncookies;
    if (syncookies === 0) return -ENOENT;
    const flags = u8[h.th + 13]!;
    if (!(flags & TCP_SYN) || flags & (TCP_ACK | TCP_FIN | TCP_RST)) return -EINVAL;
    if (h.iphLen < IPHDR_SIZE) return -EINVAL;
    const family = familyFor(u8, sk, h);
    if (typeof family === 'number') return family;
    // tcp_get_syncookie_mss: a listener sends cookies when its SYN queue
    // overflows, or always with syncookies 2, but not with its accept queue full.
    if ((syncookies !== 2 && sk.synQueue <= sk.backlog) || sk.acceptQueue > sk.backlog) return -ENOENT;
    const mss = tcpParseMssOption(u8, h.th, sk.userMss) || (family === COOKIE_V4 ? TCP_MSS_DEFAULT : IPV6_MSS_DEFAULT);
    const mssind = mssIndex(family, mss);
    const cookie = cookieInitSequence(family, secretOf(state), u8, h.iph, h.th, mssind, tcpCookieTime(state.now()));
    synqOverflow(state.sockets!, sk, jiffies32(state));
    return cookieResult(cookie, family.msstab[mssind]!);
  };
}

/**
 * bpf_tcp_check_syncookie(sk, iph, iph_len, th, th_len): 0 when the ACK
 * carries a valid cookie of the listener's, -ENOENT when it does not (or is
 * not a bare ACK, or the listener sent no cookie lately), -EINVAL for a bad
 * header or socket or syncookies off.
 */
export function tcpCheckSyncookie(state: HelperState): Helper {
  const h = headers();
  return (call, r1, r2, r3, r4, r5, h1, h2, _h3, h4) => {
    const sk = args(state, call, 'bpf_tcp_check_syncookie', h, r1, r2, r3, r4, r5, h1, h2, h4);
    const u8 = call.memory.u8;
    if (h.thLen < TCPHDR_SIZE || !isListener(sk) || sk.netns.syncookies === 0) return -EINVAL;
    const flags = u8[h.th + 13]!;
    if (!(flags & TCP_ACK) || flags & (TCP_RST | TCP_SYN)) return -ENOENT;
    if (h.iphLen < IPHDR_SIZE) return -EINVAL;
    if (synqNoRecentOverflow(state.sockets!, sk, jiffies32(state))) return -ENOENT;
    const family = familyFor(u8, sk, h);
    if (typeof family === 'number') return family;
    return cookieCheck(family, secretOf(state), u8, h.iph, h.th, tcpCookieTime(state.now())) > 0 ? 0 : -ENOENT;
  };
}
