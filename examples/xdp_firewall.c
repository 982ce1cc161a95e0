// SPDX-License-Identifier: GPL-2.0
// Benchmark workload (c): a stateless IPv4 firewall. A packet is dropped when
// its source address falls in a blocked prefix (LPM trie) or when its exact
// 5-tuple is a deny rule (hash). Both tables count their own hits; a per-CPU
// array counts every verdict. Everything else, including non-IPv4, passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_DENY_RULES 65536
#define MAX_BLOCKED_PREFIXES 1024

// Addresses and ports stay in network byte order, as rules are written from
// packet bytes. The padding is explicit so that a rule's key bytes are fully
// defined on both sides of the map.
struct five_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct rule_hits {
	__u64 packets;
	__u64 bytes;
};

struct ipv4_prefix {
	__u32 prefixlen;
	__be32 addr;
};

struct action_counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_DENY_RULES);
	__type(key, struct five_tuple);
	__type(value, struct rule_hits);
} deny_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MAX_BLOCKED_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipv4_prefix);
	__type(value, __u64);
} blocked_sources SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_REDIRECT + 1);
	__type(key, __u32);
	__type(value, struct action_counter);
} action_counts SEC(".maps");

// Fills the tuple from an IPv4 packet; returns 0 when the headers it needs
// are not all inside the packet.
static __always_inline int read_tuple(struct iphdr *ip, void *data_end, struct five_tuple *t)
{
	void *l4;

	if ((void *)(ip + 1) > data_end || ip->ihl < 5)
		return 0;
	l4 = (void *)ip + ip->ihl * 4;
	if (l4 > data_end)
		return 0;
	t->saddr = ip->saddr;
	t->daddr = ip->daddr;
	t->proto = ip->protocol;
	// Later fragments have no ports; they match rules written with port 0.
	if (ip->frag_off & bpf_htons(0x1fff))
		return 1;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return 0;
		t->sport = tcp->source;
		t->dport = tcp->dest;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return 0;
		t->sport = udp->source;
		t->dport = udp->dest;
	}
	return 1;
}

static __always_inline int decide(void *data, void *data_end, __u64 len)
{
	struct ethhdr *eth = data;
	struct five_tuple tuple = {};
	struct ipv4_prefix prefix;
	struct rule_hits *hits;
	__u64 *prefix_hits;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (!read_tuple((void *)(eth + 1), data_end, &tuple))
		return XDP_DROP;

	prefix.prefixlen = 32;
	prefix.addr = tuple.saddr;
	prefix_hits = bpf_map_lookup_elem(&blocked_sources, &prefix);
	if (prefix_hits) {
		__sync_fetch_and_add(prefix_hits, 1);
		return XDP_DROP;
	}

	hits = bpf_map_lookup_elem(&deny_rules, &tuple);
	if (hits) {
		__sync_fetch_and_add(&hits->packets, 1);
		__sync_fetch_and_add(&hits->bytes, len);
		return XDP_DROP;
	}
	return XDP_PASS;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	__u32 action = decide(data, data_end, len);
	struct action_counter *counter;

	counter = bpf_map_lookup_elem(&action_counts, &action);
	if (counter) {
		counter->packets++;
		counter->bytes += len;
	}
	return action;
}

char LICENSE[] SEC("license") = "GPL";
