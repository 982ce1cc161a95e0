// cfg: a goto to itself on one path
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int infinite_loop_self(void)
{
	asm volatile (
	"r0 = *(u32 *)(r1 + 16)\n"
	"if r0 == 0 goto +1\n"
	"goto -1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
