// loops: a loop counting to a 32-bit value from the context
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int c_loop_unbounded(struct xdp_md *ctx)
{
	__u32 n = ctx->ingress_ifindex;
	__u32 sum = 0;

#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < n; i++)
		sum = sum * 31 + i;
	return sum & 3;
}

char _license[] SEC("license") = "GPL";
