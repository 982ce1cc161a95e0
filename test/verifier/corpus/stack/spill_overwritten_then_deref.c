// stack: a spilled context pointer with one byte overwritten, filled and dereferenced
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int spill_overwritten_then_deref(void)
{
	asm volatile (
	"*(u64 *)(r10 - 8) = r1\n"
	"r2 = 0\n"
	"*(u8 *)(r10 - 8) = r2\n"
	"r2 = *(u64 *)(r10 - 8)\n"
	"r0 = *(u32 *)(r2 + 16)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
