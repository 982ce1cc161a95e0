// packet: a store one byte past the proven range
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int write_past_check(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r4 = r2\n"
	"r4 += 1\n"
	"r0 = 0\n"
	"if r4 > r3 goto l_exit_%=\n"
	"r5 = 0xff\n"
	"*(u8 *)(r2 + 1) = r5\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
