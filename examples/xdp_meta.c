// SPDX-License-Identifier: GPL-2.0
// Hands information to the rest of the stack in the metadata area in front
// of the packet: bpf_xdp_adjust_meta grows it by sizeof(struct xdp_rx_meta),
// and a TC program (or AF_XDP user space) later reads it from there. The
// packet itself is untouched and passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define META_MAGIC 0x58445053 // "XDPS"

// Metadata length must be a multiple of 4 bytes.
struct xdp_rx_meta {
	__u32 magic;
	__u32 frame_len;
	__u16 eth_proto; // host byte order; 0 for a runt frame
	__u16 rx_queue;
};

SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	struct xdp_rx_meta *meta;
	struct ethhdr *eth;
	void *data, *data_end;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*meta)))
		return XDP_PASS; // no room or no metadata support: deliver it bare
	// Packet pointers are only valid when read after the adjustment.
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) > data)
		return XDP_ABORTED;

	eth = data;
	meta->magic = META_MAGIC;
	meta->frame_len = data_end - data;
	meta->eth_proto = (void *)(eth + 1) <= data_end ? bpf_ntohs(eth->h_proto) : 0;
	meta->rx_queue = ctx->rx_queue_index;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
