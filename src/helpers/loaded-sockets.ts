/**
 * A socket table as one loaded object sees it: each socket's `struct
 * bpf_sock` as a read-only region of the object's memory (the pointer the
 * lookup helpers return), the references a run holds, and what the kernel
 * changes on a listener at run time (its SYN queue overflow stamp). The
 * table itself is shared configuration (socket-table.ts).
 */
import { RuntimeError } from '../vm/errors.js';
import type { Memory, MemoryLayout, Region } from '../vm/memory.js';
import type { Sock, SocketTable } from './socket-table.js';

/** sizeof(struct bpf_sock) and its fields' offsets (linux/bpf.h). */
export const BPF_SOCK_SIZE = 80;
export const BPF_SOCK = {
  bound_dev_if: 0,
  family: 4,
  type: 8,
  protocol: 12,
  mark: 16,
  priority: 20,
  src_ip4: 24,
  src_ip6: 28,
  src_port: 44,
  dst_port: 48,
  dst_ip4: 52,
  dst_ip6: 56,
  state: 72,
  rx_queue_mapping: 76,
} as const;

/** Reserves one region per socket of `table` in `layout`; returns their indexes, for LoadedSockets. */
export function layoutSockets(layout: MemoryLayout, table: SocketTable): number[] {
  return table.sockets.map((sk) => layout.add({ name: `socket ${sk.index} (${sk.name})`, size: BPF_SOCK_SIZE, writable: false }));
}

export class LoadedSockets {
  /** The bpf_sock address of each socket, by index. */
  private readonly addresses: Int32Array;
  private readonly byAddress = new Map<number, Sock>();
  /** tcp_sk(sk)->rx_opt.ts_recent_stamp of each listener: the jiffies (u32) of its last SYN queue overflow. */
  readonly synqOverflow: Uint32Array;
  /** References the run holds, as a stack: the socket, the instruction and the helper that acquired it. */
  private readonly heldSocks: Sock[] = [];
  private readonly heldInsns: number[] = [];
  private readonly heldBy: string[] = [];

  constructor(
    readonly table: SocketTable,
    memory: Memory,
    regionIndexes: readonly number[],
  ) {
    this.addresses = Int32Array.from(regionIndexes, (r) => memory.regions[r]!.start);
    this.synqOverflow = new Uint32Array(table.sockets.length);
    for (const sk of table.sockets) {
      const region = memory.regions[regionIndexes[sk.index]!]!;
      writeBpfSock(memory, region, sk);
      this.byAddress.set(region.start, sk);
    }
  }

  /** Where the socket's bpf_sock lies: what a lookup returns. */
  address(sk: Sock): number {
    return this.addresses[sk.index]!;
  }

  /** How many references the run holds. */
  get held(): number {
    return this.heldSocks.length;
  }

  /** Records a reference `helper` acquired at `insn`. */
  acquire(sk: Sock, insn: number, helper: string): void {
    this.heldSocks.push(sk);
    this.heldInsns.push(insn);
    this.heldBy.push(helper);
  }

  /** The socket at `address` if the run holds a reference to it, as the verifier lets only such a pointer reach a helper. */
  holding(address: number): Sock | undefined {
    const sk = this.byAddress.get(address);
    return sk !== undefined && this.heldSocks.includes(sk) ? sk : undefined;
  }

  /** Drops the run's latest reference to the socket at `address`; false when it holds none. */
  release(address: number): boolean {
    const sk = this.byAddress.get(address);
    const i = sk === undefined ? -1 : this.heldSocks.lastIndexOf(sk);
    if (i < 0) return false;
    // Shifted down by hand: splice would allocate its result on every release.
    for (let j = i + 1; j < this.heldSocks.length; j++) {
      this.heldSocks[j - 1] = this.heldSocks[j]!;
      this.heldInsns[j - 1] = this.heldInsns[j]!;
      this.heldBy[j - 1] = this.heldBy[j]!;
    }
    this.heldSocks.pop();
    this.heldInsns.pop();
    this.heldBy.pop();
    return true;
  }

  /**
   * The verifier's check_reference_leak at `what` (a program's exit, a tail
   * call): a fault at the instruction that acquired the first reference still
   * held. The kernel refuses such a program at load; here the run that leaks
   * is the fault. Every reference is dropped either way.
   */
  checkReleased(what: string, at?: number): void {
    if (this.heldSocks.length === 0) return;
    const insn = this.heldInsns[0]!;
    const message =
      `Unreleased reference alloc_insn=${insn}: ${what} would lead to reference leak ` +
      `(the socket ${this.heldBy[0]} returned is not released with bpf_sk_release)`;
    this.drop();
    throw new RuntimeError(at ?? insn, message);
  }

  /** Forgets every reference: a run that faulted holds nothing into the next. */
  drop(): void {
    this.heldSocks.length = 0;
    this.heldInsns.length = 0;
    this.heldBy.length = 0;
  }
}

/**
 * The socket's struct bpf_sock as bpf_sock_convert_ctx_access reads it from
 * the kernel's socket: ports and addresses from sock_common, src_port in host
 * order and dst_port in network order, rx_queue_mapping -1 without a queue.
 * type, protocol, mark and priority are left 0 in request and time-wait
 * sockets, which have no struct sock: the verifier refuses those reads on
 * them (bpf_sock_common_is_valid_access), and so does nothing here depend on
 * what they hold.
 */
function writeBpfSock(memory: Memory, region: Region, sk: Sock): void {
  const v = memory.view;
  const at = region.start;
  v.setUint32(at + BPF_SOCK.bound_dev_if, sk.boundDevIf, true);
  v.setUint32(at + BPF_SOCK.family, sk.family, true);
  if (sk.full) {
    v.setUint32(at + BPF_SOCK.type, sk.type, true);
    v.setUint32(at + BPF_SOCK.protocol, sk.protocol, true);
    v.setUint32(at + BPF_SOCK.mark, sk.mark, true);
    v.setUint32(at + BPF_SOCK.priority, sk.priority, true);
  }
  memory.u8.set(sk.rcvSaddr, at + BPF_SOCK.src_ip4);
  memory.u8.set(sk.v6RcvSaddr, at + BPF_SOCK.src_ip6);
  v.setUint32(at + BPF_SOCK.src_port, sk.num, true);
  v.setUint16(at + BPF_SOCK.dst_port, sk.dport, false);
  memory.u8.set(sk.daddr, at + BPF_SOCK.dst_ip4);
  memory.u8.set(sk.v6Daddr, at + BPF_SOCK.dst_ip6);
  v.setUint32(at + BPF_SOCK.state, sk.state, true);
  v.setInt32(at + BPF_SOCK.rx_queue_mapping, sk.full ? sk.rxQueue : -1, true);
}
