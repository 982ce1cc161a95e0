// XDP's sizes: the kernel's buffer layout (XDP-FACTS.md §1.3). The actions and
// the headroom are linux/bpf.h's, in src/uapi/bpf.ts.
import { XDP_PACKET_HEADROOM } from '../uapi/bpf.js';
import { PAGE_SIZE } from '../uapi/limits.js';

/** One page per frame. */
export const XDP_FRAME_SIZE = PAGE_SIZE;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)): reserved at the end of the frame. */
export const XDP_TAILROOM = 320;
/** sizeof(struct xdp_frame): kept at the start of the headroom, never usable by adjust_head. */
export const XDP_FRAME_STRUCT = 40;
/** Largest linear packet: 4096 - 256 - 320. */
export const XDP_MAX_LINEAR = XDP_FRAME_SIZE - XDP_PACKET_HEADROOM - XDP_TAILROOM;
/** MAX_SKB_FRAGS: pages beyond the linear part. */
export const MAX_SKB_FRAGS = 17;
/**
 * The size of the one large frame slot of each execution context: the
 * frame_sz generic XDP gives the longest frame a device takes (ETH_MAX_MTU
 * plus Ethernet header and VLAN tag, 65553 bytes) when the program takes no
 * fragments. netif_skb_check_for_xdp then makes the skb linear whatever its
 * length, in a head kmalloc rounds up twice (the driver's, then
 * pskb_expand_head's): 256 KiB. src/nic/generic.ts computes it
 * (genericFrameSize); its test checks the two agree.
 */
export const XDP_LARGE_FRAME_SIZE = 256 * 1024;

/** struct xdp_md field offsets. */
export const XDP_MD_DATA = 0;
export const XDP_MD_DATA_END = 4;
export const XDP_MD_DATA_META = 8;
export const XDP_MD_INGRESS_IFINDEX = 12;
export const XDP_MD_RX_QUEUE_INDEX = 16;
export const XDP_MD_EGRESS_IFINDEX = 20;
export const XDP_MD_SIZE = 24;
