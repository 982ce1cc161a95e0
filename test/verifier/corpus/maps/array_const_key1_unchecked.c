// maps: an array lookup with the constant key 1 of 4, unchecked (compare array_const_key_unchecked_ok)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} array SEC(".maps");

SEC("xdp")
__naked int array_const_key1_unchecked(void)
{
	asm volatile (
	"r1 = 1\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[array] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"r0 = *(u64 *)(r0 + 0)\n"
	"exit\n"
	:: __imm_addr(array), __imm(bpf_map_lookup_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
