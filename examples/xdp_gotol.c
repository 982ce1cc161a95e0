// SPDX-License-Identifier: GPL-2.0
// A program with a jump too long for the 16-bit offset of a classic BPF
// jump, built with `clang-19 -mcpu=v4` so that clang reaches over it with
// gotol (BPF_JMP32 | BPF_JA and a 32-bit immediate offset). A probe frame
// (EtherType ETH_P_GOTOL_PROBE) with the marker byte set runs a fully
// unrolled mixing block of about ten thousand instructions over the seed
// that follows the marker; the result lands in a one-entry array (0 when
// the block was skipped). Every frame passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_GOTOL_PROBE 0x88b6 // IEEE local experimental EtherType 2
#define LONG_BLOCK_MARKER 0x5a
// clang-19 switches to gotol once it can no longer prove a jump fits in 16
// bits; 1700 rounds is comfortably past that point.
#define MIX_ROUNDS 1700

struct probe {
	__u8 marker;
	__u8 pad[7];
	__u64 seed; // little-endian
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} mixed SEC(".maps");

// One round: xor-shift, then multiply by a constant that differs per round,
// so the unrolled rounds cannot be folded together.
static __always_inline __u64 stir(__u64 x, __u64 round)
{
	x ^= x >> 29;
	return x * (0xbf58476d1ce4e5b9ULL + round);
}

SEC("xdp")
int xdp_gotol(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct probe *p = (void *)(eth + 1);
	__u32 key = 0;
	__u64 *out, x = 0;
	int i;

	if ((void *)(p + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_GOTOL_PROBE))
		return XDP_PASS;
	out = bpf_map_lookup_elem(&mixed, &key);
	if (!out)
		return XDP_ABORTED;
	if (p->marker == LONG_BLOCK_MARKER) {
		x = p->seed;
#pragma clang loop unroll(full)
		for (i = 0; i < MIX_ROUNDS; i++)
			x = stir(x, i);
	}
	*out = x;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
