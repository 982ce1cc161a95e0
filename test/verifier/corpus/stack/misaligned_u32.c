// stack: a 4-byte store at fp-6
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int misaligned_u32(void)
{
	asm volatile (
	"r0 = 0\n"
	"*(u32 *)(r10 - 6) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
