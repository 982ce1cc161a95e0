// atomics: a 32-bit atomic add on an initialised stack slot
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int add_32bit_stack_ok(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"w1 = 1\n"
	"lock *(u32 *)(r10 - 8) += w1\n"
	"r0 = 0\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
