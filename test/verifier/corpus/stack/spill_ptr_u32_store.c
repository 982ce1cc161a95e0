// stack: the context stored 4 bytes wide
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int spill_ptr_u32_store(void)
{
	asm volatile (
	"*(u32 *)(r10 - 8) = r1\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
