// ringbuf: bpf_ringbuf_submit given a stack pointer
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

SEC("xdp")
int c_submit_stack_pointer(struct xdp_md *ctx)
{
	__u64 v = 0;

	bpf_ringbuf_submit(&v, 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
