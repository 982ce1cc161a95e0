// SPDX-License-Identifier: GPL-2.0
// Answers pings from the driver: an ICMP echo request (IPv4) or ICMPv6 echo
// request (IPv6) becomes its own reply. MAC and IP addresses swap places,
// the type changes to echo reply, and the ICMP checksum is patched for that
// one changed word with bpf_csum_diff. Swapping source and destination
// leaves both the IPv4 header checksum and the ICMPv6 pseudo-header sum as
// they were. The reply leaves through the receiving interface (XDP_TX); all
// else passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ICMP_ECHO_REQUEST 8
#define ICMP_ECHO_REPLY 0
#define ICMPV6_ECHO_REQUEST_TYPE 128
#define ICMPV6_ECHO_REPLY_TYPE 129

// The part of an ICMP header that every message type shares (linux/icmp.h
// cannot be included: it pulls libc socket headers into a BPF build).
struct icmp_common {
	__u8 type;
	__u8 code;
	__sum16 checksum;
};

static __always_inline __sum16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__sum16)~sum;
}

// Makes an echo request into the matching reply, in place. The checksum is
// patched with bpf_csum_diff over the header's first 32-bit word before and
// after the type change (RFC 1624: add ~old and new to the unfolded sum).
// The checksum bytes sit in both words and cancel out.
static __always_inline void turn_into_reply(struct icmp_common *icmp, __u8 reply_type)
{
	__u32 before = *(__u32 *)icmp, after;

	icmp->type = reply_type;
	after = *(__u32 *)icmp;
	icmp->checksum = csum_fold(bpf_csum_diff(&before, sizeof(before), &after, sizeof(after),
						 (__u16)~icmp->checksum));
}

static __always_inline void swap_macs(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

static __always_inline int reply_ipv4(struct iphdr *ip, void *data_end)
{
	struct icmp_common *icmp;
	__be32 addr;

	if ((void *)(ip + 1) > data_end || ip->ihl < 5 || ip->protocol != IPPROTO_ICMP)
		return 0;
	if (ip->frag_off & bpf_htons(0x3fff))
		return 0; // a fragment: the checksum covers bytes this program cannot see
	icmp = (void *)ip + ip->ihl * 4;
	if ((void *)(icmp + 1) > data_end || icmp->type != ICMP_ECHO_REQUEST || icmp->code != 0)
		return 0;

	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	turn_into_reply(icmp, ICMP_ECHO_REPLY);
	return 1;
}

static __always_inline int reply_ipv6(struct ipv6hdr *ip6, void *data_end)
{
	struct icmp_common *icmp = (void *)(ip6 + 1);
	struct in6_addr addr;

	if ((void *)(icmp + 1) > data_end || ip6->nexthdr != IPPROTO_ICMPV6)
		return 0;
	if (icmp->type != ICMPV6_ECHO_REQUEST_TYPE || icmp->code != 0)
		return 0;

	addr = ip6->saddr;
	ip6->saddr = ip6->daddr;
	ip6->daddr = addr;
	turn_into_reply(icmp, ICMPV6_ECHO_REPLY_TYPE);
	return 1;
}

SEC("xdp")
int xdp_icmp_echo(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	int replied;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		replied = reply_ipv4((void *)(eth + 1), data_end);
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		replied = reply_ipv6((void *)(eth + 1), data_end);
	else
		return XDP_PASS;
	if (!replied)
		return XDP_PASS;
	swap_macs(eth);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
