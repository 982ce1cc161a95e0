// maps: bpf_map_update_elem with key and value on the stack
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
__naked int update_ok(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"*(u64 *)(r10 - 16) = r1\n"
	"r2 = r10\n"
	"r2 += -8\n"
	"r3 = r10\n"
	"r3 += -16\n"
	"r4 = 0\n"
	"r1 = %[hash] ll\n"
	"call %[bpf_map_update_elem]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_addr(hash), __imm(bpf_map_update_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
