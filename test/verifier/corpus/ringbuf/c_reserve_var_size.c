// ringbuf: bpf_ringbuf_reserve with a size from the context
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("xdp")
int c_reserve_var_size(struct xdp_md *ctx)
{
	__u64 *r = bpf_ringbuf_reserve(&rb, ctx->rx_queue_index & 0xff, 0);

	if (!r)
		return XDP_PASS;
	bpf_ringbuf_discard(r, 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
