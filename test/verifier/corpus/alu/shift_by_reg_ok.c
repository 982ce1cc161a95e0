// alu: a shift by a register of unknown value
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int shift_by_reg_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 16)\n"
	"r0 = 1\n"
	"r0 <<= r2\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
