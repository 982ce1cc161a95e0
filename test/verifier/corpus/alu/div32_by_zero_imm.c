// alu: 32-bit division by the constant 0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int div32_by_zero_imm(void)
{
	asm volatile (
	"w0 = 5\n"
	"w0 /= 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
