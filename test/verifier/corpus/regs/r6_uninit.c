// regs: reading R6 before any write
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int r6_uninit(void)
{
	asm volatile (
	"r0 = r6\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
