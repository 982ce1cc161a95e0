// ptr: a map pointer shifted into a number and used as a map
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

SEC("xdp")
__naked int forged_map_pointer(void)
{
	asm volatile (
	"r1 = %[hash] ll\n"
	"w1 = w1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r3 = 0\n"
	"*(u32 *)(r10 - 4) = r3\n"
	"call %[bpf_map_lookup_elem]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_addr(hash), __imm(bpf_map_lookup_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
