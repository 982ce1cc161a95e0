// ptr: two map value pointers compared (root may)
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
__naked int map_value_from_other_lookup_ok(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[hash] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"r6 = r0\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[hash] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"if r0 == r6 goto +0\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_addr(hash), __imm(bpf_map_lookup_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
