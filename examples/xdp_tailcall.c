// SPDX-License-Identifier: GPL-2.0
// A protocol dispatcher built on tail calls. xdp_dispatch looks at the
// EtherType and jumps into the handler registered for it in a program array
// that libbpf fills at load time from the __array initialiser below. A slot
// with no program makes bpf_tail_call return, and the dispatcher then passes
// the packet itself. Each program counts its runs, so a test can see which
// ones ran.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum handler_slot {
	HANDLER_IPV4,
	HANDLER_IPV6,
	HANDLER_ARP, // deliberately left empty
	HANDLER_SLOTS,
};

enum run_counter {
	RAN_DISPATCH,
	RAN_IPV4,
	RAN_IPV6,
	RAN_FALLTHROUGH, // a tail call returned: its slot was empty
	RUN_COUNTERS,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RUN_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} runs SEC(".maps");

static __always_inline void count_run(__u32 which)
{
	__u64 *counter = bpf_map_lookup_elem(&runs, &which);

	if (counter)
		__sync_fetch_and_add(counter, 1);
}

SEC("xdp")
int xdp_handle_ipv4(struct xdp_md *ctx)
{
	count_run(RAN_IPV4);
	return XDP_DROP;
}

SEC("xdp")
int xdp_handle_ipv6(struct xdp_md *ctx)
{
	count_run(RAN_IPV6);
	return XDP_TX;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, HANDLER_SLOTS);
	// Program arrays take no BTF for key and value, so sizes are given bare.
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} handlers SEC(".maps") = {
	.values = {
		[HANDLER_IPV4] = (void *)&xdp_handle_ipv4,
		[HANDLER_IPV6] = (void *)&xdp_handle_ipv6,
	},
};

SEC("xdp")
int xdp_dispatch(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	count_run(RAN_DISPATCH);
	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;

	switch (eth->h_proto) {
	case bpf_htons(ETH_P_IP):
		bpf_tail_call(ctx, &handlers, HANDLER_IPV4);
		break;
	case bpf_htons(ETH_P_IPV6):
		bpf_tail_call(ctx, &handlers, HANDLER_IPV6);
		break;
	case bpf_htons(ETH_P_ARP):
		bpf_tail_call(ctx, &handlers, HANDLER_ARP);
		break;
	default:
		return XDP_PASS;
	}
	count_run(RAN_FALLTHROUGH);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
