// cfg: a conditional jump past the last instruction
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int jump_out_of_range(void)
{
	asm volatile (
	"r0 = 0\n"
	"if r0 == 0 goto +5\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
