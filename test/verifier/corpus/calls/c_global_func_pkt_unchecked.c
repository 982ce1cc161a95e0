// calls: a global function reading a packet pointer argument it cannot trust
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) int peek(unsigned char *p)
{
	return p ? p[0] : 0;
}

SEC("xdp")
int c_global_func_pkt_unchecked(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;

	if ((void *)(data + 1) > (void *)(long)ctx->data_end)
		return XDP_DROP;
	return peek(data) ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
