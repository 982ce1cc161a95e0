// alu: adding a pointer to a pointer
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ptr_plus_ptr(void)
{
	asm volatile (
	"r2 = r10\n"
	"r1 += r2\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
