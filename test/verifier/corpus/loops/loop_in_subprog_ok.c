// loops: a bounded loop inside a subprogram
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int loop_in_subprog_ok(void)
{
	asm volatile (
	"call loop_sub\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void loop_sub(void)
{
	asm volatile (
	"r1 = 8\n"
	"r0 = 0\n"
	"l_loop_%=:\n"
	"r0 += 1\n"
	"r1 += -1\n"
	"if r1 != 0 goto l_loop_%=\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
