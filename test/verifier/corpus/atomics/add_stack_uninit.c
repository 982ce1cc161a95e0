// atomics: an atomic add on a never-written stack slot
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int add_stack_uninit(void)
{
	asm volatile (
	"r1 = 1\n"
	"lock *(u64 *)(r10 - 8) += r1\n"
	"r0 = 0\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
