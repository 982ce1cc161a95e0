// ringbuf: bpf_ringbuf_output of 8 stack bytes
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("xdp")
int c_output_from_stack_ok(struct xdp_md *ctx)
{
	__u64 v = ctx->rx_queue_index;

	bpf_ringbuf_output(&rb, &v, sizeof(v), 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
