// cfg: two instructions that jump to each other in the same state forever
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int infinite_loop_two(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 + 16)\n"
	"if r0 == 0 goto +2\n"
	"r2 = 0\n"
	"goto -2\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
