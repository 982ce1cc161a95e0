// cfg: a jump to before the first instruction
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int jump_before_start(void)
{
	asm volatile (
	"r0 = 0\n"
	"goto -3\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
