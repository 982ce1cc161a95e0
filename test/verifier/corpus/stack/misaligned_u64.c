// stack: an 8-byte store at fp-12
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int misaligned_u64(void)
{
	asm volatile (
	"r0 = 0\n"
	"*(u64 *)(r10 - 12) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
