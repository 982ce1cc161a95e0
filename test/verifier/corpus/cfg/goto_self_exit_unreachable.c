// cfg: a goto to itself, so the exit after it is unreachable
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int goto_self_exit_unreachable(void)
{
	asm volatile (
	"r0 = 0\n"
	"goto -1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
