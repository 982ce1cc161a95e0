// loops: a loop over 16 iterations that clang keeps as a loop
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int c_bounded_loop_ok(struct xdp_md *ctx)
{
	__u32 sum = 0;

#pragma clang loop unroll(disable)
	for (int i = 0; i < 16; i++)
		sum += i * ctx->rx_queue_index;
	return sum & 3;
}

char _license[] SEC("license") = "GPL";
