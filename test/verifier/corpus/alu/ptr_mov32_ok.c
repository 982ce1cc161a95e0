// alu: a 32-bit copy of a pointer is a scalar (root)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ptr_mov32_ok(void)
{
	asm volatile (
	"w0 = w1\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
