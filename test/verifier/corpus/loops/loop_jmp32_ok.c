// loops: a loop bounded with a 32-bit comparison
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int loop_jmp32_ok(void)
{
	asm volatile (
	"w1 = 0\n"
	"r0 = 0\n"
	"l_loop_%=:\n"
	"r0 += 1\n"
	"w1 += 1\n"
	"if w1 < 20 goto l_loop_%=\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
