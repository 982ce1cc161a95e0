// stack: a stack pointer moved to fp-600 and written
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ptr_arith_below_stack(void)
{
	asm volatile (
	"r2 = r10\n"
	"r2 += -600\n"
	"r0 = 0\n"
	"*(u8 *)(r2 + 0) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
