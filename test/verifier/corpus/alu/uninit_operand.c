// alu: arithmetic on an uninitialised register
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int uninit_operand(void)
{
	asm volatile (
	"r0 = 0\n"
	"r0 += r3\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
