// SPDX-License-Identifier: GPL-2.0
// Benchmark workload (d): a layer-4 load balancer. A 64-bit hash of the
// 5-tuple picks one of BACKEND_SLOTS backends; the packet is readdressed to
// it (destination MAC and IPv4 address), both checksums are patched
// incrementally, and the frame goes back out of the interface it came in on.
// The control plane keeps every slot filled (several slots may name the same
// backend), so the slot a hash picks is used as it stands.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define BACKEND_SLOTS 256

struct backend {
	__be32 addr;
	__u8 mac[ETH_ALEN];
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BACKEND_SLOTS);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

// MurmurHash3's 64-bit finaliser: every input bit reaches every output bit,
// so flows that differ in one port still spread over all slots.
static __always_inline __u64 mix64(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static __always_inline __u64 flow_hash(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport, __u8 proto)
{
	__u64 addrs = ((__u64)saddr << 32) | daddr;
	__u64 ports = ((__u64)sport << 32) | ((__u64)dport << 16) | proto;

	return mix64(addrs ^ mix64(ports));
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

// RFC 1624 eqn. 3 for a 32-bit field, 16 bits at a time:
// HC' = ~(~HC + ~m + m'). Done by hand: bpf_csum_diff would cost a helper
// call per checksum, more than the rest of the program together.
static __always_inline __u16 csum_replace4(__u16 check, __be32 old, __be32 new)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~old + (__u16)~(old >> 16) + (__u16)new + (__u16)(new >> 16);
	return csum_fold(sum);
}

SEC("xdp")
int xdp_lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct backend *target;
	struct iphdr *ip;
	__be16 sport, dport;
	__sum16 *l4_check;
	__be32 old_daddr;
	__u32 slot;
	void *l4;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl < 5)
		return XDP_PASS;
	if (ip->frag_off & bpf_htons(0x3fff))
		return XDP_PASS; // fragments carry no reliable ports
	l4 = (void *)ip + ip->ihl * 4;

	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return XDP_PASS;
		sport = tcp->source;
		dport = tcp->dest;
		l4_check = &tcp->check;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return XDP_PASS;
		sport = udp->source;
		dport = udp->dest;
		l4_check = &udp->check;
	} else {
		return XDP_PASS;
	}

	slot = flow_hash(ip->saddr, ip->daddr, sport, dport, ip->protocol) % BACKEND_SLOTS;
	target = bpf_map_lookup_elem(&backends, &slot);
	if (!target)
		return XDP_ABORTED;

	old_daddr = ip->daddr;
	ip->daddr = target->addr;
	ip->check = csum_replace4(ip->check, old_daddr, target->addr);
	// The TCP and UDP checksums cover the destination address through the
	// pseudo-header. A zero UDP checksum means "none" and stays zero; a
	// computed zero is sent as all ones.
	if (ip->protocol == IPPROTO_TCP) {
		*l4_check = csum_replace4(*l4_check, old_daddr, target->addr);
	} else if (*l4_check) {
		__u16 check = csum_replace4(*l4_check, old_daddr, target->addr);

		*l4_check = check ? check : 0xffff;
	}

	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, target->mac, ETH_ALEN);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
