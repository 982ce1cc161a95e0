// alu: a scalar minus a pointer
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int scalar_minus_ptr(void)
{
	asm volatile (
	"r0 = 10\n"
	"r0 -= r1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
