// maps: bpf_map_lookup_elem on a program array
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} progs SEC(".maps");

SEC("xdp")
__naked int lookup_prog_array(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = %[progs] ll\n"
	"call %[bpf_map_lookup_elem]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm_addr(progs), __imm(bpf_map_lookup_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
