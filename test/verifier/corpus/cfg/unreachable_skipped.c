// cfg: a goto that jumps over an instruction no path reaches
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int unreachable_skipped(void)
{
	asm volatile (
	"r0 = 0\n"
	"goto +1\n"
	"r0 = 1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
