// callbacks: bpf_timer_init with clock id 9 (refused at run time, not at load)
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
int c_timer_bad_clock_ok(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct elem *e = bpf_map_lookup_elem(&timers, &key);

	if (e)
		bpf_timer_init(&e->t, &timers, 9);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
