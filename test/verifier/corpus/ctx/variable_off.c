// ctx: a read at a variable offset into the context
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int variable_off(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 16)\n"
	"r2 &= 4\n"
	"r1 += r2\n"
	"r0 = *(u32 *)(r1 + 0)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
