// maps: an array inside a map value indexed by a packet byte without a bound
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct value { __u32 slots[4]; };
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct value);
} table SEC(".maps");

SEC("xdp")
int c_struct_value_index(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	__u32 key = 0;
	struct value *v;

	if ((void *)(data + 1) > (void *)(long)ctx->data_end)
		return XDP_DROP;
	v = bpf_map_lookup_elem(&table, &key);
	if (!v)
		return XDP_PASS;
	return v->slots[data[0]];
}

char _license[] SEC("license") = "GPL";
