// callbacks: bpf_loop with a static callback counting into the caller's stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static long step(__u64 i, void *data)
{
	*(__u64 *)data += i;
	return 0;
}

SEC("xdp")
int c_bpf_loop_ok(struct xdp_md *ctx)
{
	__u64 sum = 0;

	bpf_loop(16, step, &sum, 0);
	return sum == 120 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
