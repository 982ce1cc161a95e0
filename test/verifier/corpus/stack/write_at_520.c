// stack: an 8-byte store at fp-520, below the 512-byte stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int write_at_520(void)
{
	asm volatile (
	"r0 = 0\n"
	"*(u64 *)(r10 - 520) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
