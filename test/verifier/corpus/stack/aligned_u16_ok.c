// stack: a 2-byte store at fp-6
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int aligned_u16_ok(void)
{
	asm volatile (
	"r0 = 0\n"
	"*(u16 *)(r10 - 6) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
