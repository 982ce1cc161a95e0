// atomics: an atomic add on an initialised stack slot
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int add_stack_ok(void)
{
	asm volatile (
	"r1 = 0\n"
	"*(u64 *)(r10 - 8) = r1\n"
	"r1 = 1\n"
	"lock *(u64 *)(r10 - 8) += r1\n"
	"r0 = *(u64 *)(r10 - 8)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
