// loops: a loop whose counter moves away from its bound
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int loop_counter_never_ends(void)
{
	asm volatile (
	"r1 = 10\n"
	"r0 = 0\n"
	"l_loop_%=:\n"
	"r0 += 1\n"
	"r1 += 1\n"
	"if r1 != 0 goto l_loop_%=\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
