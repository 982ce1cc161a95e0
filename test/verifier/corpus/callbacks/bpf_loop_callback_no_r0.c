// callbacks: a bpf_loop callback that exits without setting R0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

__attribute__((used)) static __naked void cb_no_r0(void)
{
	asm volatile (
	"r1 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

SEC("xdp")
__naked int bpf_loop_callback_no_r0(void)
{
	asm volatile (
	"r1 = 4\n"
	"r2 = cb_no_r0 ll\n"
	"r3 = 0\n"
	"r4 = 0\n"
	"call %[bpf_loop]\n"
	"r0 = 2\n"
	"exit\n"
	:: __imm(bpf_loop)
	: "memory");
}

char _license[] SEC("license") = "GPL";
