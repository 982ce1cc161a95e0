// atomics: an atomic add on the context
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int add_ctx(void)
{
	asm volatile (
	"w2 = 1\n"
	"lock *(u32 *)(r1 + 16) += w2\n"
	"r0 = 0\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
