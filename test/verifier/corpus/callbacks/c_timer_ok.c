// callbacks: bpf_timer_init, bpf_timer_set_callback and bpf_timer_start on a timer in a map value
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

static int fire(void *map, __u32 *key, struct elem *e)
{
	return 0;
}

SEC("xdp")
int c_timer_ok(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct elem *e = bpf_map_lookup_elem(&timers, &key);

	if (!e)
		return XDP_PASS;
	bpf_timer_init(&e->t, &timers, CLOCK_MONOTONIC);
	bpf_timer_set_callback(&e->t, fire);
	bpf_timer_start(&e->t, 1000, 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
