/**
 * SYN cookies as the kernel makes and checks them (net/ipv4/syncookies.c,
 * net/ipv6/syncookies.c): the initial sequence number of a SYN-ACK that
 * encodes, without any state, the client's MSS (as an index into a small
 * table) and the minute it was made in, keyed by a secret random per boot.
 * Both the raw helpers and the socket ones come here; the headers are read in
 * place from the flat memory, and nothing allocates.
 */
import { toKtime, type Nanoseconds } from './clock.js';
import { siphash, sipKey, type SipKey } from './siphash.js';
import { SocketConfigError } from './socket-table.js';
import { HZ, jiffiesAt } from './time.js';

/** COOKIEBITS: the low 24 bits hold the second hash plus the MSS index, the top 8 the minute counter. */
const COOKIEBITS = 24;
const COOKIEMASK = (1 << COOKIEBITS) - 1;

/** MAX_SYNCOOKIE_AGE: a cookie is good in the minute it was made and the next one. */
export const MAX_SYNCOOKIE_AGE = 2;

/** TCP_SYNCOOKIE_PERIOD, in jiffies: the minute counter's tick. */
export const TCP_SYNCOOKIE_PERIOD = 60 * HZ;

/** TCP_MSS_DEFAULT: the MSS assumed of an IPv4 SYN without the option. */
export const TCP_MSS_DEFAULT = 536;

/** IPV6_MIN_MTU - sizeof(tcphdr) - sizeof(ipv6hdr): the IPv6 request's mss_clamp, assumed without the option. */
export const IPV6_MSS_DEFAULT = 1280 - 20 - 40;

/** Bytes of the secret: syncookie_secret[2] then syncookie6_secret[2], siphash_key_t each. */
export const SYNCOOKIE_SECRET_SIZE = 64;

/** The kernel's SYN cookie keys: two per family, drawn once per boot (net_get_random_once). */
export interface SyncookieSecret {
  readonly v4: readonly [SipKey, SipKey];
  readonly v6: readonly [SipKey, SipKey];
}

/** The keys in 64 bytes as SYNCOOKIE_SECRET_SIZE lays them out; random ones, as a boot draws them, when none are given. */
export function syncookieSecret(bytes: Uint8Array = crypto.getRandomValues(new Uint8Array(SYNCOOKIE_SECRET_SIZE))): SyncookieSecret {
  if (bytes.length !== SYNCOOKIE_SECRET_SIZE) {
    throw new SocketConfigError(`a SYN cookie secret is ${SYNCOOKIE_SECRET_SIZE} bytes, not ${bytes.length}`);
  }
  const key = (i: number): SipKey => sipKey(bytes.subarray(16 * i, 16 * i + 16));
  return { v4: [key(0), key(1)], v6: [key(2), key(3)] };
}

/** tcp_cookie_time(): the minute counter, jiffies_64 / TCP_SYNCOOKIE_PERIOD truncated to u32. */
export function tcpCookieTime(ns: Nanoseconds): number {
  const jiffies = jiffiesAt(toKtime(ns));
  return ((jiffies - (jiffies % TCP_SYNCOOKIE_PERIOD)) / TCP_SYNCOOKIE_PERIOD) >>> 0;
}

/** One family's cookie: its hash input, its keys and its MSS table (sorted, as the kernel requires). */
export interface CookieFamily {
  /** cookie_hash(): the hash of the addresses and ports of the headers at `iph` and `th`, with `count`, under `key`. */
  hash(key: SipKey, u8: Uint8Array, iph: number, th: number, count: number): number;
  keys(secret: SyncookieSecret): readonly [SipKey, SipKey];
  readonly msstab: readonly number[];
}

/** Hash input, filled per call. */
const input = new Uint8Array(40);

function copy(u8: Uint8Array, from: number, length: number, to: number): void {
  for (let i = 0; i < length; i++) input[to + i] = u8[from + i]!;
}

function putLe32(at: number, value: number): void {
  input[at] = value;
  input[at + 1] = value >>> 8;
  input[at + 2] = value >>> 16;
  input[at + 3] = value >>> 24;
}

/**
 * IPv4: siphash_4u32(saddr, daddr, sport << 16 | dport, count) on the raw
 * big-endian fields. As little-endian words that is the two addresses as they
 * lie in the header, then dport's bytes, sport's bytes, and count.
 */
export const COOKIE_V4: CookieFamily = {
  hash(key, u8, iph, th, count) {
    copy(u8, iph + 12, 8, 0);
    copy(u8, th + 2, 2, 8);
    copy(u8, th, 2, 10);
    putLe32(12, count);
    return siphash(key, input, 0, 16);
  },
  keys: (secret) => secret.v4,
  msstab: [536, 1300, 1440, 1460],
};

/** IPv6: siphash of { saddr, daddr, u32 count, sport, dport } as the struct lies in memory (40 bytes). */
export const COOKIE_V6: CookieFamily = {
  hash(key, u8, iph, th, count) {
    copy(u8, iph + 8, 32, 0);
    putLe32(32, count);
    copy(u8, th, 4, 36);
    return siphash(key, input, 0, 40);
  },
  keys: (secret) => secret.v6,
  msstab: [1280 - 60, 1480 - 60, 1500 - 60, 9000 - 60],
};

const be32 = (u8: Uint8Array, at: number): number => ((u8[at]! << 24) | (u8[at + 1]! << 16) | (u8[at + 2]! << 8) | u8[at + 3]!) >>> 0;

/** The index of the largest table MSS not above `mss`, or 0: what __cookie_v*_init_sequence encodes. */
export function mssIndex(family: CookieFamily, mss: number): number {
  let i = family.msstab.length - 1;
  while (i > 0 && mss < family.msstab[i]!) i--;
  return i;
}

/**
 * __cookie_v4_init_sequence / __cookie_v6_init_sequence with the MSS index
 * chosen (mssIndex): the cookie for the SYN whose headers are at `iph` and `th`
 * (secure_tcp_syn_cookie).
 */
export function cookieInitSequence(
  family: CookieFamily,
  secret: SyncookieSecret,
  u8: Uint8Array,
  iph: number,
  th: number,
  mssind: number,
  count: number,
): number {
  const keys = family.keys(secret);
  const seq = be32(u8, th + 4);
  const h0 = family.hash(keys[0], u8, iph, th, 0);
  const h1 = family.hash(keys[1], u8, iph, th, count);
  return (h0 + seq + ((count << COOKIEBITS) >>> 0) + ((h1 + mssind) & COOKIEMASK)) >>> 0;
}

/**
 * __cookie_v4_check / __cookie_v6_check: the MSS the ACK's cookie (ack_seq - 1)
 * encodes, or 0 when it was not made for these addresses, ports and sequence
 * number in this minute or the one before (check_tcp_syn_cookie).
 */
export function cookieCheck(family: CookieFamily, secret: SyncookieSecret, u8: Uint8Array, iph: number, th: number, count: number): number {
  const keys = family.keys(secret);
  const seq = (be32(u8, th + 4) - 1) >>> 0;
  let cookie = (be32(u8, th + 8) - 1) >>> 0;
  cookie = (cookie - family.hash(keys[0], u8, iph, th, 0) - seq) >>> 0;
  const diff = (count - (cookie >>> COOKIEBITS)) & (0xffffffff >>> COOKIEBITS);
  if (diff >= MAX_SYNCOOKIE_AGE) return 0;
  const mssind = (cookie - family.hash(keys[1], u8, iph, th, (count - diff) >>> 0)) & COOKIEMASK;
  return mssind < family.msstab.length ? family.msstab[mssind]! : 0;
}

const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_MSS = 2;
const TCPOLEN_MSS = 4;

/**
 * tcp_parse_mss_option: the MSS option of the TCP header at `th` (its doff
 * words), capped at `userMss` when that is set; 0 when there is none. Like the
 * kernel, it stops at EOL, at a length under 2 and at an option running past
 * the header, and a zero MSS counts as none.
 */
export function tcpParseMssOption(u8: Uint8Array, th: number, userMss: number): number {
  let at = th + 20;
  let length = (u8[th + 12]! >> 4) * 4 - 20;
  let mss = 0;
  while (length > 0) {
    const opcode = u8[at++]!;
    if (opcode === TCPOPT_EOL) return mss;
    if (opcode === TCPOPT_NOP) {
      length--;
      continue;
    }
    if (length < 2) return mss;
    const opsize = u8[at++]!;
    if (opsize < 2 || opsize > length) return mss;
    if (opcode === TCPOPT_MSS && opsize === TCPOLEN_MSS) {
      let inMss = (u8[at]! << 8) | u8[at + 1]!;
      if (inMss) {
        if (userMss && userMss < inMss) inMss = userMss;
        mss = inMss;
      }
    }
    at += opsize - 2;
    length -= opsize;
  }
  return mss;
}
