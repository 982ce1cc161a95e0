// packet: a checked packet pointer spilled and filled keeps its range
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int range_kept_on_stack_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r4 = r2\n"
	"r4 += 4\n"
	"r0 = 0\n"
	"if r4 > r3 goto l_exit_%=\n"
	"*(u64 *)(r10 - 8) = r2\n"
	"r6 = *(u64 *)(r10 - 8)\n"
	"r0 = *(u32 *)(r6 + 0)\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
