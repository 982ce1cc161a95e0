// callbacks: a bpf_for_each_map_elem callback writing into each value
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

static long zero(void *map, __u32 *key, __u64 *value, void *ctx)
{
	*value = 0;
	return 0;
}

SEC("xdp")
int c_for_each_value_write_ok(struct xdp_md *ctx)
{
	bpf_for_each_map_elem(&values, zero, 0, 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
