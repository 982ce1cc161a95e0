// calls: a global function taking the context, verified on its own
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int queue_of(struct xdp_md *ctx)
{
	return ctx->rx_queue_index;
}

SEC("xdp")
int c_global_func_ok(struct xdp_md *ctx)
{
	return queue_of(ctx) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
