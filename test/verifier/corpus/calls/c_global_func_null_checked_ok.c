// calls: a global function checking its pointer argument before reading it
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int first(int *p)
{
	return p ? *p : 0;
}

SEC("xdp")
int c_global_func_null_checked_ok(struct xdp_md *ctx)
{
	int v = ctx->rx_queue_index;

	return first(&v) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
