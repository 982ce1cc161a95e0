// callbacks: bpf_loop given a subprogram address (ld_imm64 of a function)
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

__attribute__((used)) static __naked void cb_ret0(void)
{
	asm volatile (
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

SEC("xdp")
__naked int bpf_loop_subprog_ok(void)
{
	asm volatile (
	"r1 = 4\n"
	"r2 = cb_ret0 ll\n"
	"r3 = 0\n"
	"r4 = 0\n"
	"call %[bpf_loop]\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm(bpf_loop)
	: "memory");
}

char _license[] SEC("license") = "GPL";
