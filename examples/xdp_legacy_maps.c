// SPDX-License-Identifier: GPL-2.0
// An object in the pre-BTF style that iproute2's own loader understands: the
// map is a struct bpf_map_def placed in the "maps" section, and the program
// sits in section "prog", the section `ip link set dev X xdp obj FILE` loads
// when no section is named. libbpf 1.0 and later refuse to open such objects
// (legacy map definitions are gone from it), so only iproute2 can load it.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

// The classic layout shared by samples/bpf and iproute2 (which appends more
// fields of its own and accepts this shorter prefix).
struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

enum ethertype_class {
	CLASS_IPV4,
	CLASS_IPV6,
	CLASS_ARP,
	CLASS_OTHER,
	CLASS_COUNT,
};

struct bpf_map_def SEC("maps") ethertype_counts = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = CLASS_COUNT,
};

SEC("prog")
int xdp_legacy(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 class = CLASS_OTHER;
	__u64 *count;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		class = CLASS_IPV4;
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		class = CLASS_IPV6;
	else if (eth->h_proto == bpf_htons(ETH_P_ARP))
		class = CLASS_ARP;

	count = bpf_map_lookup_elem(&ethertype_counts, &class);
	if (count)
		__sync_fetch_and_add(count, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
