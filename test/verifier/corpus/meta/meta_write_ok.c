// meta: a store into proven metadata
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int meta_write_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 8)\n"
	"r3 = *(u32 *)(r1 + 0)\n"
	"r4 = r2\n"
	"r4 += 4\n"
	"r0 = 0\n"
	"if r4 > r3 goto l_exit_%=\n"
	"r5 = 1\n"
	"*(u32 *)(r2 + 0) = r5\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
