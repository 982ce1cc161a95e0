// locks: bpf_spin_lock with no unlock before the exit
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct val {
	struct bpf_spin_lock lock;
	__u32 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct val);
} vals SEC(".maps");

SEC("xdp")
int c_lock_not_released(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct val *v = bpf_map_lookup_elem(&vals, &key);

	if (!v)
		return XDP_PASS;
	bpf_spin_lock(&v->lock);
	v->n++;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
