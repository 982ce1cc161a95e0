// loops: bpf_loop over 1,000,000 iterations (the callback is verified once)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static long step(__u64 i, void *data)
{
	*(__u64 *)data += i;
	return 0;
}

SEC("xdp")
int c_bpf_loop_large_ok(struct xdp_md *ctx)
{
	__u64 sum = 0;

	bpf_loop(1000000, step, &sum, 0);
	return sum & 3;
}

char _license[] SEC("license") = "GPL";
