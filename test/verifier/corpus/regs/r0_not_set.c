// regs: exit without writing R0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int r0_not_set(void)
{
	asm volatile (
	"r1 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
