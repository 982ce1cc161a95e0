// regs: comparing an uninitialised register
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int uninit_compare(void)
{
	asm volatile (
	"r0 = 0\n"
	"if r7 > 3 goto +1\n"
	"exit\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
