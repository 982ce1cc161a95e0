// stack: a 256-byte buffer on the stack, filled by bpf_xdp_load_bytes
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int c_array_on_stack_ok(struct xdp_md *ctx)
{
	unsigned char buf[256];

	if (bpf_xdp_load_bytes(ctx, 0, buf, sizeof(buf)))
		return XDP_PASS;
	return buf[12] == 0x08 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
