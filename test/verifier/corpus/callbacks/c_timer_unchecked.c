// callbacks: bpf_timer_init on a lookup result not checked against NULL
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

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elem);
} htimers SEC(".maps");

SEC("xdp")
int c_timer_unchecked(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct elem *e = bpf_map_lookup_elem(&htimers, &key);

	bpf_timer_init(&e->t, &htimers, CLOCK_MONOTONIC);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
