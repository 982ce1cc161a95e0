/**
 * bpf_sk_lookup_tcp, bpf_sk_lookup_udp, bpf_skc_lookup_tcp and bpf_sk_release
 * for XDP (bpf_xdp_sk_lookup_* and __bpf_sk_lookup of net/core/filter.c),
 * over the helper state's socket table. A lookup returns the found socket's
 * struct bpf_sock, a read-only region, and the program then holds a
 * reference to it until bpf_sk_release: the kernel's verifier refuses a
 * program that can leak one, and here the run that does faults at exit
 * (XdpProgram), naming the lookup.
 */
import { IPPROTO_TCP } from '../uapi/in.js';
import { RuntimeError } from '../vm/errors.js';
import type { Helper, HelperCall } from '../vm/helper.js';
import { AF_INET, AF_INET6 } from './fib-table.js';
import { ptrArg, type HelperState } from './state.js';
import { newTuple, TCP_NEW_SYN_RECV, TCP_TIME_WAIT, type Sock, type Tuple } from './socket-table.js';

/** sizeof(bpf_sock_tuple.ipv4) and sizeof(bpf_sock_tuple.ipv6): any other length finds nothing. */
const TUPLE_IPV4 = 12;
const TUPLE_IPV6 = 36;

/**
 * __bpf_skc_lookup: the socket for the bpf_sock_tuple in R2 (R3 bytes), in
 * the namespace R4 names (a u32 here: negative as an s32 is the program's
 * own), with flags R5 0; undefined for anything else. The device the program
 * runs on is the lookup's ingress device.
 */
function skcLookup(state: HelperState, call: HelperCall, tuple: Tuple, protocol: number,
                   r2: number, r3: number, r4: number, r5: number, h2: number, h5: number): Sock | undefined {
  const len = r3 >>> 0;
  if (len > 0) call.memory.check(ptrArg(call, 2, r2, h2), len, false, call.insn);
  if (len !== TUPLE_IPV4 && len !== TUPLE_IPV6) return undefined;
  if (r5 !== 0 || h5 !== 0) return undefined;
  const table = state.sockets?.table;
  const netns = table?.netns(r4);
  if (!table || !netns) return undefined;
  const view = call.memory.view;
  const at = ptrArg(call, 2, r2, h2);
  const words = len === TUPLE_IPV4 ? 1 : 4;
  tuple.family = len === TUPLE_IPV4 ? AF_INET : AF_INET6;
  for (let i = 0; i < words; i++) {
    tuple.saddr[i] = view.getUint32(at + 4 * i, false);
    tuple.daddr[i] = view.getUint32(at + 4 * (words + i), false);
  }
  tuple.sport = view.getUint16(at + 8 * words, false);
  tuple.dport = view.getUint16(at + 8 * words + 2, false);
  return protocol === IPPROTO_TCP ? table.lookupTcp(netns, tuple, state.ifindex) : table.lookupUdp(netns, tuple, state.ifindex);
}

/**
 * bpf_skc_lookup_tcp (`full` false) returns whatever socket the lookup finds,
 * request and time-wait ones included; bpf_sk_lookup_tcp and _udp (`full`)
 * turn it into a full socket as sk_to_full_sk does: a request socket into
 * its listener, a time-wait socket into nothing.
 */
export function skLookup(state: HelperState, protocol: number, full: boolean, name: string): Helper {
  const tuple = newTuple();
  return (call, _r1, r2, r3, r4, r5, _h1, h2, _h3, _h4, h5) => {
    let sk = skcLookup(state, call, tuple, protocol, r2, r3, r4, r5, h2, h5);
    if (sk && full && sk.state === TCP_NEW_SYN_RECV) sk = sk.listener;
    if (sk && full && sk.state === TCP_TIME_WAIT) sk = undefined;
    if (!sk) return 0;
    state.sockets!.acquire(sk, call.insn, name);
    return state.sockets!.address(sk);
  };
}

/** bpf_sk_release(sk): drops the reference; 0. */
export function skRelease(state: HelperState): Helper {
  return (call, r1, _r2, _r3, _r4, _r5, h1) => {
    if (!state.sockets?.release(ptrArg(call, 1, r1, h1))) {
      throw new RuntimeError(call.insn, 'bpf_sk_release: R1 is not a socket the program holds (released already, or not from a lookup)');
    }
    return 0;
  };
}

/** Argument `n` of a helper taking a socket (ARG_PTR_TO_BTF_ID_SOCK_COMMON): one the program holds, as the verifier ensures. */
export function heldSocket(state: HelperState, call: HelperCall, n: number, lo: number, hi: number, helper: string): Sock {
  const sk = state.sockets?.holding(ptrArg(call, n, lo, hi));
  if (!sk) throw new RuntimeError(call.insn, `${helper}: R${n} is not a socket the program holds`);
  return sk;
}
