import { RegType } from './reg.js';
import type { AccessType } from './mem.js';
import type { Verifier } from './verifier.js';

/** `struct xdp_md` field offsets (include/uapi/linux/bpf.h). */
const XDP_MD_DATA = 0;
const XDP_MD_DATA_END = 4;
const XDP_MD_DATA_META = 8;
const XDP_MD_RX_QUEUE_INDEX = 16;
const XDP_MD_EGRESS_IFINDEX = 20;
const XDP_MD_SIZE = 24;

/**
 * A load or store of the XDP context (xdp_is_valid_access): whole u32
 * fields only, no writes (an offloaded program may write rx_queue_index),
 * egress_ifindex only in devmap programs. Returns what a load yields: a
 * packet pointer for data, data_meta and data_end, a scalar otherwise.
 */
export function checkCtxAccess(v: Verifier, off: number, size: number, type: AccessType): RegType {
  const refuse = (): never => v.fail(`invalid bpf_context access off=${off} size=${size}`);
  const fieldOk = off >= 0 && off < XDP_MD_SIZE && size > 0 && off % size === 0 && size === 4;
  if (off === XDP_MD_EGRESS_IFINDEX && v.input.attach !== 'devmap') refuse();
  if (type === 'write') {
    if (v.input.offload && off === XDP_MD_RX_QUEUE_INDEX && fieldOk) return RegType.SCALAR_VALUE;
    refuse();
  }
  if (!fieldOk) refuse();
  if (off === XDP_MD_DATA) return RegType.PTR_TO_PACKET;
  if (off === XDP_MD_DATA_META) return RegType.PTR_TO_PACKET_META;
  if (off === XDP_MD_DATA_END) return RegType.PTR_TO_PACKET_END;
  return RegType.SCALAR_VALUE;
}

/** End of `struct bpf_sock` up to rx_queue_mapping, and its dst_port (a __be16 followed by padding). */
const BPF_SOCK_SIZE = 80;
const BPF_SOCK_DST_PORT = 40;
const BPF_SOCK_DST_IP4 = 44;

/**
 * A load from a socket the program looked up (bpf_sock_is_valid_access):
 * u32 fields, narrower loads of them where the kernel converts them,
 * dst_port as 16 bits; never a store.
 */
export function checkSockAccess(v: Verifier, regno: number, typeName: string, off: number, size: number, type: AccessType): void {
  const refuse = (): never => v.fail(`R${regno} invalid ${typeName.replace(/_or_null$/, '')} access off=${off} size=${size}`);
  if (type === 'write') v.fail(`R${regno} cannot write into ${typeName}`);
  if (off < 0 || off >= BPF_SOCK_SIZE || size <= 0 || off % size !== 0) refuse();
  if (off >= BPF_SOCK_DST_PORT + 2 && off < BPF_SOCK_DST_IP4) refuse();
  if (off >= BPF_SOCK_DST_PORT && off < BPF_SOCK_DST_PORT + 2) {
    if (size !== 4 && size > 2) refuse();
    return;
  }
  if (size !== 1 && size !== 2 && size !== 4) refuse();
}
