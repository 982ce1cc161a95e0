// loops: a loop whose bound is a packet byte no larger than 255, with a short body
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int c_loop_unknown_bound(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	__u32 sum = 0;

	if ((void *)(data + 1) > (void *)(long)ctx->data_end)
		return XDP_DROP;
#pragma clang loop unroll(disable)
	for (int i = 0; i < data[0]; i++)
		sum = sum * 31 + i;
	return sum & 3;
}

char _license[] SEC("license") = "GPL";
