// ringbuf: bpf_ringbuf_reserve, checked, written, submitted
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("xdp")
int c_reserve_submit_ok(struct xdp_md *ctx)
{
	__u64 *r = bpf_ringbuf_reserve(&rb, 8, 0);

	if (!r)
		return XDP_PASS;
	*r = ctx->rx_queue_index;
	bpf_ringbuf_submit(r, 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
