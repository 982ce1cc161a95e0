// callbacks: bpf_timer_init on a timer on the stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define CLOCK_MONOTONIC 1

struct elem {
	struct bpf_timer t;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} timers SEC(".maps");

SEC("xdp")
int c_timer_on_stack(struct xdp_md *ctx)
{
	struct bpf_timer t = {};

	bpf_timer_init(&t, &timers, CLOCK_MONOTONIC);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
