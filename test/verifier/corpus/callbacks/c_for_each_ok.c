// callbacks: bpf_for_each_map_elem over an array summing its values
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

static long add(void *map, __u32 *key, __u64 *value, __u64 *sum)
{
	*sum += *value;
	return 0;
}

SEC("xdp")
int c_for_each_ok(struct xdp_md *ctx)
{
	__u64 sum = 0;

	bpf_for_each_map_elem(&values, add, &sum, 0);
	return sum ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
