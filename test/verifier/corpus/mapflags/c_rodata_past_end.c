// mapflags: a read past the end of .rodata through an index
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile __u32 table[4] = { 1, 2, 3, 4 };

SEC("xdp")
int c_rodata_past_end(struct xdp_md *ctx)
{
	__u32 i = ctx->rx_queue_index & 7;

	return table[i];
}

char _license[] SEC("license") = "GPL";
