// SPDX-License-Identifier: GPL-2.0
// An arithmetic probe for the BPF ISA v4 additions, built with
// `clang-19 -mcpu=v4`. A frame with EtherType ETH_P_CPUV4_PROBE carries
// operands right after the Ethernet header; the program works them through
// signed division and modulo (sdiv/smod, 64 and 32 bits), sign-extending
// loads (ldsx) and moves (movsx), and byte swaps (bswap16/32/64), and stores
// every result in a one-entry array for user space to read. The verdict is
// DROP when the 64-bit quotient is negative, PASS otherwise (and for frames
// that are not probes).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_CPUV4_PROBE 0x88b5 // IEEE local experimental EtherType

// Little-endian operands, except the byte-swap inputs, which are in network
// order as protocol fields are. The struct sits at offset 14 of the frame,
// so its wide fields are misaligned there; x86 allows that for packets.
struct probe_operands {
	__s64 dividend;
	__s64 divisor;
	__s64 modulus;
	__be64 be64;
	__s32 dividend32;
	__s32 divisor32;
	__s32 modulus32;
	__be32 be32;
	__s16 half;
	__be16 be16;
	__s8 narrow;
};

struct probe_results {
	__s64 quotient;        // sdiv:   dividend / divisor
	__s64 remainder;       // smod:   dividend % modulus
	__s32 quotient32;      // sdiv32: dividend32 / divisor32
	__s32 remainder32;     // smod32: dividend32 % modulus32
	__s64 quotient32_wide; // movsx 32->64 of quotient32
	__s64 quotient_low8;   // movsx 8->64 of the quotient's low byte
	__s64 remainder_low16; // movsx 16->64 of the remainder's low half
	__s64 narrow;          // ldsx 8
	__s64 half;            // ldsx 16
	__s64 dividend32_wide; // ldsx 32
	__u64 swapped16;       // bswap16
	__u64 swapped32;       // bswap32
	__u64 swapped64;       // bswap64
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_results);
} results SEC(".maps");

SEC("xdp")
int xdp_cpuv4(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct probe_operands *op = (void *)(eth + 1);
	struct probe_results *res;
	__u32 key = 0;
	__s64 quotient, remainder;
	__s32 quotient32;

	if ((void *)(op + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_CPUV4_PROBE))
		return XDP_PASS;
	res = bpf_map_lookup_elem(&results, &key);
	if (!res)
		return XDP_ABORTED;

	// Division by zero and the one overflowing case (minimum / -1) are
	// undefined in C, but the BPF instructions define them; this program
	// exists to exercise exactly those instructions.
	quotient = op->dividend / op->divisor;
	remainder = op->dividend % op->modulus;
	quotient32 = op->dividend32 / op->divisor32;

	res->quotient = quotient;
	res->remainder = remainder;
	res->quotient32 = quotient32;
	res->remainder32 = op->dividend32 % op->modulus32;
	res->quotient32_wide = quotient32;
	res->quotient_low8 = (__s8)quotient;
	res->remainder_low16 = (__s16)remainder;
	res->narrow = op->narrow;
	res->half = op->half;
	res->dividend32_wide = op->dividend32;
	res->swapped16 = bpf_ntohs(op->be16);
	res->swapped32 = bpf_ntohl(op->be32);
	res->swapped64 = bpf_be64_to_cpu(op->be64);
	return quotient < 0 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
