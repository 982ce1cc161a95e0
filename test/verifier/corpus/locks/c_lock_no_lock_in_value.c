// locks: bpf_spin_lock on a value whose type has no bpf_spin_lock
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} plain SEC(".maps");

SEC("xdp")
int c_lock_no_lock_in_value(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&plain, &key);

	if (!v)
		return XDP_PASS;
	bpf_spin_lock((void *)v);
	bpf_spin_unlock((void *)v);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
