// callbacks: a bpf_loop callback returning 2 (only 0 and 1 are allowed)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

__attribute__((used)) static __naked void cb_ret2(void)
{
	asm volatile (
	"r0 = 2\n"
	"exit\n"
	:: 
	: "memory");
}

SEC("xdp")
__naked int bpf_loop_callback_returns_2(void)
{
	asm volatile (
	"r1 = 4\n"
	"r2 = cb_ret2 ll\n"
	"r3 = 0\n"
	"r4 = 0\n"
	"call %[bpf_loop]\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm(bpf_loop)
	: "memory");
}

char _license[] SEC("license") = "GPL";
