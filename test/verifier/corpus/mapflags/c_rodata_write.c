// mapflags: a store into a const volatile global (.rodata, frozen and read-only for programs)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 limit = 5;

SEC("xdp")
int c_rodata_write(struct xdp_md *ctx)
{
	*(volatile __u32 *)&limit = ctx->rx_queue_index;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
