// alu: division by the constant 0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int div_by_zero_imm(void)
{
	asm volatile (
	"r0 = 5\n"
	"r0 /= 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
