// SPDX-License-Identifier: GPL-2.0
// IPv4 header sanity filter written as BPF-to-BPF calls. l3_offset is a
// global function, so the verifier checks it once on its own with only the
// context as argument; ipv4_header_ok and csum_fold are static subprograms,
// checked in the caller's context so they may take packet pointers. Packets
// whose IPv4 header checksum is wrong are dropped; everything else passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

// Offset of the IPv4 header behind Ethernet and at most one 802.1Q tag, or
// -1 when the frame carries no IPv4.
__noinline int l3_offset(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct vlan_hdr *vlan = (void *)(eth + 1);

	if ((void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return sizeof(*eth);
	if (eth->h_proto != bpf_htons(ETH_P_8021Q) || (void *)(vlan + 1) > data_end)
		return -1;
	if (vlan->h_vlan_encapsulated_proto != bpf_htons(ETH_P_IP))
		return -1;
	return sizeof(*eth) + sizeof(*vlan);
}

static __noinline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

// A header is good when its 16-bit words, the checksum included, sum to
// all ones. The longest header is 15 words of 32 bits.
static __noinline int ipv4_header_ok(struct iphdr *ip, void *data_end)
{
	__u16 *word = (__u16 *)ip;
	__u32 sum = 0;
	int words, i;

	if ((void *)(ip + 1) > data_end || ip->ihl < 5)
		return 0;
	words = ip->ihl * 2;
	for (i = 0; i < 30; i++) {
		if (i >= words)
			break;
		if ((void *)(word + i + 1) > data_end)
			return 0;
		sum += word[i];
	}
	return csum_fold(sum) == 0;
}

SEC("xdp")
int xdp_calls(struct xdp_md *ctx)
{
	int off = l3_offset(ctx);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	// clang sees l3_offset's body and knows it returns -1, 14 or 18, so it
	// would drop the upper bound check; the verifier checks l3_offset on its
	// own and knows nothing of the kind. The barrier keeps the check.
	barrier_var(off);
	if (off < 0 || off > 18)
		return XDP_PASS;
	return ipv4_header_ok(data + off, data_end) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
