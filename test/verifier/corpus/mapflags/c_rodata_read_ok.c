// mapflags: a read of a const volatile global (.rodata)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 limit = 5;

SEC("xdp")
int c_rodata_read_ok(struct xdp_md *ctx)
{
	return ctx->rx_queue_index < limit ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
