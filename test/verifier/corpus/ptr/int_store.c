// ptr: a store through a number
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int int_store(void)
{
	asm volatile (
	"r1 = 0x1000\n"
	"r0 = 0\n"
	"*(u64 *)(r1 + 0) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
