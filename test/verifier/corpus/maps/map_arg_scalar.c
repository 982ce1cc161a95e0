// maps: a number passed as the map
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int map_arg_scalar(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u32 *)(r10 - 4) = r1\n"
	"r2 = r10\n"
	"r2 += -4\n"
	"r1 = 0x1000\n"
	"call %[bpf_map_lookup_elem]\n"
	"r0 = 0\n"
	"exit\n"
	:: __imm(bpf_map_lookup_elem)
	: "memory");
}

char _license[] SEC("license") = "GPL";
