// mapflags: a store into a zero-initialised global (.bss)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u32 last_queue;

SEC("xdp")
int c_bss_write_ok(struct xdp_md *ctx)
{
	last_queue = ctx->rx_queue_index;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
