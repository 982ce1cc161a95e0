// calls: a global function dereferencing its pointer argument without a null check
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int first(int *p)
{
	return *p;
}

SEC("xdp")
int c_global_func_null_arg(struct xdp_md *ctx)
{
	int v = ctx->rx_queue_index;

	return first(&v) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
