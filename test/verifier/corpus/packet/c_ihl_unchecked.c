// packet: the L4 header found with ip->ihl and read without a new check
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>

SEC("xdp")
int c_ihl_unchecked(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct udphdr *udp;

	if ((void *)(ip + 1) + sizeof(*udp) > data_end)
		return XDP_DROP;
	udp = (void *)ip + ip->ihl * 4;
	return udp->dest == 53 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
