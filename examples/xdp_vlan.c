// SPDX-License-Identifier: GPL-2.0
// VLAN tagging at the edge of a trunk: xdp_vlan_push inserts an 802.1Q tag
// in front of untagged frames, xdp_vlan_pop strips the outer tag of tagged
// ones. Both move the start of the packet with bpf_xdp_adjust_head and then
// rebuild the Ethernet header at its new place.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ACCESS_VLAN_ID 42

struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

static __always_inline int is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

SEC("xdp")
int xdp_vlan_push(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ethhdr saved;
	struct vlan_hdr *vlan;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (is_vlan(eth->h_proto))
		return XDP_PASS;
	saved = *eth;

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct vlan_hdr)))
		return XDP_DROP;
	// adjust_head invalidates every packet pointer; start over from the context.
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	vlan = (void *)(eth + 1);
	if ((void *)(vlan + 1) > data_end)
		return XDP_DROP;

	__builtin_memcpy(eth->h_dest, saved.h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_source, saved.h_source, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_8021Q);
	vlan->h_vlan_TCI = bpf_htons(ACCESS_VLAN_ID);
	vlan->h_vlan_encapsulated_proto = saved.h_proto;
	return XDP_PASS;
}

SEC("xdp")
int xdp_vlan_pop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vlan_hdr *vlan = (void *)(eth + 1);
	struct ethhdr inner;

	if ((void *)(vlan + 1) > data_end)
		return XDP_PASS;
	if (!is_vlan(eth->h_proto))
		return XDP_PASS;
	__builtin_memcpy(inner.h_dest, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(inner.h_source, eth->h_source, ETH_ALEN);
	inner.h_proto = vlan->h_vlan_encapsulated_proto;

	if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct vlan_hdr)))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	*eth = inner;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
