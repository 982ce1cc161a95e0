// stack: an 8-byte store at fp-512, the bottom of the stack
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int write_at_512_ok(void)
{
	asm volatile (
	"r0 = 0\n"
	"*(u64 *)(r10 - 512) = r0\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
