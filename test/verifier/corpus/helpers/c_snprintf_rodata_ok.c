// helpers: bpf_snprintf with its format in .rodata
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int c_snprintf_rodata_ok(struct xdp_md *ctx)
{
	static const char fmt[] = "q%u";
	char out[16];
	__u64 args[1] = { ctx->rx_queue_index };

	bpf_snprintf(out, sizeof(out), fmt, args, sizeof(args));
	return out[0] == 'q' ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
