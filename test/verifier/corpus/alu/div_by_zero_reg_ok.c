// alu: division by a register holding 0 is allowed (the result is 0)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int div_by_zero_reg_ok(void)
{
	asm volatile (
	"r0 = 5\n"
	"r1 = 0\n"
	"r0 /= r1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
