// ptr: a number dereferenced
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int int_deref(void)
{
	asm volatile (
	"r1 = 0x1000\n"
	"r0 = *(u64 *)(r1 + 0)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
