// ptr: the context pointer turned into a number by a 32-bit move and dereferenced
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ctx_via_arith_to_int(void)
{
	asm volatile (
	"w2 = w1\n"
	"r0 = *(u32 *)(r2 + 0)\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
