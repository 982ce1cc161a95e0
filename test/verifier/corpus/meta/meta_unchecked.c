// meta: a metadata read without comparing against data
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int meta_unchecked(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 8)\n"
	"r3 = *(u32 *)(r1 + 0)\n"
	"r0 = *(u32 *)(r2 + 0)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
