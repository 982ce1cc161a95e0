// cfg: an instruction after exit that nothing jumps to
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int unreachable_after_exit(void)
{
	asm volatile (
	"r0 = 0\n"
	"exit\n"
	"r0 = 1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
