// SPDX-License-Identifier: GPL-2.0
// Debug tracing with bpf_printk. Up to three arguments the macro expands to
// bpf_trace_printk; with more it packs them into an array on the stack and
// calls bpf_trace_vprintk. Both lines land in the kernel's trace buffer
// (/sys/kernel/tracing/trace_pipe). The packet always passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int xdp_printk(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end) {
		bpf_printk("xdp_printk: runt frame of %ld bytes", (long)(data_end - data));
		return XDP_PASS;
	}
	bpf_printk("xdp_printk: if %u queue %u proto 0x%04x len %ld", ctx->ingress_ifindex,
		   ctx->rx_queue_index, bpf_ntohs(eth->h_proto), (long)(data_end - data));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
