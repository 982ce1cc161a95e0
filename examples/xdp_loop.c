// SPDX-License-Identifier: GPL-2.0
// Callbacks: bpf_loop walks the first bytes of the frame with
// bpf_xdp_load_bytes and keeps a histogram of their low nibbles; then
// bpf_for_each_map_elem sums the histogram, stopping at bucket 7. The sums
// are recorded per frame length; odd byte sums are dropped.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} nibble_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} by_length SEC(".maps");

struct bpf_map;

struct walk {
	struct xdp_md *xdp;
	__u64 sum;
};

struct total {
	__u64 count;
	__u32 buckets;
};

static long count_byte(__u64 index, void *data)
{
	struct walk *w = data;
	__u8 byte;
	__u32 bucket;
	__u64 *n;

	if (bpf_xdp_load_bytes(w->xdp, index, &byte, 1) < 0)
		return 1;
	w->sum += byte;
	bucket = byte & 15;
	n = bpf_map_lookup_elem(&nibble_hist, &bucket);
	if (n)
		*n += 1;
	return 0;
}

static long add_bucket(struct bpf_map *map, __u32 *key, __u64 *value, struct total *t)
{
	t->count += *value;
	t->buckets++;
	return *key == 7;
}

SEC("xdp")
int xdp_loop(struct xdp_md *ctx)
{
	struct walk w = { .xdp = ctx };
	struct total t = {};
	__u32 len = bpf_xdp_get_buff_len(ctx);
	long steps, visited;
	__u64 record;

	steps = bpf_loop(len < 96 ? len : 96, count_byte, &w, 0);
	visited = bpf_for_each_map_elem(&nibble_hist, add_bucket, &t, 0);
	record = (w.sum << 24) ^ (t.count << 12) ^ ((__u64)steps << 4) ^ (__u64)visited ^ t.buckets;
	len &= 0xff;
	bpf_map_update_elem(&by_length, &len, &record, BPF_ANY);
	return (w.sum & 1) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
