// stack: the low half of a spilled context pointer read back
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int spill_ctx_partial_fill(void)
{
	asm volatile (
	"*(u64 *)(r10 - 8) = r1\n"
	"r0 = *(u32 *)(r10 - 8)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
