// regs: storing an uninitialised register to the stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int uninit_store_source(void)
{
	asm volatile (
	"*(u64 *)(r10 - 8) = r4\n"
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
