// SPDX-License-Identifier: GPL-2.0
// A filter configured through read-only globals. A loader sets these
// `const volatile` values in .rodata before it loads the object (libbpf's
// skeleton does this); the kernel then freezes the map, and the verifier
// reads the frozen values as constants. Frames longer than max_frame_len
// are dropped, and so is TCP or UDP to blocked_port; the rest passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u32 max_frame_len = 1514;
const volatile __u16 blocked_port = 23; // telnet
const volatile __u8 filter_udp = 1;

SEC("xdp")
int xdp_rodata(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__be16 dport;
	void *l4;

	if (data_end - data > max_frame_len)
		return XDP_DROP;
	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->ihl < 5 || (ip->frag_off & bpf_htons(0x1fff)))
		return XDP_PASS;
	l4 = (void *)ip + ip->ihl * 4;

	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return XDP_PASS;
		dport = tcp->dest;
	} else if (ip->protocol == IPPROTO_UDP && filter_udp) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return XDP_PASS;
		dport = udp->dest;
	} else {
		return XDP_PASS;
	}
	return dport == bpf_htons(blocked_port) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
