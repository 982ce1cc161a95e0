// SPDX-License-Identifier: GPL-2.0
// Benchmark workload (b): a complete header walk. Ethernet, up to two VLAN
// tags (802.1ad outer, 802.1Q inner, in any order the wire has them), IPv4
// with options (IHL) or IPv6, then TCP/UDP/ICMP/ICMPv6. Every packet lands
// in exactly one slot of a per-CPU counter array; the packet always passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_VLAN_TAGS 2

// The kernel keeps struct vlan_hdr out of UAPI, so it is spelled out here.
struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

// linux/icmp.h drags in libc socket headers that do not build for BPF; an
// ICMP header is 8 bytes whatever its type.
#define ICMP_HDR_LEN 8

enum parse_slot {
	SLOT_TCP,
	SLOT_UDP,
	SLOT_ICMP,
	SLOT_ICMPV6,
	SLOT_OTHER_L4,  // IP with another protocol, or a non-first IPv4 fragment
	SLOT_NON_IP,    // valid Ethernet, but neither IPv4 nor IPv6
	SLOT_MALFORMED, // a header is cut short or carries an impossible length
	SLOT_COUNT,
};

struct slot_counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLOT_COUNT);
	__type(key, __u32);
	__type(value, struct slot_counter);
} l4_counts SEC(".maps");

static __always_inline int is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

static __always_inline enum parse_slot l4_slot(__u8 proto, void *l4, void *data_end)
{
	switch (proto) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return SLOT_MALFORMED;
		// The data offset counts 32-bit words; below 5 the header overlaps itself.
		if (tcp->doff < 5 || (void *)tcp + tcp->doff * 4 > data_end)
			return SLOT_MALFORMED;
		return SLOT_TCP;
	}
	case IPPROTO_UDP:
		if (l4 + sizeof(struct udphdr) > data_end)
			return SLOT_MALFORMED;
		return SLOT_UDP;
	case IPPROTO_ICMP:
		if (l4 + ICMP_HDR_LEN > data_end)
			return SLOT_MALFORMED;
		return SLOT_ICMP;
	case IPPROTO_ICMPV6:
		if (l4 + sizeof(struct icmp6hdr) > data_end)
			return SLOT_MALFORMED;
		return SLOT_ICMPV6;
	default:
		return SLOT_OTHER_L4;
	}
}

static __always_inline enum parse_slot classify(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	void *cursor = eth + 1;
	__be16 proto;
	int i;

	if (cursor > data_end)
		return SLOT_MALFORMED;
	proto = eth->h_proto;

#pragma unroll
	for (i = 0; i < MAX_VLAN_TAGS; i++) {
		struct vlan_hdr *vlan = cursor;

		if (!is_vlan(proto))
			break;
		if ((void *)(vlan + 1) > data_end)
			return SLOT_MALFORMED;
		proto = vlan->h_vlan_encapsulated_proto;
		cursor = vlan + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = cursor;

		if ((void *)(ip + 1) > data_end)
			return SLOT_MALFORMED;
		if (ip->ihl < 5 || cursor + ip->ihl * 4 > data_end)
			return SLOT_MALFORMED;
		// Only the first fragment carries the L4 header.
		if (ip->frag_off & bpf_htons(0x1fff))
			return SLOT_OTHER_L4;
		return l4_slot(ip->protocol, cursor + ip->ihl * 4, data_end);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = cursor;

		if ((void *)(ip6 + 1) > data_end)
			return SLOT_MALFORMED;
		return l4_slot(ip6->nexthdr, ip6 + 1, data_end);
	}
	return SLOT_NON_IP;
}

SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 slot = classify(data, data_end);
	struct slot_counter *counter;

	counter = bpf_map_lookup_elem(&l4_counts, &slot);
	if (counter) {
		counter->packets++;
		counter->bytes += data_end - data;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
