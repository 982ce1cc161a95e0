// calls: a static function taking the context and a stack pointer
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int add_queue(struct xdp_md *ctx, int *acc)
{
	*acc += ctx->rx_queue_index;
	return *acc;
}

SEC("xdp")
int c_static_func_ok(struct xdp_md *ctx)
{
	int acc = 1;

	return add_queue(ctx, &acc) > 4 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
