// loops: a loop of 400,000 iterations: past the 1,000,000 processed instructions
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int c_loop_400k(struct xdp_md *ctx)
{
	__u32 sum = 0;

#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < 400000; i++)
		sum += i ^ ctx->rx_queue_index;
	return sum & 3;
}

char _license[] SEC("license") = "GPL";
