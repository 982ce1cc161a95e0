// packet: a packet pointer compared with a number (root may)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int ptr_compare_scalar_ok(void)
{
	asm volatile (
	"r2 = *(u32 *)(r1 + 0)\n"
	"r3 = *(u32 *)(r1 + 4)\n"
	"r0 = 0\n"
	"if r2 > 100 goto l_exit_%=\n"
	"r0 = 1\n"
	"l_exit_%=:\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
